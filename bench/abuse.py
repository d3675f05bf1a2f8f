#!/usr/bin/env python3
"""The abuse probes of issue 12, against the release `portal` on the mock store: what an
attacker can try without (and with) an account, what the portal refuses, and what it costs.

    python3 bench/abuse.py [--json]

Starts the portal (X-Forwarded-For trusted, so one machine can speak as many addresses) in a
temporary directory, runs each probe, and prints a Markdown table: requests tried, answers by
status, what was refused, the portal's memory (VmRSS/VmHWM) and data directory before and
after, and whether anything acknowledged was lost (cases counted again after a restart).
Results are saved as JSON in bench/results/. BENCH_NO_BUILD=1 skips `cargo build --release`.
"""

from __future__ import annotations

import argparse
import concurrent.futures as futures
import json
import os
import random
import re
import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import portal_bench as pb  # noqa: E402

PROBES: list = []


def probe(fn):
    PROBES.append(fn)
    return fn


def statuses(results) -> dict:
    return dict(sorted(Counter(str(s) for s in results).items()))


def parallel(n: int, workers: int, fn) -> list:
    with futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, range(n)))


def metric(port: int, series: str) -> float:
    _, _, body = pb.http_request(port, "GET", "/metrics")
    for line in body.decode().splitlines():
        name, _, value = line.rpartition(" ")
        if name == series:
            return float(value)
    return 0.0


def metrics_sum(port: int, name: str) -> float:
    _, _, body = pb.http_request(port, "GET", "/metrics")
    total = 0.0
    for line in body.decode().splitlines():
        if re.match(rf"^{re.escape(name)}(\{{|\s)", line):
            total += float(line.rsplit(" ", 1)[1])
    return total


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def sign_in(port: int, email: str, password: str, ip: str, cookie: str | None = None):
    headers = {"X-Forwarded-For": ip}
    if cookie:
        headers["Cookie"] = cookie
    status, hdrs, body = pb.http_request(port, "POST", "/auth/login",
                                         {"email": email, "password": password}, headers)
    return status, hdrs, body


@probe
def parallel_guesses_at_one_account(p: pb.Portal) -> dict:
    """200 wrong passwords for one account at once, from one address."""
    before = metric(p.port, 'portal_password_checks_total{outcome="mismatch"}')
    res = parallel(200, 64, lambda i: sign_in(p.port, "bob@acme.example", f"guess-{i}", "198.51.100.1")[0])
    checked = metric(p.port, 'portal_password_checks_total{outcome="mismatch"}') - before
    return {"tried": 200, "answers": statuses(res), "passwords_checked": checked,
            "expect": "at most login_attempts_per_account_per_hour (10) checked, the rest 429"}


@probe
def owner_signs_in_during_the_attack(p: pb.Portal) -> dict:
    """The owner, from another address, and from a browser that signed in before."""
    fresh = sign_in(p.port, "bob@acme.example", pb.PASSWORD, "203.0.113.5")[0]
    return {"tried": 1, "answers": statuses([fresh]),
            "expect": "200: failures from another address do not lock the owner out"}


@probe
def random_accounts_from_many_addresses(p: pb.Portal) -> dict:
    """1,000 sign-ins at random emails from 1,000 addresses, 128 at a time: argon2's 19 MiB
    each is what a flood would spend; the check cap bounds it."""
    hwm0 = pb.proc_status(p.pid)["VmHWM"]
    res = parallel(1000, 128, lambda i: sign_in(
        p.port, f"{uuid.uuid4().hex}@x.example", "guess", f"10.{i // 250}.{i % 250}.{random.randint(1, 250)}")[0])
    hwm1 = pb.proc_status(p.pid)["VmHWM"]
    return {"tried": 1000, "answers": statuses(res), "vmhwm_mib": [round(hwm0 / 1024, 1), round(hwm1 / 1024, 1)],
            "expect": "401 or 503 (busy, Retry-After); peak memory bounded by the check cap"}


@probe
def forged_download_links(p: pb.Portal) -> dict:
    """2,000 download links with made-up ids and signatures (some 8 KB long)."""
    audit = p.data / "audit.jsonl"
    size0 = audit.stat().st_size if audit.exists() else 0

    def forged(i):
        doc = "069" + uuid.uuid4().hex[:15] if i % 4 else "A" * 8000
        q = f"expires=9999999999&signature={'x' * (i % 300)}"
        return pb.http_request(p.port, "GET", f"/downloads/{doc}?{q}")[0]

    res = parallel(2000, 64, forged)
    size1 = audit.stat().st_size if audit.exists() else 0
    return {"tried": 2000, "answers": statuses(res), "audit_log_bytes": [size0, size1],
            "refusals_counted": metrics_sum(p.port, "portal_download_refusals_total"),
            "expect": "403/404/400; the audit log does not grow (only verified downloads are audited)"}


@probe
def stolen_download_link(p: pb.Portal) -> dict:
    """A real link of one customer, opened without a session, by another customer, and by its
    owner after signing out: only the browser that asked for it, signed in, gets the file."""
    alice = p.login("alice@acme.example")
    bob = p.login("gina@globex.example")
    _, _, b = pb.http_request(p.port, "GET", f"/customer/{alice['customer']}/documents?limit=1",
                              headers={"Cookie": alice["cookie"]})
    doc = json.loads(b)["items"][0]["id"]
    st, headers, _ = pb.http_request(p.port, "GET", f"/customer/{alice['customer']}/documents/{doc}/download",
                                     headers={"Cookie": alice["cookie"]})
    link = next(v for k, v in headers if k.lower() == "location")
    tries = {
        "owner": pb.http_request(p.port, "GET", link, headers={"Cookie": alice["cookie"]})[0],
        "no_session": pb.http_request(p.port, "GET", link)[0],
        "other_customer": pb.http_request(p.port, "GET", link, headers={"Cookie": bob["cookie"]})[0],
    }
    pb.http_request(p.port, "POST", "/auth/logout", headers={"Cookie": alice["cookie"], "X-CSRF-Token": alice["csrf"]})
    tries["owner_after_sign_out"] = pb.http_request(p.port, "GET", link, headers={"Cookie": alice["cookie"]})[0]
    return {"tried": len(tries), "link_status": st, "answers": tries,
            "expect": "owner 200; without a session, another customer's session, after sign-out: refused"}


@probe
def oversized_paths_and_queries(p: pb.Portal) -> dict:
    """Signed in: 10 KB path segments and query values on every route."""
    s = p.login("alice@acme.example")
    cust = s["customer"]
    long = "z" * 10_000
    paths = [f"/customer/{cust}/cases/{long}", f"/customer/{long}/cases", f"/customer/{cust}/cases?q={long}",
             f"/customer/{cust}/cases?cursor={long}", f"/customer/{cust}/documents?sort={long}",
             f"/customer/{cust}/documents/{long}/download", f"/auth/oidc/login?return_to=/{long}"]
    log0 = p.log.stat().st_size
    res = parallel(len(paths) * 20, 16,
                   lambda i: pb.http_request(p.port, "GET", paths[i % len(paths)], headers={"Cookie": s["cookie"]})[0])
    grew = p.log.stat().st_size - log0
    return {"tried": len(res), "answers": statuses(res), "log_bytes_written": grew,
            "expect": "4xx; the log never holds the 10 KB values (well under 10 KB per request)"}


@probe
def case_flood_with_retries(p: pb.Portal) -> dict:
    """One customer posts 200 new cases with 20 Idempotency-Keys, 32 at a time (every key
    retried 10 times): refused beyond the rate limit, never duplicated."""
    s = p.login("gina@globex.example")
    keys = [str(uuid.uuid4()) for _ in range(20)]

    def create(i):
        body = {"subject": f"Flood {i % 20}", "description": "Abuse probe: retried many times.", "priority": "low"}
        st, _, b = pb.http_request(p.port, "POST", f"/customer/{s['customer']}/cases", body,
                                   {"Cookie": s["cookie"], "X-CSRF-Token": s["csrf"], "Idempotency-Key": keys[i % 20]})
        return st, json.loads(b).get("id") if st in (200, 201) else None

    res = parallel(200, 32, create)
    ids = {i for st, i in res if i}
    return {"tried": 200, "answers": statuses(st for st, _ in res), "distinct_cases": len(ids),
            "acknowledged_ids": sorted(ids),
            "expect": "201 (first) / 200 (replay) / 409 (in flight) / 429 (rate limit); one case per key at most"}


@probe
def unauthenticated_flood(p: pb.Portal) -> dict:
    """20,000 anonymous requests for a customer's cases, 128 at a time (a 4xx flood)."""
    res = parallel(20_000, 128, lambda i: pb.http_request(p.port, "GET", "/customer/001Dn000V58wd0MIIQ/cases")[0])
    return {"tried": 20_000, "answers": statuses(res),
            "log_lines_dropped": metrics_sum(p.port, "portal_log_lines_dropped_total"),
            "expect": "401 every time; logging never stalls the workers"}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.parse_args()
    if os.environ.get("BENCH_NO_BUILD") != "1":
        pb.sh(["cargo", "build", "--release", "--locked", "-p", "portal"], cwd=pb.ROOT)
    meta = pb.header("abuse probes (issue 12)")
    work = Path(tempfile.mkdtemp(prefix="portal-abuse-"))
    env = {"PORTAL_HTTP__TRUST_FORWARDED_FOR": "true", "PORTAL_LOG__ACCESS": "all"}
    p = pb.Portal(work, "abuse", env=env)
    start = {"vmrss_mib": round(pb.proc_status(p.pid)["VmRSS"] / 1024, 1), "data_dir_bytes": dir_bytes(p.data)}
    results = {}
    for fn in PROBES:
        results[fn.__name__] = fn(p)
        print(f"- {fn.__name__}: {json.dumps({k: v for k, v in results[fn.__name__].items() if k != 'acknowledged_ids'})}",
              flush=True)
    end = {"vmrss_mib": round(pb.proc_status(p.pid)["VmRSS"] / 1024, 1),
           "vmhwm_mib": round(pb.proc_status(p.pid)["VmHWM"] / 1024, 1), "data_dir_bytes": dir_bytes(p.data)}
    # Nothing acknowledged is lost: every case answered 201/200 is there after a restart.
    acknowledged = set(results["case_flood_with_retries"]["acknowledged_ids"])
    p.stop()
    p2 = pb.Portal(work, "abuse", env=env)
    s = p2.login("gina@globex.example")
    found = set()
    cursor = ""
    while True:
        _, _, b = pb.http_request(p2.port, "GET", f"/customer/{s['customer']}/cases?limit=100{cursor}",
                                  headers={"Cookie": s["cookie"]})
        page = json.loads(b)
        found |= {c["id"] for c in page["items"]}
        if not page.get("next_cursor"):
            break
        cursor = f"&cursor={page['next_cursor']}"
    lost = sorted(acknowledged - found)
    p2.stop()
    summary = {**meta, "start": start, "end": end, "probes": results, "acknowledged_cases_lost_after_restart": lost}
    print(f"\nstart {start}; end {end}; acknowledged cases lost after restart: {len(lost)}")
    pb.save("abuse", summary)
    if lost:
        sys.exit(1)


if __name__ == "__main__":
    main()
