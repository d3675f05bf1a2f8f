#!/usr/bin/env bash
# bench/memory.sh [options]: see `python3 bench/portal_bench.py memory --help`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 bench/portal_bench.py memory "$@"
