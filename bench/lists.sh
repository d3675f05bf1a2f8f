#!/usr/bin/env bash
# bench/lists.sh [options]: see `python3 bench/portal_bench.py lists --help`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 bench/portal_bench.py lists "$@"
