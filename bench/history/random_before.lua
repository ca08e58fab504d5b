-- wrk script: each request pages back from a random message id, so the
-- history cache rarely helps and PostgreSQL does the work.
local lo = tonumber(os.getenv("BENCH_LO") or "1")
local hi = tonumber(os.getenv("BENCH_HI") or "1000")
local path = "/api/chat/rooms/public/messages/?limit=50&before="

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function request()
  return wrk.format("GET", path .. math.random(lo, hi))
end
