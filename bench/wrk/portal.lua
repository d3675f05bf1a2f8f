-- wrk script for the portal benchmarks. Environment:
--   BENCH_COOKIE  "portal_session=..." (from POST /auth/login), sent on every request
--   BENCH_MODE    "get" (default), "create" (POST a new case; needs BENCH_CSRF) or "comment"
--                 (POST a reply on the case of the URL; needs BENCH_CSRF)
--   BENCH_CSRF    the session's csrf_token (X-CSRF-Token)
--   BENCH_RUN     a run id: each create gets Idempotency-Key bench-<run>-<thread>-<n>
--   BENCH_KEYS    "none": creates carry no Idempotency-Key
-- done() prints one line "BENCH_JSON {...}" that bench/portal_bench.py parses.
local cookie = os.getenv("BENCH_COOKIE")
local mode = os.getenv("BENCH_MODE") or "get"
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

if mode == "create" then
  local run = os.getenv("BENCH_RUN") or "0"
  local counter = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-CSRF-Token"] = os.getenv("BENCH_CSRF")
  wrk.body = '{"subject":"Benchmark: label printer prints blank labels",'
    .. '"description":"Created by bench/create.sh to measure durable case creation.",'
    .. '"priority":"high"}'
  if os.getenv("BENCH_KEYS") ~= "none" then
    function request()
      counter = counter + 1
      wrk.headers["Idempotency-Key"] = string.format("bench-%s-%d-%d", run, tid, counter)
      return wrk.format()
    end
  end
end

if mode == "comment" then
  local run = os.getenv("BENCH_RUN") or "0"
  local counter = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-CSRF-Token"] = os.getenv("BENCH_CSRF")
  wrk.body = '{"body":"Benchmark reply: the label printer still prints blank labels."}'
  function request()
    counter = counter + 1
    wrk.headers["Idempotency-Key"] = string.format("bench-%s-%d-%d", run, tid, counter)
    return wrk.format()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"status_errors":%d,'
    .. '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,'
    .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read, e.write,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
