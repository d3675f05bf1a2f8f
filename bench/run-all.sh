#!/usr/bin/env bash
# Runs every portal benchmark once, in order, on 127.0.0.1 (about 12 minutes on 2 vCPUs):
#   lists (mock store, Alice then Gina), case creation, memory and start-up, Salesforce mode
#   through the emulator (1,000 customers, Zipf visits, 150 ms latency), the lists again in
#   Salesforce mode, and a case's conversation (comment list and replies) in both modes. Results: Markdown on stdout, JSON in bench/results/.
#
#   bench/run-all.sh                         build from the working tree, then run
#   BENCH_BUILD_FROM=head bench/run-all.sh   build a clean export of HEAD instead
#   BENCH_PORTAL_ENV="PORTAL_CACHE__TTL_SECS=60" bench/run-all.sh   extra portal settings
set -euo pipefail
cd "$(dirname "$0")/.."
b=bench/portal_bench.py
python3 "$b" lists --backend mock            # builds once; the rest reuse the binaries
export BENCH_NO_BUILD=1
python3 "$b" lists --backend mock --user gina@globex.example
python3 "$b" create
python3 "$b" create --keys none
python3 "$b" memory
python3 "$b" salesforce
python3 "$b" lists --backend salesforce
python3 "$b" comments --backend salesforce
python3 "$b" comments --backend mock
