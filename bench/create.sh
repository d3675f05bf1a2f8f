#!/usr/bin/env bash
# bench/create.sh [options]: see `python3 bench/portal_bench.py create --help`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 bench/portal_bench.py create "$@"
