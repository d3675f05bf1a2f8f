#!/usr/bin/env python3
"""The tests' SMTP sink (decision 032): aiosmtpd, pinned, in its own virtual environment under
target/ (installed on first use, as scripts/contract_test.py installs Schemathesis), writing each
message it receives to a Maildir.

    scripts/smtp_sink.py --install                     # install only (scripts/test, .ci/run)
    scripts/smtp_sink.py --port 2525 --maildir DIR     # run in the foreground

With --tls-cert/--tls-key it offers STARTTLS.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

AIOSMTPD = "aiosmtpd==1.4.6"
ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "target" / "smtp-venv"


def python() -> list[str]:
    """A Python that can import aiosmtpd: the venv's, installed on first use (or, where Python
    has no `venv` module, this Python with a folder of its own on PYTHONPATH)."""
    venv_python = VENV / "bin" / "python"
    target = VENV / "lib-target"
    if venv_python.exists() and subprocess.run(
        [str(venv_python), "-c", "import aiosmtpd"], capture_output=True
    ).returncode == 0:
        return [str(venv_python)]
    if (target / "aiosmtpd").is_dir():
        os.environ["PYTHONPATH"] = str(target)
        return [sys.executable]
    print(f"==> Installing {AIOSMTPD} into {VENV}", file=sys.stderr, flush=True)
    quiet = ["--quiet", "--disable-pip-version-check"]
    if subprocess.run([sys.executable, "-m", "venv", str(VENV)], capture_output=True).returncode == 0:
        subprocess.run([str(venv_python), "-m", "pip", "install", *quiet, AIOSMTPD], check=True)
        return [str(venv_python)]
    subprocess.run(
        [sys.executable, "-m", "pip", "install", *quiet, "--target", str(target), AIOSMTPD],
        check=True,
    )
    os.environ["PYTHONPATH"] = str(target)
    return [sys.executable]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--install", action="store_true")
    parser.add_argument("--port", type=int)
    parser.add_argument("--maildir")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    command = python()
    if args.install:
        return
    if args.port is None or args.maildir is None:
        parser.error("--port and --maildir are required to run the sink")
    # A Maildir's three folders: the handler makes them only for a folder that does not exist.
    for sub in ("tmp", "new", "cur"):
        (Path(args.maildir) / sub).mkdir(parents=True, exist_ok=True)
    sink = [*command, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{args.port}",
            "-c", "aiosmtpd.handlers.Mailbox", args.maildir]
    if args.tls_cert and args.tls_key:
        sink += ["--tlscert", args.tls_cert, "--tlskey", args.tls_key, "--no-requiretls"]
    os.execvpe(sink[0], sink, os.environ)


if __name__ == "__main__":
    main()
