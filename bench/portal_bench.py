#!/usr/bin/env python3
"""Portal benchmarks (issue 5, "Benchmarks"). One subcommand per measurement:

    python3 bench/portal_bench.py lists      [--backend mock|salesforce] [--reps 3] [--duration 10]
    python3 bench/portal_bench.py create     [--reps 3] [--duration 10]
    python3 bench/portal_bench.py salesforce [--customers 1000] [--rate 100] [--phase 60]
    python3 bench/portal_bench.py memory     [--reps 3]

Each starts what it needs on 127.0.0.1 (the release `portal`, the `salesforce-emulator`, the
hyper ceiling in bench/ceiling), in a temporary directory, and stops all of it on exit, error or
Ctrl-C. Load comes from wrk (installed with apt-get when missing) and, for the Zipf page views
and the 1 GiB download, from this script. Results are printed as Markdown and saved as JSON in
bench/results/. Binaries are built first unless BENCH_NO_BUILD=1 (bench/run-all.sh builds once).

Extra portal settings for every portal started: BENCH_PORTAL_ENV="KEY=VALUE KEY=VALUE ...",
e.g. the cache's TTL once the portal has a cache.
"""

from __future__ import annotations

import argparse
import atexit
import bisect
import datetime as dt
import http.client
import json
import os
import queue
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
RELEASE = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release"
PORTAL_BIN = Path(os.environ.get("BENCH_PORTAL_BIN", RELEASE / "portal"))
EMULATOR_BIN = Path(os.environ.get("BENCH_EMULATOR_BIN", RELEASE / "salesforce-emulator"))
CEILING_TARGET = Path(os.environ.get("BENCH_CEILING_TARGET_DIR", "/work/target-bench"))
CEILING_BIN = CEILING_TARGET / "release" / "bench-ceiling"
WRK_LUA = BENCH / "wrk" / "portal.lua"
DEMO_FIXTURES = ROOT / "backend" / "mocks" / "salesforce"
DEMO_ACCOUNTS = ROOT / "backend" / "mocks" / "local_accounts.json"
PASSWORD = "portal-demo"
SECRET = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"

# --------------------------------------------------------------------------------------------
# Processes: everything started here is stopped here, by pid.
# --------------------------------------------------------------------------------------------

_procs: list[subprocess.Popen] = []


def _stop_all(*_):
    for p in reversed(_procs):
        stop(p)


def _on_signal(signum, _frame):
    _stop_all()
    sys.exit(128 + signum)


atexit.register(_stop_all)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)


def _raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 65536) if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


_raise_nofile()  # children (portal, wrk) inherit it: 1,000 connections need the descriptors


def start(cmd: list[str], log: Path, env: dict | None = None, cwd: Path = ROOT) -> subprocess.Popen:
    full_env = {**os.environ, **(env or {})}
    f = open(log, "ab")
    p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=full_env, cwd=cwd,
                         start_new_session=True)
    f.close()
    _procs.append(p)
    return p


def stop(p: subprocess.Popen):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    if p in _procs:
        _procs.remove(p)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_request(port: int, method: str, path: str, body=None, headers=None, timeout=30):
    """One request on a new connection: (status, headers as a list, body bytes)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        h = dict(headers or {})
        if data is not None:
            h.setdefault("Content-Type", "application/json")
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        return r.status, r.getheaders(), r.read()
    finally:
        c.close()


def wait_http(port: int, path: str, timeout: float, proc: subprocess.Popen | None = None,
              interval: float = 0.002) -> float:
    """Polls until GET path answers 200; returns the seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {path} was ready")
        try:
            status, _, _ = http_request(port, "GET", path, timeout=2)
            if status == 200:
                return time.monotonic() - t0
        except OSError:
            pass
        time.sleep(interval)
    raise RuntimeError(f"127.0.0.1:{port}{path} not ready after {timeout}s")


def proc_status(pid: int) -> dict:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "Threads"):
                out[k] = int(v.split()[0])
    return out  # kB (Threads: a count)


def cpu_seconds(pid: int) -> tuple[float, float]:
    """The process's CPU time so far, (user, system) seconds, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        # The command name (field 2) may hold spaces; the fields after it are plain numbers.
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


class RssSampler(threading.Thread):
    """Samples a process's VmRSS every `interval` seconds until stopped."""

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval, self.samples = pid, interval, []
        self._stop_evt = threading.Event()

    def run(self):
        while not self._stop_evt.is_set():
            try:
                self.samples.append(proc_status(self.pid)["VmRSS"])
            except (OSError, KeyError):
                pass
            time.sleep(self.interval)

    def finish(self) -> int:
        self._stop_evt.set()
        self.join()
        return max(self.samples) if self.samples else 0


# --------------------------------------------------------------------------------------------
# Environment of the run: tools, builds, how busy the machine is.
# --------------------------------------------------------------------------------------------

def sh(cmd, **kw):
    print("+", " ".join(map(str, cmd)), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, **kw)


def ensure_tools():
    if shutil.which("wrk") is None:
        sh(["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "wrk"])
    try:
        import argon2  # noqa: F401  (scripts/generate_fixtures.py needs it)
    except ImportError:
        # For this interpreter (which need not be Debian's: apt's python3-argon2 would not do).
        sh([sys.executable, "-m", "pip", "install", "--quiet", "argon2-cffi"])


def build():
    """Builds the portal and the emulator from the working tree (default), or with
    BENCH_BUILD_FROM=head from a clean export of HEAD into CEILING_TARGET (useful while the
    working tree is mid-edit), and the ceiling. BENCH_NO_BUILD=1 uses what is there."""
    global PORTAL_BIN, EMULATOR_BIN
    from_head = os.environ.get("BENCH_BUILD_FROM") == "head"
    if from_head and "BENCH_PORTAL_BIN" not in os.environ:
        PORTAL_BIN = CEILING_TARGET / "release" / "portal"
        EMULATOR_BIN = CEILING_TARGET / "release" / "salesforce-emulator"
    if os.environ.get("BENCH_NO_BUILD") == "1":
        for b in (PORTAL_BIN, EMULATOR_BIN, CEILING_BIN):
            if not b.exists():
                raise SystemExit(f"{b} missing; run without BENCH_NO_BUILD=1")
        return
    if from_head:
        src = CEILING_TARGET / "src-head"
        shutil.rmtree(src, ignore_errors=True)
        src.mkdir(parents=True)
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
        (CEILING_TARGET / "src-head.commit").write_text(commit + "\n")
        sh(["cargo", "build", "--release", "--locked", "-p", "portal", "-p", "salesforce-emulator"], cwd=src,
           env={**os.environ, "CARGO_TARGET_DIR": str(CEILING_TARGET)})
    else:
        sh(["cargo", "build", "--release", "-p", "portal", "-p", "salesforce-emulator"], cwd=ROOT)
    sh(["cargo", "build", "--release", "--offline"], cwd=BENCH / "ceiling",
       env={**os.environ, "CARGO_TARGET_DIR": str(CEILING_TARGET)})


def machine_load() -> dict:
    load = open("/proc/loadavg").read().split()[:3]
    busy = []
    try:
        out = subprocess.run(["ps", "-eo", "pcpu,comm", "--sort=-pcpu", "--no-headers"],
                             capture_output=True, text=True).stdout
        for line in out.splitlines()[:8]:
            cpu, comm = line.split(None, 1)
            if float(cpu) >= 5 and comm not in ("portal", "salesforce-emul", "bench-ceiling", "wrk", "python3"):
                busy.append(f"{comm} {cpu}%")
    except (OSError, ValueError):
        pass
    rustc = sum(1 for p in Path("/proc").iterdir()
                if p.name.isdigit() and _comm(p) in ("rustc", "cc1", "cc1plus", "ld", "node", "esbuild"))
    return {"loadavg": " ".join(load), "compilers_running": rustc, "busy": busy}


def _comm(p: Path) -> str:
    try:
        return (p / "comm").read_text().strip()
    except OSError:
        return ""


def git_state() -> dict:
    def git(*a):
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = git("status", "--porcelain", "--", "backend", "crates", "Cargo.lock")
    return {"head": git("rev-parse", "--short", "HEAD"), "backend_dirty": bool(dirty),
            "built_from": os.environ.get("BENCH_BUILD_FROM", "worktree"), "portal_bin": str(PORTAL_BIN),
            "built_commit": _built_commit()}


def _built_commit() -> str:
    """The commit the binaries were built from (BENCH_BUILD_FROM=head), else the worktree."""
    marker = CEILING_TARGET / "src-head.commit"
    if os.environ.get("BENCH_BUILD_FROM") == "head" and marker.exists():
        return marker.read_text().strip()
    return "worktree"


def cache_configurable() -> bool:
    """Whether the portal documents a read cache ([cache] in portal.example.toml)."""
    if os.environ.get("BENCH_BUILD_FROM") == "head":  # the binaries were built from HEAD
        text = subprocess.run(["git", "show", "HEAD:portal.example.toml"], cwd=ROOT,
                              capture_output=True, text=True).stdout
    else:
        text = (ROOT / "portal.example.toml").read_text()
    return any(line.strip().startswith("[cache") for line in text.splitlines())


# --------------------------------------------------------------------------------------------
# Portal, emulator, ceiling
# --------------------------------------------------------------------------------------------

def extra_portal_env() -> dict:
    out = {}
    for item in os.environ.get("BENCH_PORTAL_ENV", "").split():
        k, _, v = item.partition("=")
        out[k] = v
    return out


class Portal:
    def __init__(self, work: Path, name: str, fixtures: Path = DEMO_FIXTURES,
                 accounts: Path = DEMO_ACCOUNTS, env: dict | None = None,
                 emulator: "Emulator | None" = None):
        self.port = free_port()
        self.data = work / f"{name}-data"
        self.data.mkdir(parents=True, exist_ok=True)
        self.log = work / f"{name}.log"
        e = {
            "PORTAL_LISTEN": f"127.0.0.1:{self.port}",
            "PORTAL_DATA_DIR": str(self.data),
            "PORTAL_AUTH__SECRET_KEY": SECRET,
            "PORTAL_MOCK__FIXTURES_DIR": str(fixtures),
            "PORTAL_MOCK__LOCAL_ACCOUNTS_FILE": str(accounts),
        }
        if emulator is not None:
            e.update({
                "PORTAL_BACKEND": "salesforce",
                "PORTAL_SALESFORCE__LOGIN_URL": emulator.url,
                "PORTAL_SALESFORCE__AUTH_FLOW": "client_credentials",
                "PORTAL_SALESFORCE__CONSUMER_KEY": "emulator-consumer-key",
                "PORTAL_SALESFORCE__CONSUMER_SECRET": "emulator-consumer-secret",
            })
        e.update(env or {})
        e.update(extra_portal_env())
        self.env = e
        t0 = time.monotonic()
        self.proc = start([str(PORTAL_BIN)], self.log, env=e)
        try:
            self.ready_secs = wait_http(self.port, "/readyz", 120, self.proc)
        except RuntimeError as err:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"portal {name}: {err}\n{tail}") from None
        self.startup_secs = time.monotonic() - t0
        self.pid = self.proc.pid

    def stop(self):
        stop(self.proc)

    def login(self, email: str) -> dict:
        status, headers, body = http_request(self.port, "POST", "/auth/login",
                                             {"email": email, "password": PASSWORD})
        if status != 200:
            raise RuntimeError(f"login {email}: {status} {body[:300]!r}")
        info = json.loads(body)
        cookie = next(v.split(";", 1)[0] for k, v in headers if k.lower() == "set-cookie")
        return {"cookie": cookie, "csrf": info["csrf_token"], "customer": info["customer"]["id"]}


class Emulator:
    def __init__(self, work: Path, fixtures: Path = DEMO_FIXTURES, users: Path = DEMO_ACCOUNTS):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = start([str(EMULATOR_BIN), "--listen", f"127.0.0.1:{self.port}",
                           "--fixtures", str(fixtures), "--users", str(users),
                           "--api-limit", "100000000"],
                          work / "emulator.log", env={"RUST_LOG": "warn"})
        wait_http(self.port, "/__emulator/health", 120, self.proc)

    def admin(self, method: str, path: str, body=None):
        status, _, data = http_request(self.port, method, f"/__emulator{path}", body, timeout=120)
        if status >= 300:
            raise RuntimeError(f"emulator {method} {path}: {status} {data[:200]!r}")
        return json.loads(data) if data else None

    def api_calls(self) -> int:
        """Calls the portal made to Salesforce's API and token endpoints so far."""
        return sum(1 for r in self.admin("GET", "/requests")
                   if r["path"].startswith("/services/"))


class Ceiling:
    """The minimal hyper server, answering with bytes captured from the portal."""

    def __init__(self, work: Path, routes: dict[str, Path]):
        self.port = free_port()
        args = [f"{path}={d}" for path, d in routes.items()]
        self.proc = start([str(CEILING_BIN), f"127.0.0.1:{self.port}", *args], work / "ceiling.log")
        wait_http(self.port, next(iter(routes)), 30, self.proc)

    def stop(self):
        stop(self.proc)


SKIP_HEADERS = {"date", "content-length", "transfer-encoding", "connection", "set-cookie"}


def capture(portal: Portal, path: str, cookie: str, into: Path) -> int:
    """Saves the portal's response (headers but Date/length/cookie, and body) for the ceiling."""
    status, headers, body = http_request(portal.port, "GET", path, headers={"Cookie": cookie})
    if status != 200:
        raise RuntimeError(f"GET {path}: {status} {body[:300]!r}")
    into.mkdir(parents=True, exist_ok=True)
    (into / "body").write_bytes(body)
    (into / "headers").write_text("".join(f"{k}: {v}\n" for k, v in headers
                                          if k.lower() not in SKIP_HEADERS))
    return len(body)


# --------------------------------------------------------------------------------------------
# wrk
# --------------------------------------------------------------------------------------------

def wrk(port: int, path: str, conns: int, duration: float, threads: int = 2, env=None,
        timeout_s: int = 10) -> dict:
    url = f"http://127.0.0.1:{port}{path}"
    threads = min(threads, conns)
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}s", f"--timeout={timeout_s}s",
           "-s", str(WRK_LUA), url]
    before = machine_load()
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})},
                         timeout=duration + 60)
    line = next((l for l in out.stdout.splitlines() if l.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {out.stdout}\n{out.stderr}")
    r = json.loads(line[len("BENCH_JSON "):])
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["load_before"] = before["loadavg"]
    r["compilers_running"] = before["compilers_running"]
    r["busy"] = before["busy"]
    r["cmd"] = " ".join(cmd)
    return r


def ms(us: float) -> str:
    return f"{us / 1000:.2f}"


def save(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"{name}-{stamp}.json"
    path.write_text(json.dumps(data, indent=1) + "\n")
    print(f"\nsaved {path.relative_to(ROOT)}")
    return path


def header(title: str) -> dict:
    meta = {"title": title, "date": dt.datetime.now().isoformat(timespec="seconds"),
            "git": git_state(), "load_at_start": machine_load(), "cpus": os.cpu_count()}
    print(f"\n## {title}\n\n{json.dumps(meta)}\n", flush=True)
    return meta


# --------------------------------------------------------------------------------------------
# 1. Case list and document list against the ceiling
# --------------------------------------------------------------------------------------------

def cmd_lists(a):
    meta = header(f"lists ({a.backend}, {a.user})")
    with tempfile.TemporaryDirectory(prefix="bench-lists-") as tmp:
        work = Path(tmp)
        emulator = Emulator(work) if a.backend == "salesforce" else None
        portal = Portal(work, "portal", emulator=emulator)
        s = portal.login(a.user)
        pages = {"cases": f"/customer/{s['customer']}/cases",
                 "documents": f"/customer/{s['customer']}/documents"}
        sizes = {}
        for name, path in pages.items():
            sizes[name] = capture(portal, path, s["cookie"], work / f"canned-{name}")
            items = len(json.loads((work / f"canned-{name}" / "body").read_bytes())["items"])
            print(f"{name}: {path} -> {sizes[name]} bytes, {items} items")
        ceiling = Ceiling(work, {path: work / f"canned-{name}" for name, path in pages.items()})
        env = {"BENCH_COOKIE": s["cookie"]}
        runs = []
        for name, path in pages.items():  # warm-up: caches, connection pools, page cache
            wrk(portal.port, path, a.conns, 2, env=env)
            wrk(ceiling.port, path, a.conns, 2, env=env)
        for rep in range(1, a.reps + 1):
            for name, path in pages.items():
                for server, port, pid in (("portal", portal.port, portal.pid),
                                          ("ceiling", ceiling.port, ceiling.proc.pid)):
                    before = cpu_seconds(pid)
                    r = wrk(port, path, a.conns, a.duration, env=env)
                    after = cpu_seconds(pid)
                    # The server's own CPU per answered request, split user/system: what the
                    # ratio cannot show (wrk shares the machine and its cost per request).
                    r["cpu_us_per_request"] = [round((y - x) * 1e6 / max(r["requests"], 1), 1)
                                               for x, y in zip(before, after)]
                    r.update(rep=rep, page=name, server=server)
                    runs.append(r)
                    cpu_user, cpu_sys = r["cpu_us_per_request"]
                    print(f"rep {rep} {name:<9} {server:<7} {r['rps']:>9.0f} req/s  p50 {ms(r['p50_us'])} ms"
                          f"  p99 {ms(r['p99_us'])} ms  CPU/request {cpu_user} us user + {cpu_sys} us sys"
                          f"  errors {r['status_errors'] + r['read_errors'] + r['timeouts']}"
                          f"  load {r['load_before']}  compilers {r['compilers_running']}", flush=True)
        rss = proc_status(portal.pid)
        ceiling.stop()
        portal.stop()
        if emulator:
            stop(emulator.proc)
    print(f"\n| Page | Server | req/s (median of {a.reps}) | p50 ms | p99 ms | CPU µs/request, user + sys |"
          " portal/ceiling |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    summary = {}
    for name in pages:
        med = {}
        for server in ("portal", "ceiling"):
            rs = [r for r in runs if r["page"] == name and r["server"] == server]
            med[server] = {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50_us", "p99_us")}
            med[server]["rps_all"] = [round(r["rps"]) for r in rs]
            med[server]["p99_all"] = [round(r["p99_us"] / 1000, 2) for r in rs]
            med[server]["cpu_us"] = [statistics.median(r["cpu_us_per_request"][i] for r in rs) for i in (0, 1)]
        ratio = med["portal"]["rps"] / med["ceiling"]["rps"]
        summary[name] = {**med, "ratio": ratio}
        for server in ("portal", "ceiling"):
            m = med[server]
            shown_ratio = f"{ratio:.2f}" if server == "portal" else ""
            print(f"| {name} | {server} | {m['rps']:.0f} ({', '.join(map(str, m['rps_all']))}) | "
                  f"{ms(m['p50_us'])} | {ms(m['p99_us'])} ({', '.join(map(str, m['p99_all']))}) | "
                  f"{m['cpu_us'][0]:.1f} + {m['cpu_us'][1]:.1f} | {shown_ratio} |")
    save(f"lists-{a.backend}", {**meta, "backend": a.backend, "user": a.user, "conns": a.conns, "duration": a.duration,
                                "sizes": sizes, "pages": pages, "runs": runs, "summary": summary,
                                "portal_rss_kb_after": rss,
                                "portal_log": "filter info, access errors (the defaults)"})


# --------------------------------------------------------------------------------------------
# 2. Case creation on the mock store
# --------------------------------------------------------------------------------------------

def cmd_create(a):
    meta = header(f"create (mock store, idempotency keys: {a.keys})")
    meta["keys"] = a.keys
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-create-", dir=a.tmpdir) as tmp:
        work = Path(tmp)
        portal = Portal(work, "portal", env={"PORTAL_CASES__RATE_LIMIT__PER_HOUR": "1000000000",
                                              "PORTAL_CASES__RATE_LIMIT__BURST": "1000000000"})
        journal = portal.data / "cases.jsonl"
        s = portal.login("alice@acme.example")
        path = f"/customer/{s['customer']}/cases"
        for rep in range(1, a.reps + 1):
            for conns in a.conns:
                before = sum(1 for _ in open(journal)) if journal.exists() else 0
                env = {"BENCH_COOKIE": s["cookie"], "BENCH_CSRF": s["csrf"], "BENCH_MODE": "create",
                       "BENCH_RUN": f"{os.getpid()}-{rep}-{conns}", "BENCH_KEYS": a.keys}
                r = wrk(portal.port, path, conns, a.duration, env=env)
                time.sleep(0.5)  # let requests in flight when wrk stopped finish
                after = sum(1 for _ in open(journal))
                r.update(rep=rep, conns=conns, journal_lines=after - before)
                runs.append(r)
                print(f"rep {rep} c={conns:<3} {r['rps']:>8.0f} creates/s  p50 {ms(r['p50_us'])} ms  "
                      f"p99 {ms(r['p99_us'])} ms  non-201 {r['status_errors']}  acknowledged {r['requests']}  "
                      f"journal +{r['journal_lines']}  load {r['load_before']}  compilers {r['compilers_running']}",
                      flush=True)
        # Durability check: a restart reads the journal back; every acknowledged case is there.
        total_lines = sum(1 for _ in open(journal))
        portal.stop()
        portal2 = Portal(work, "portal", env={"PORTAL_CASES__RATE_LIMIT__PER_HOUR": "10"})
        s2 = portal2.login("alice@acme.example")
        # The journal's last case must be there after the restart (paging through every
        # benchmark case would take minutes). Read by id: at thousands of creates a second many
        # share a millisecond, and the list orders those by id, not by when they were written.
        last = json.loads(open(journal).read().splitlines()[-1])["case"]["Id"]
        st, _, body = http_request(portal2.port, "GET", f"/customer/{s2['customer']}/cases/{last}",
                                   headers={"Cookie": s2["cookie"]})
        restored = st == 200 and json.loads(body)["id"] == last
        portal2.stop()
        acknowledged = sum(r["requests"] - r["status_errors"] for r in runs)
    print(f"\njournal lines {total_lines}, acknowledged creates {acknowledged}, "
          f"the journal's last case is there after a restart: {restored}")
    print(f"\n| Connections | creates/s (median of {a.reps}) | p50 ms | p99 ms |")
    print("| ---: | ---: | ---: | ---: |")
    summary = {}
    for conns in a.conns:
        rs = [r for r in runs if r["conns"] == conns]
        m = {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50_us", "p99_us")}
        summary[conns] = m
        print(f"| {conns} | {m['rps']:.0f} ({', '.join(str(round(r['rps'])) for r in rs)}) | "
              f"{ms(m['p50_us'])} | {ms(m['p99_us'])} |")
    save(f"create-{a.keys}", {**meta, "runs": runs, "summary": summary, "journal_lines": total_lines,
                    "acknowledged": acknowledged, "restored_after_restart": restored, "tmpdir_fs": a.tmpdir or tempfile.gettempdir()})


# --------------------------------------------------------------------------------------------
# 2b. A case's conversation: the comment list (cached) and replies
# --------------------------------------------------------------------------------------------

def busy_case(portal: Portal, s: dict) -> str:
    """The newest open case of the customer that has a conversation (the fixtures give the
    newest cases of each account a few comments)."""
    st, _, body = http_request(portal.port, "GET", f"/customer/{s['customer']}/cases?status=open&limit=25",
                               headers={"Cookie": s["cookie"]})
    for item in json.loads(body)["items"]:
        path = f"/customer/{s['customer']}/cases/{item['id']}"
        st, _, detail = http_request(portal.port, "GET", path, headers={"Cookie": s["cookie"]})
        if st == 200 and json.loads(detail)["comment_count"] > 0:
            return item["id"]
    raise RuntimeError("no open case with comments")


def cmd_comments(a):
    meta = header(f"comments ({a.backend})")
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-comments-", dir=a.tmpdir) as tmp:
        work = Path(tmp)
        emulator = Emulator(work) if a.backend == "salesforce" else None
        unlimited = {"PORTAL_COMMENTS__RATE_LIMIT__PER_HOUR": "1000000000",
                     "PORTAL_COMMENTS__RATE_LIMIT__BURST": "1000000000",
                     "PORTAL_RESILIENCE__CUSTOMER_CALLS_PER_HOUR": "1000000000",
                     "PORTAL_RESILIENCE__CUSTOMER_CALLS_BURST": "1000000000"}
        portal = Portal(work, "portal", env=unlimited, emulator=emulator)
        s = portal.login(a.user)
        case = busy_case(portal, s)
        path = f"/customer/{s['customer']}/cases/{case}/comments"
        st, _, body = http_request(portal.port, "GET", path, headers={"Cookie": s["cookie"]})
        print(f"list: {path} -> {len(body)} bytes, {len(json.loads(body)['items'])} comments")
        env = {"BENCH_COOKIE": s["cookie"]}
        wrk(portal.port, path, a.conns, 2, env=env)  # warm-up
        for rep in range(1, a.reps + 1):
            before = cpu_seconds(portal.pid)
            r = wrk(portal.port, path, a.conns, a.duration, env=env)
            after = cpu_seconds(portal.pid)
            r["cpu_us_per_request"] = [round((y - x) * 1e6 / max(r["requests"], 1), 1) for x, y in zip(before, after)]
            r.update(rep=rep, what="list", conns=a.conns)
            runs.append(r)
            print(f"rep {rep} list      c={a.conns:<3} {r['rps']:>8.0f} req/s  p50 {ms(r['p50_us'])} ms  "
                  f"p99 {ms(r['p99_us'])} ms  non-200 {r['status_errors']}  load {r['load_before']}", flush=True)
        for rep in range(1, a.reps + 1):
            for conns in a.reply_conns:
                cenv = {"BENCH_COOKIE": s["cookie"], "BENCH_CSRF": s["csrf"], "BENCH_MODE": "comment",
                        "BENCH_RUN": f"{os.getpid()}-{rep}-{conns}"}
                r = wrk(portal.port, path, conns, a.duration, env=cenv)
                r.update(rep=rep, what="reply", conns=conns)
                runs.append(r)
                print(f"rep {rep} reply     c={conns:<3} {r['rps']:>8.0f} replies/s  p50 {ms(r['p50_us'])} ms  "
                      f"p99 {ms(r['p99_us'])} ms  non-201 {r['status_errors']}  load {r['load_before']}", flush=True)
        time.sleep(0.5)  # requests in flight when wrk stopped
        st, _, body = http_request(portal.port, "GET", f"/customer/{s['customer']}/cases/{case}",
                                   headers={"Cookie": s["cookie"]})
        count = json.loads(body)["comment_count"]
        portal.stop()
        if emulator:
            stop(emulator.proc)
    acknowledged = sum(r["requests"] - r["status_errors"] for r in runs if r["what"] == "reply")
    print(f"\nreplies acknowledged {acknowledged}; the case's comment_count afterwards {count} "
          f"(capped at the 2,000 a conversation holds)")
    print(f"\n| Request | Connections | per second (median of {a.reps}) | p50 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    summary = {}
    for what, conns_list in (("list", [a.conns]), ("reply", a.reply_conns)):
        for conns in conns_list:
            rs = [r for r in runs if r["what"] == what and r["conns"] == conns]
            m = {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50_us", "p99_us")}
            summary[f"{what}-{conns}"] = m
            print(f"| {what} | {conns} | {m['rps']:.0f} ({', '.join(str(round(r['rps'])) for r in rs)}) | "
                  f"{ms(m['p50_us'])} | {ms(m['p99_us'])} |")
    save(f"comments-{a.backend}", {**meta, "backend": a.backend, "user": a.user, "runs": runs,
                                    "summary": summary, "acknowledged": acknowledged,
                                    "comment_count_after": count})


# --------------------------------------------------------------------------------------------
# 3. Salesforce mode: 1,000 customers, Zipf page views, 150 ms added latency
# --------------------------------------------------------------------------------------------

class Zipf:
    def __init__(self, n: int, s: float, rng: random.Random):
        weights = [1 / (k ** s) for k in range(1, n + 1)]
        total, acc, self.cdf = sum(weights), 0.0, []
        for w in weights:
            acc += w / total
            self.cdf.append(acc)
        self.rng = rng

    def draw(self) -> int:
        return min(bisect.bisect_left(self.cdf, self.rng.random()), len(self.cdf) - 1)


def page_views(port: int, plan: list[tuple[float, str, str]], workers: int) -> list[dict]:
    """Open loop: each (at_seconds, path, cookie) is sent at its time by one of `workers`
    threads (each with its own keep-alive connection). Returns per-view results."""
    jobs: queue.Queue = queue.Queue()
    results, lock = [], threading.Lock()
    t0 = time.monotonic() + 0.2

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            job = jobs.get()
            if job is None:
                break
            at, path, cookie = job
            delay = t0 + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            start_t = time.monotonic()
            try:
                conn.request("GET", path, headers={"Cookie": cookie})
                r = conn.getresponse()
                r.read()
                status = r.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            end_t = time.monotonic()
            with lock:
                results.append({"at": at, "late": start_t - (t0 + at), "latency": end_t - start_t,
                                "status": status, "done": end_t - t0})
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    for job in plan:
        jobs.put(job)
    for _ in threads:
        jobs.put(None)
    for t in threads:
        t.join()
    return results


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] if v else float("nan")


def cmd_salesforce(a):
    meta = header("salesforce (emulator, 1,000 customers, Zipf)")
    meta["cache_configurable"] = cache_configurable()
    rng = random.Random(20261125)
    with tempfile.TemporaryDirectory(prefix="bench-sf-") as tmp:
        work = Path(tmp)
        sh([sys.executable, str(BENCH / "gen_fixtures.py"), str(work / "fixtures"),
            "--accounts", str(a.customers)])
        fixtures, users = work / "fixtures" / "salesforce", work / "fixtures" / "local_accounts.json"
        emulator = Emulator(work, fixtures, users)
        ttl = {}
        if meta["cache_configurable"]:
            ttl = {f"PORTAL_CACHE__{k}_TTL_SECS": str(a.ttl) for k in ("CASES", "DOCUMENTS", "ACCOUNTS")}
        meta["cache_env"] = ttl
        portal = Portal(work, "portal", fixtures=fixtures, accounts=users, emulator=emulator, env=ttl)
        print(f"portal ready in {portal.startup_secs:.2f}s (Salesforce mode)", flush=True)
        emails = [f"customer{i:04d}@bench.example" for i in range(1, a.customers + 1)]
        sessions: list = [None] * len(emails)
        t0 = time.monotonic()

        def login_range(idx):
            for i in idx:
                sessions[i] = portal.login(emails[i])
        ts = [threading.Thread(target=login_range, args=(range(k, len(emails), 4),)) for k in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        print(f"{len(emails)} sign-ins in {time.monotonic() - t0:.1f}s", flush=True)

        emulator.admin("POST", "/faults", {"latency_ms": a.latency_ms})

        # p50 of a page view that was just viewed (a cache hit once the portal caches).
        s0 = sessions[0]
        cached_path = f"/customer/{s0['customer']}/cases"
        http_request(portal.port, "GET", cached_path, headers={"Cookie": s0["cookie"]})
        single = []
        for rep in range(1, a.reps + 1):
            r = wrk(portal.port, cached_path, 8, 10, env={"BENCH_COOKIE": s0["cookie"]})
            r["rep"] = rep
            single.append(r)
            print(f"repeat view of one page, 8 connections: p50 {ms(r['p50_us'])} ms, p99 {ms(r['p99_us'])} ms, "
                  f"{r['rps']:.1f} req/s  load {r['load_before']}", flush=True)

        # Zipf-distributed visits of 1,000 customers, open loop at a fixed rate.
        emulator.admin("DELETE", "/requests")
        zipf = Zipf(a.customers, a.zipf_s, rng)
        pages = ["cases", "documents"]
        n = int(a.rate * a.phase * 2)
        plan = []
        for k in range(n):
            c = zipf.draw()
            s = sessions[c]
            plan.append((k / a.rate, f"/customer/{s['customer']}/{rng.choice(pages)}", s["cookie"]))
        # the request log is read at the phase boundary by a timer
        boundary = {}

        def mark():
            boundary["calls"] = emulator.api_calls()
        timer = threading.Timer(a.phase + 0.2, mark)
        timer.start()
        t_start = time.monotonic()
        views = page_views(portal.port, plan, a.workers)
        elapsed = time.monotonic() - t_start
        timer.join()
        total_calls = emulator.api_calls()
        calls_by_path = {}
        for r in emulator.admin("GET", "/requests"):
            key = r["path"].split("/")[3] if r["path"].startswith("/services/data") else r["path"]
            calls_by_path[key] = calls_by_path.get(key, 0) + 1
        portal.stop()
        stop(emulator.proc)

    first = [v for v in views if v["done"] <= a.phase + 0.2]
    second = [v for v in views if v["done"] > a.phase + 0.2]
    c1, c2 = boundary.get("calls", 0), total_calls - boundary.get("calls", 0)
    ok = sum(1 for v in views if v["status"] == 200)
    distinct = len({p for _, p, _ in plan})
    res = {
        "views": len(views), "ok": ok, "elapsed_s": elapsed, "distinct_pages": distinct,
        "calls_total": total_calls, "calls_first_phase": c1, "calls_second_phase": c2,
        "per_1000_total": 1000 * total_calls / len(views),
        "per_1000_first": 1000 * c1 / max(len(first), 1),
        "per_1000_second": 1000 * c2 / max(len(second), 1),
        "views_first": len(first), "views_second": len(second),
        "p50_ms": 1000 * pct([v["latency"] for v in views], 50),
        "p99_ms": 1000 * pct([v["latency"] for v in views], 99),
        "p50_ms_second": 1000 * pct([v["latency"] for v in second], 50),
        "max_late_s": max(v["late"] for v in views), "calls_by_path": calls_by_path,
    }
    print(f"\n| | value |\n| --- | ---: |")
    print(f"| cache configurable (portal.example.toml) | {meta['cache_configurable']} |")
    print(f"| repeat page view p50 / p99 ({a.latency_ms} ms latency) | "
          f"{', '.join(ms(r['p50_us']) for r in single)} / {', '.join(ms(r['p99_us']) for r in single)} ms |")
    for k, v in res.items():
        print(f"| {k} | {v if not isinstance(v, float) else round(v, 2)} |")
    save("salesforce", {**meta, "customers": a.customers, "rate": a.rate, "phase_s": a.phase,
                        "zipf_s": a.zipf_s, "latency_ms": a.latency_ms, "workers": a.workers,
                        "repeat_view": single, "zipf": res, "portal_env_extra": extra_portal_env()})


# --------------------------------------------------------------------------------------------
# 4. Memory and start-up
# --------------------------------------------------------------------------------------------

GIB = 1 << 30


def big_fixtures(work: Path) -> tuple[Path, str]:
    """A copy of the demo fixtures plus one 1 GiB document shared with Alice's account."""
    fx = work / "fixtures-1gib"
    shutil.copytree(DEMO_FIXTURES, fx)
    with open(fx / "files" / "bench-1gib.bin", "wb") as f:
        block = os.urandom(1 << 20)
        for i in range(1024):
            f.write(block[i % 7:] + block[:i % 7])  # 1 MiB, not all alike
    alice = next(x for x in json.loads(DEMO_ACCOUNTS.read_text()) if x["email"] == "alice@acme.example")
    def sf_id(body15: str) -> str:  # as scripts/generate_fixtures.py: case-safe checksum
        out = ""
        for chunk in range(3):
            bits = sum(1 << i for i, ch in enumerate(body15[chunk * 5:chunk * 5 + 5]) if "A" <= ch <= "Z")
            out += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
        return body15 + out
    doc_id, ver_id, link_id = sf_id("069Dn000Bench1G"), sf_id("068Dn000Bench1G"), sf_id("06ADn000Bench1G")
    owner_id = sf_id("005Dn000BenchUs")
    api = "/services/data/v62.0"
    when = "2026-11-20T10:00:00.000+0000"

    def add(obj, rec):
        p = fx / f"{obj}.json"
        recs = json.loads(p.read_text())
        recs.append(rec)
        p.write_text(json.dumps(recs, indent=1, ensure_ascii=False) + "\n")
    add("ContentVersion", {"attributes": {"type": "ContentVersion", "url": f"{api}/sobjects/ContentVersion/{ver_id}"},
                           "Id": ver_id, "ContentDocumentId": doc_id, "Title": "Benchmark 1 GiB",
                           "PathOnClient": "benchmark-1gib.bin", "FileExtension": "bin", "FileType": "UNKNOWN",
                           "ContentSize": GIB, "VersionNumber": "1", "IsLatest": True,
                           "VersionData": f"{api}/sobjects/ContentVersion/{ver_id}/VersionData",
                           "CreatedDate": when, "VersionDataFile": "files/bench-1gib.bin"})
    add("ContentDocument", {"attributes": {"type": "ContentDocument", "url": f"{api}/sobjects/ContentDocument/{doc_id}"},
                            "Id": doc_id, "Title": "Benchmark 1 GiB", "FileExtension": "bin",
                            "FileType": "UNKNOWN", "ContentSize": GIB, "LatestPublishedVersionId": ver_id,
                            "OwnerId": owner_id, "CreatedDate": when, "LastModifiedDate": when})
    add("ContentDocumentLink", {"attributes": {"type": "ContentDocumentLink", "url": f"{api}/sobjects/ContentDocumentLink/{link_id}"},
                                "Id": link_id, "ContentDocumentId": doc_id, "LinkedEntityId": alice["account_id"],
                                "ShareType": "V", "Visibility": "AllUsers"})
    return fx, doc_id


def download(port: int, s: dict, doc_id: str, pid: int) -> dict:
    st, headers, _ = http_request(port, "GET", f"/customer/{s['customer']}/documents/{doc_id}/download",
                                  headers={"Cookie": s["cookie"]})
    if st != 302:
        raise RuntimeError(f"download link: {st}")
    location = dict((k.lower(), v) for k, v in headers)["location"]
    path = urllib.parse.urlsplit(location)
    target = path.path + ("?" + path.query if path.query else "")
    time.sleep(0.3)
    before = proc_status(pid)
    sampler = RssSampler(pid, 0.02)
    sampler.start()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t0 = time.monotonic()
    c.request("GET", target, headers={"Cookie": s["cookie"]})
    r = c.getresponse()
    n = 0
    while True:
        chunk = r.read(1 << 20)
        if not chunk:
            break
        n += len(chunk)
    secs = time.monotonic() - t0
    c.close()
    peak = sampler.finish()
    after = proc_status(pid)
    if r.status != 200 or n != GIB:
        raise RuntimeError(f"download: status {r.status}, {n} bytes")
    return {"bytes": n, "secs": secs, "mib_per_s": n / secs / (1 << 20),
            "rss_before_kb": before["VmRSS"], "rss_peak_kb": peak, "rss_after_kb": after["VmRSS"],
            "hwm_before_kb": before["VmHWM"], "hwm_after_kb": after["VmHWM"],
            "growth_kb": peak - before["VmRSS"], "samples": len(sampler.samples)}


def cmd_memory(a):
    meta = header("memory and start-up (mock store)")
    out = {"startup": [], "idle": [], "conns": [], "stream": []}
    with tempfile.TemporaryDirectory(prefix="bench-mem-", dir=a.tmpdir) as tmp:
        work = Path(tmp)
        # Start-up to ready, and idle size.
        for rep in range(1, a.reps + 2):
            p = Portal(work, f"startup{rep}")
            time.sleep(2)
            idle = proc_status(p.pid)
            out["startup"].append(p.startup_secs)
            out["idle"].append(idle)
            print(f"start {rep}: ready in {p.startup_secs * 1000:.0f} ms; idle VmRSS {idle['VmRSS'] / 1024:.1f} MiB, "
                  f"threads {idle['Threads']}", flush=True)
            p.stop()
        # 1,000 concurrent connections on the case list.
        for rep in range(1, a.reps + 1):
            p = Portal(work, f"conns{rep}")
            s = p.login("alice@acme.example")
            idle = proc_status(p.pid)
            sampler = RssSampler(p.pid, 0.1)
            sampler.start()
            r = wrk(p.port, f"/customer/{s['customer']}/cases", 1000, a.duration, env={"BENCH_COOKIE": s["cookie"]})
            peak = sampler.finish()
            st = proc_status(p.pid)
            row = {"rss_idle_kb": idle["VmRSS"], "rss_peak_kb": peak, "hwm_kb": st["VmHWM"],
                   "rss_after_kb": st["VmRSS"], "rps": r["rps"], "p50_us": r["p50_us"], "p99_us": r["p99_us"],
                   "errors": r["status_errors"] + r["connect_errors"] + r["read_errors"] + r["timeouts"],
                   "load_before": r["load_before"], "compilers_running": r["compilers_running"], "cmd": r["cmd"]}
            out["conns"].append(row)
            print(f"1,000 connections {rep}: VmRSS idle {idle['VmRSS'] / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB, "
                  f"VmHWM {st['VmHWM'] / 1024:.1f} MiB; {r['rps']:.0f} req/s p99 {ms(r['p99_us'])} ms, "
                  f"errors {row['errors']}  load {r['load_before']}", flush=True)
            p.stop()
        # Streaming a 1 GiB document.
        fx, doc_id = big_fixtures(work)
        for rep in range(1, a.reps + 1):
            p = Portal(work, f"stream{rep}", fixtures=fx)
            s = p.login("alice@acme.example")
            d = download(p.port, s, doc_id, p.pid)
            d["hwm_growth_kb"] = d["hwm_after_kb"] - d["hwm_before_kb"]
            out["stream"].append(d)
            print(f"1 GiB download {rep}: {d['mib_per_s']:.0f} MiB/s; VmRSS {d['rss_before_kb'] / 1024:.1f} -> peak "
                  f"{d['rss_peak_kb'] / 1024:.1f} MiB (+{d['growth_kb'] / 1024:.1f} MiB), VmHWM +"
                  f"{d['hwm_growth_kb'] / 1024:.1f} MiB", flush=True)
            p.stop()
    save("memory", {**meta, **out})


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    l = sub.add_parser("lists")
    l.add_argument("--backend", choices=["mock", "salesforce"], default="mock")
    l.add_argument("--reps", type=int, default=3)
    l.add_argument("--duration", type=int, default=10)
    l.add_argument("--conns", type=int, default=64)
    l.add_argument("--user", default="alice@acme.example",
                   help="whose lists (alice: 2,100 cases, 520 documents; gina: 40 and 15)")
    c = sub.add_parser("create")
    c.add_argument("--reps", type=int, default=3)
    c.add_argument("--duration", type=int, default=10)
    c.add_argument("--conns", type=int, nargs="+", default=[64, 1])
    c.add_argument("--tmpdir", default=None, help="where the journal goes (a disk, not tmpfs)")
    c.add_argument("--keys", choices=["distinct", "none"], default="distinct",
                   help="a distinct Idempotency-Key per request, or no key")
    s = sub.add_parser("salesforce")
    s.add_argument("--customers", type=int, default=1000)
    s.add_argument("--rate", type=float, default=100, help="page views per second")
    s.add_argument("--phase", type=int, default=60, help="seconds per phase (two phases)")
    s.add_argument("--zipf-s", type=float, default=1.0)
    s.add_argument("--latency-ms", type=int, default=150)
    s.add_argument("--workers", type=int, default=128)
    s.add_argument("--ttl", type=int, default=60, help="cache TTL of cases, documents, accounts")
    s.add_argument("--reps", type=int, default=2, help="runs of the repeat-view latency probe")
    cm = sub.add_parser("comments")
    cm.add_argument("--backend", choices=["mock", "salesforce"], default="salesforce",
                    help="salesforce: the list is served from the portal's cache over the emulator")
    cm.add_argument("--reps", type=int, default=3)
    cm.add_argument("--duration", type=int, default=5)
    cm.add_argument("--conns", type=int, default=64, help="connections for the list")
    cm.add_argument("--reply-conns", type=int, nargs="+", default=[16, 1])
    cm.add_argument("--user", default="alice@acme.example")
    cm.add_argument("--tmpdir", default=None, help="where the journal goes (a disk, not tmpfs)")
    m = sub.add_parser("memory")
    m.add_argument("--reps", type=int, default=3)
    m.add_argument("--duration", type=int, default=15)
    m.add_argument("--tmpdir", default=None)
    a = p.parse_args()
    ensure_tools()
    build()
    {"lists": cmd_lists, "create": cmd_create, "comments": cmd_comments, "salesforce": cmd_salesforce, "memory": cmd_memory}[a.cmd](a)


if __name__ == "__main__":
    main()
