-- A paced session-check load: every connection waits BENCH_DELAY_MS between
-- requests, so the load is steady instead of saturating the machine.
local d = tonumber(os.getenv("BENCH_DELAY_MS") or "8")
function delay()
  return d
end
