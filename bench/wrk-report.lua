-- wrk script used by bench/execute_latency.sh: one request shape per run, from the environment,
-- and one machine-readable summary line at the end (latencies in microseconds).
--   WRK_METHOD   GET (default) or POST
--   WRK_BODY     request body (optional)
--   WRK_HEADERS  header lines "Name: value", separated by "|" (optional)
-- Output: a line starting "WRKJSON " followed by a JSON object.
wrk.method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY")
if body ~= nil and body ~= "" then
  wrk.body = body
end
local headers = os.getenv("WRK_HEADERS") or ""
for line in string.gmatch(headers, "[^|]+") do
  local name, value = string.match(line, "^%s*([^:]+):%s*(.*)$")
  if name ~= nil then
    wrk.headers[name] = value
  end
end

done = function(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"mean_us":%.1f,"max_us":%d,"err_connect":%d,"err_read":%d,"err_write":%d,' ..
    '"err_status":%d,"err_timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max, e.connect, e.read, e.write, e.status,
    e.timeout))
end
