-- wrk script for the baseline: GET the URL's path, optionally carrying the same body as the mutate run
-- (WRK_BODY), so that the upload is the same size while the handler does nothing with it.
local path = os.getenv("WRK_BODY")
if path and path ~= "" then
  local file = assert(io.open(path, "rb"), "cannot open " .. path)
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = "application/json"
end
wrk.method = "GET"

function done(summary, latency, requests)
  io.write(string.format("body bytes: %d\n", wrk.body and #wrk.body or 0))
  io.write(string.format("latency p50 %.0f us, p90 %.0f us, p99 %.0f us, max %.0f us\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
