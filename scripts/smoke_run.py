#!/usr/bin/env python3
"""Runs the portal the way the README tells a new user to (`scripts/run`), on a free port with
a scratch data directory, and checks what that user would see: the portal gets ready, serves
the web app, and a demo customer can sign in and list their cases. Stops everything it started.

Part of `scripts/test`, so the README's run command is checked at every commit. The first run
builds the release binary (a few minutes), hence the generous start-up allowance.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_ALLOWANCE_SECS = 1800  # a release build (fat LTO) takes about 5 minutes on 2 cores; room to spare
DEMO_EMAIL = "alice@acme.example"
DEMO_PASSWORD = "portal-demo"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url: str, body: dict | None = None, headers: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={
        **({"content-type": "application/json"} if data else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def fail(message: str, log: Path) -> None:
    print(f"scripts/run smoke test: {message}", file=sys.stderr)
    print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
    sys.exit(1)


def main() -> None:
    # Build first, as scripts/run would: a port chosen before a build of minutes may be taken
    # meanwhile by another server on the machine, whose answers would then be checked instead.
    subprocess.run(["cargo", "build", "--release", "--locked", "-p", "portal"], cwd=ROOT,
                   check=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="portal-run-") as scratch:
        log = Path(scratch) / "run.log"
        env = {**os.environ, "PORTAL_LISTEN": f"127.0.0.1:{port}",
               "PORTAL_DATA_DIR": str(Path(scratch) / "data")}
        with open(log, "wb") as out:
            # A session of its own, so that stopping it stops cargo and the portal with it.
            proc = subprocess.Popen([str(ROOT / "scripts" / "run")], cwd=ROOT, env=env,
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + START_ALLOWANCE_SECS
            while True:
                if proc.poll() is not None:
                    fail(f"scripts/run exited with {proc.returncode} before the portal was ready", log)
                try:
                    status, _, body = request(f"{base}/readyz")
                    if status == 200:
                        break
                except OSError:
                    pass  # not listening yet: still building or starting
                if time.monotonic() > deadline:
                    fail(f"not ready within {START_ALLOWANCE_SECS} s", log)
                time.sleep(1)
            if json.loads(body)["status"] != "ready":
                fail(f"/readyz says {body!r}", log)

            status, headers, body = request(f"{base}/")
            if status != 200 or not headers.get("content-type", "").startswith("text/html") \
                    or b'<div id="root">' not in body:
                fail(f"GET / did not serve the web app: {status} {body[:200]!r}", log)

            status, headers, body = request(f"{base}/auth/login",
                                            {"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
            if status != 200:
                fail(f"demo sign-in: {status} {body[:300]!r}", log)
            customer = json.loads(body)["customer"]["id"]
            cookie = headers["set-cookie"].split(";", 1)[0]
            status, _, body = request(f"{base}/customer/{customer}/cases?limit=5",
                                      headers={"cookie": cookie})
            items = json.loads(body).get("items", []) if status == 200 else []
            if len(items) != 5:
                fail(f"the demo customer's cases: {status} {body[:300]!r}", log)
            print(f"scripts/run: ready, web app served, {DEMO_EMAIL} signed in and listed cases")
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


if __name__ == "__main__":
    main()
