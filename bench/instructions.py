#!/usr/bin/env python3
"""Instructions per cached list request, counted by valgrind's callgrind: a number that does
not move with the machine's load, for comparing two builds of the request path.

    python3 bench/instructions.py [--backend mock|salesforce] [--requests N] [--bin PORTAL]...

Each `--bin` (default: target/release/portal) is started under callgrind with one tokio worker
(so the count does not depend on how two workers share the requests), Alice signs in, and her
case list is fetched over one keep-alive connection; once with 100 requests and once with
100 + N. The difference divided by N is the cost of one request, start-up and sign-in left
out. Needs Debian's valgrind (installed when missing) and the release binaries
(`cargo build --release -p portal -p salesforce-emulator`; the emulator for Salesforce mode).
"""

import argparse
import http.client
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_bench():
    spec = importlib.util.spec_from_file_location("portal_bench", ROOT / "bench" / "portal_bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["portal_bench"] = module
    spec.loader.exec_module(module)
    return module


def count(pb, binary: Path, backend: str, requests: int, work: Path) -> int:
    """Instructions of one portal run that serves `requests` case-list requests."""
    out = work / f"callgrind-{requests}.out"
    wrapper = work / "portal-under-callgrind.sh"
    wrapper.write_text(
        f"#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file={out} {binary} \"$@\"\n")
    wrapper.chmod(0o755)
    pb.PORTAL_BIN = wrapper
    emulator = pb.Emulator(work) if backend == "salesforce" else None
    portal = pb.Portal(work, f"portal-{requests}", emulator=emulator,
                       env={"PORTAL_LOG__FILTER": "warn", "TOKIO_WORKER_THREADS": "1"})
    try:
        session = portal.login("alice@acme.example")
        conn = http.client.HTTPConnection("127.0.0.1", portal.port, timeout=120)
        path = f"/customer/{session['customer']}/cases"
        for _ in range(requests):
            conn.request("GET", path, headers={"Cookie": session["cookie"]})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"{path}: {response.status}")
        conn.close()
    finally:
        portal.stop()
        if emulator is not None:
            pb.stop(emulator.proc)
    for line in out.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise SystemExit(f"no totals in {out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["mock", "salesforce"], default="mock")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--bin", action="append", type=Path,
                        help="a portal binary to count (repeatable)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "valgrind"], check=True)
    pb = load_bench()
    binaries = args.bin or [pb.PORTAL_BIN]
    print(f"| Portal binary | Backend | Instructions per request ({args.requests:,} requests) |")
    print("| --- | --- | ---: |")
    for binary in binaries:
        with tempfile.TemporaryDirectory(prefix="portal-instructions-") as tmp:
            work = Path(tmp)
            base = count(pb, binary.resolve(), args.backend, 100, work)
            total = count(pb, binary.resolve(), args.backend, 100 + args.requests, work)
        print(f"| {binary} | {args.backend} | {(total - base) / args.requests:,.0f} |",
              flush=True)


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
