-- wrk hooks for bench/server/run.sh. With WRK_PACE_MS set, each connection waits that
-- long after a response before its next request (Debian's wrk has no -R), which offers
-- about connections * 1000 / WRK_PACE_MS requests/s.
local pace = tonumber(os.getenv("WRK_PACE_MS") or "")
if pace and pace > 0 then
  delay = function() return pace end
end

-- wrk reporting hook for bench/server/run.sh: one machine-readable line after the
-- human-readable summary. Latencies are in microseconds.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f " ..
    "non2xx=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
