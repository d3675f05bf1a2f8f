#!/usr/bin/env python3
"""The API's contract test: Schemathesis against the portal's own /openapi.json, signed in as a
demo customer, every phase (examples, coverage, fuzzing, stateful) and every check, on the mock
store and in Salesforce mode through the emulator. Fails on any failure Schemathesis reports,
or when fewer cases than --min-cases were generated.

    python3 scripts/contract_test.py                 both modes, the recorded seed
    python3 scripts/contract_test.py --mode mock --seed 7 --max-examples 30

Schemathesis is installed into target/contract-venv (pinned below) on first use. The portal
and the emulator are the debug builds (`cargo build` first, as the rest of the tests do).
Configuration and hooks: scripts/contract/ (each exception there says why).
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

SCHEMATHESIS = "schemathesis==4.32.5"
ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "scripts" / "contract"
VENV = ROOT / "target" / "contract-venv"
# The seed the recorded runs used (docs/BENCHMARKS.md, "Contract test").
DEFAULT_SEED = 20261207
DEMO_USER = ("gina@globex.example", "portal-demo")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def schemathesis_command() -> list[str]:
    """How to run Schemathesis: from its own virtual environment, installed on first use (or,
    where Python has no `venv` module, from a folder of its own on PYTHONPATH)."""
    st = VENV / "bin" / "schemathesis"
    if st.exists():
        return [str(st)]
    if (VENV / "lib-target" / "schemathesis").is_dir():
        return [sys.executable, "-m", "schemathesis.cli"]
    print(f"==> Installing {SCHEMATHESIS} into {VENV}", flush=True)
    pip_quiet = ["--quiet", "--disable-pip-version-check"]
    venv = subprocess.run([sys.executable, "-m", "venv", str(VENV)], capture_output=True)
    if venv.returncode == 0:
        subprocess.run([str(VENV / "bin" / "pip"), "install", *pip_quiet, SCHEMATHESIS], check=True)
        return [str(st)]
    target = VENV / "lib-target"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", *pip_quiet, "--target", str(target), SCHEMATHESIS],
        check=True,
    )
    return [sys.executable, "-m", "schemathesis.cli"]


def wait_ready(url: str, process: subprocess.Popen, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} was not ready at {url} within {seconds} s")


def sign_in(base_url: str) -> tuple[str, str, str, str]:
    """The session cookie's name and value, the session's CSRF token and its customer's id."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    email, password = DEMO_USER
    request = urllib.request.Request(
        f"{base_url}/auth/login",
        data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with opener.open(request, timeout=30) as response:
        signed_in = json.load(response)
    (cookie,) = [c for c in jar if c.name.endswith("portal_session")]
    return cookie.name, cookie.value, signed_in["csrf_token"], signed_in["customer"]["id"]


def get_json(base_url: str, path: str, cookie: str) -> dict:
    request = urllib.request.Request(f"{base_url}{path}", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def known_ids(base_url: str, cookie: str, customer: str) -> dict[str, list[str]]:
    """Ids of the signed-in customer's own records, for the generated requests to reach past
    "not found": the schema says what an id looks like, not which ones exist."""
    cases = get_json(base_url, f"/customer/{customer}/cases?limit=20", cookie)["items"]
    documents = get_json(base_url, f"/customer/{customer}/documents?limit=10", cookie)["items"]
    recommended = get_json(base_url, f"/customer/{customer}/recommendations", cookie)
    products = [r["product"]["id"] for r in recommended["items"]]
    products += [p["id"] for p in recommended["dismissed"]]
    return {
        "customer": [customer],
        "case": [c["id"] for c in cases],
        "document": [d["id"] for d in documents],
        "product": products or [customer],
    }


def book_one(base_url: str, cookie: str, csrf: str, customer: str) -> list[str]:
    """A booking of the customer's (the first free slot of the first topic), so that the
    appointment routes' ids reach past "not found"."""
    topics = get_json(base_url, f"/customer/{customer}/appointments/topics", cookie)["topics"]
    topic = topics[0]["code"]
    slots = get_json(base_url, f"/customer/{customer}/appointments/slots?topic={topic}", cookie)["slots"]
    if not slots:
        return []
    request = urllib.request.Request(
        f"{base_url}/customer/{customer}/appointments",
        data=json.dumps({"topic": topic, "start": slots[-1]["start"]}).encode(),
        headers={
            "Content-Type": "application/json",
            "Cookie": cookie,
            "X-CSRF-Token": csrf,
            "Idempotency-Key": f"contract-{time.time_ns()}",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return [json.load(response)["id"]]


def write_config(folder: Path, ids: dict[str, list[str]]) -> Path:
    """scripts/contract/schemathesis.toml, plus the customer's ids as dictionaries that the
    id parameters draw from most of the time (the rest of the time, any id the schema allows:
    another customer's is 403, an unknown record 404)."""
    lines = [(CONTRACT / "schemathesis.toml").read_text(), "", "[dictionaries]"]
    for name, values in ids.items():
        lines.append(f"{name} = {{ values = {json.dumps(values)} }}")
    lines += ["", "[parameters]"]
    for parameter, name in [
        ("customer_id", "customer"),
        ("case_id", "case"),
        ("document_id", "document"),
        ("product_id", "product"),
        ("appointment_id", "appointment"),
    ]:
        lines.append(f'"path.{parameter}" = {{ dictionary = "{name}", probability = 0.85 }}')
    config = folder / "schemathesis.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


def portal_env(port: int, data_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PORTAL_LISTEN": f"127.0.0.1:{port}",
            "PORTAL_DATA_DIR": data_dir,
            "PORTAL_LOG__FILTER": "warn",
            # Thousands of generated writes from one customer: the quotas are not under test
            # here (tests/cases.rs and the others test them), the contract of every answer is.
            "PORTAL_CASES__RATE_LIMIT__BURST": "1000000",
            "PORTAL_CASES__STATUS_RATE_LIMIT__BURST": "1000000",
            "PORTAL_COMMENTS__RATE_LIMIT__BURST": "1000000",
            "PORTAL_ATTACHMENTS__RATE_LIMIT__BURST": "1000000",
            "PORTAL_APPOINTMENTS__RATE_LIMIT__BURST": "1000000",
            # Room for the run's bookings: slots a year ahead (the hooks pick free ones).
            "PORTAL_APPOINTMENTS__HORIZON_DAYS": "3650",
            "PORTAL_RESILIENCE__CUSTOMER_CALLS_BURST": "1000000",
        }
    )
    return env


def run_mode(mode: str, seed: int, max_examples: int, min_cases: int) -> dict:
    print(f"\n==> Contract test, {mode} mode (seed {seed})", flush=True)
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix=f"contract-{mode}-") as tmp:
        log = open(Path(tmp) / "server.log", "w")
        try:
            port = free_port()
            env = portal_env(port, str(Path(tmp) / "data"))
            if mode == "salesforce":
                emulator_port = free_port()
                emulator_url = f"http://127.0.0.1:{emulator_port}"
                callback = f"http://127.0.0.1:{port}/auth/oidc/callback"
                emulator = subprocess.Popen(
                    [
                        str(ROOT / "target" / "debug" / "salesforce-emulator"),
                        "--listen",
                        f"127.0.0.1:{emulator_port}",
                        "--oidc-client",
                        f"portal-web:portal-demo-secret={callback}",
                    ],
                    stdout=log,
                    stderr=log,
                )
                processes.append(emulator)
                wait_ready(f"{emulator_url}/.well-known/openid-configuration", emulator, "the emulator")
                env.update(
                    {
                        "PORTAL_BACKEND": "salesforce",
                        "PORTAL_SALESFORCE__LOGIN_URL": emulator_url,
                        "PORTAL_SALESFORCE__AUTH_FLOW": "client_credentials",
                        "PORTAL_SALESFORCE__CONSUMER_KEY": "emulator-consumer-key",
                        "PORTAL_SALESFORCE__CONSUMER_SECRET": "emulator-consumer-secret",
                        "PORTAL_OIDC__ISSUER_URL": emulator_url,
                        "PORTAL_OIDC__CLIENT_ID": "portal-web",
                        "PORTAL_OIDC__CLIENT_SECRET": "portal-demo-secret",
                        "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}",
                    }
                )
            portal = subprocess.Popen(
                [str(ROOT / "target" / "debug" / "portal")], env=env, stdout=log, stderr=log
            )
            processes.append(portal)
            base_url = f"http://127.0.0.1:{port}"
            wait_ready(f"{base_url}/readyz", portal, "the portal")
            cookie_name, session, csrf, customer = sign_in(base_url)
            ids = known_ids(base_url, f"{cookie_name}={session}", customer)
            ids["appointment"] = book_one(base_url, f"{cookie_name}={session}", csrf, customer) or [customer]
            config = write_config(Path(tmp), ids)
            st_env = dict(os.environ)
            st_env.update(
                {
                    "PORTAL_BASE_URL": base_url,
                    "PORTAL_SESSION_COOKIE": cookie_name,
                    "PORTAL_SESSION": session,
                    "PORTAL_CSRF": csrf,
                    "PYTHONPATH": os.pathsep.join([str(CONTRACT), str(VENV / "lib-target")]),
                    "PYTHONDONTWRITEBYTECODE": "1",
                    "SCHEMATHESIS_WAIT_FOR_SCHEMA": "30",
                }
            )
            command = [
                *schemathesis_command(),
                "--config-file",
                str(config),
                "run",
                f"{base_url}/openapi.json",
                # Sign-out ends the session every other request runs in.
                "--exclude-operation-id",
                "logout",
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--checks",
                "all",
                "--seed",
                str(seed),
                "--max-examples",
                str(max_examples),
                "--no-color",
            ]
            result = subprocess.run(
                command, env=st_env, cwd=tmp, capture_output=True, text=True
            )
            output = result.stdout + result.stderr
            counts = re.search(r"(\d+) generated, (.+)", output)
            summary = {
                "mode": mode,
                "seed": seed,
                "generated": int(counts.group(1)) if counts else 0,
                "outcome": counts.group(2).strip() if counts else "no summary",
                "exit": result.returncode,
            }
            if result.returncode != 0 or summary["generated"] < min_cases:
                print(output)
                log.flush()
                print("--- server log (last 40 lines) ---")
                print("\n".join(Path(log.name).read_text().splitlines()[-40:]))
                reason = (
                    f"Schemathesis exited with {result.returncode}"
                    if result.returncode != 0
                    else f"only {summary['generated']} cases generated (at least {min_cases} wanted)"
                )
                raise SystemExit(f"contract test failed in {mode} mode: {reason}")
            tail = output[output.find("=== SUMMARY") :] if "=== SUMMARY" in output else output
            print(tail.strip())
            return summary
        finally:
            for process in reversed(processes):
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
            log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["mock", "salesforce", "both"], default="both")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("CONTRACT_SEED", DEFAULT_SEED)))
    parser.add_argument("--max-examples", type=int, default=60, help="per operation and phase")
    parser.add_argument("--min-cases", type=int, default=1000)
    args = parser.parse_args()
    modes = ["mock", "salesforce"] if args.mode == "both" else [args.mode]
    summaries = [run_mode(m, args.seed, args.max_examples, args.min_cases) for m in modes]
    print()
    for s in summaries:
        print(f"contract ({s['mode']}): seed {s['seed']}, {s['generated']} generated, {s['outcome']}")


if __name__ == "__main__":
    main()
