#!/usr/bin/env bash
# bench/salesforce.sh [options]: see `python3 bench/portal_bench.py salesforce --help`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 bench/portal_bench.py salesforce "$@"
