-- wrk script: POST the AdmissionReview in pod-review.json to the URL's path over the keep-alive connection.
-- `WRK_BODY` names another body file; the body is read once, when wrk loads the script.
local path = os.getenv("WRK_BODY") or "pod-review.json"
local file = assert(io.open(path, "rb"), "cannot open " .. path)
wrk.method = os.getenv("WRK_METHOD") or "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"

-- `WRK_DELAY_MS` paces each connection: it waits that long before each request, so C connections offer at most
-- C * 1000 / WRK_DELAY_MS requests per second. mutate-load.sh uses it to measure latency at half of peak.
-- wrk's delays are whole milliseconds, too coarse at this server's rates (1 ms vs 2 ms is 64 % vs 45 % of the
-- peak here), so a fractional delay is met on average: each wait is the floor or the ceiling, chosen at random.
local pause = tonumber(os.getenv("WRK_DELAY_MS") or "")
if pause and pause > 0 then
  local whole = math.floor(pause)
  local fraction = pause - whole
  function delay()
    if math.random() < fraction then
      return whole + 1
    end
    return whole
  end
end

-- No response() hook: it would make wrk parse every answer and slow the load generator, which shares the two
-- cores with the server. wrk itself reports "Non-2xx or 3xx responses", and mutate-load.sh checks one answer
-- with curl before the run.

function done(summary, latency, requests)
  io.write(string.format("body bytes: %d\n", #wrk.body))
  io.write(string.format("latency p50 %.0f us, p90 %.0f us, p99 %.0f us, max %.0f us\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
