#!/usr/bin/env bash
# bench/comments.sh [options]: see `python3 bench/portal_bench.py comments --help`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 bench/portal_bench.py comments "$@"
