-- One login = GET /api/auth/csrf/ then POST /api/auth/login/ with the token
-- (what the SPA does). Run with as many threads as connections (-tN -cN) so
-- each thread owns one connection and its requests strictly alternate.
-- BENCH_USER / BENCH_PASSWORD name an existing account.
local user = os.getenv("BENCH_USER")
local password = os.getenv("BENCH_PASSWORD")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  phase, token, secret = 0, nil, nil
  logins, failures = 0, 0
end

function request()
  if phase == 0 or not token then
    return wrk.format("GET", "/api/auth/csrf/", {["Cookie"] = secret and ("csrftoken=" .. secret) or nil})
  end
  return wrk.format("POST", "/api/auth/login/", {
    ["Content-Type"] = "application/json",
    ["Cookie"] = "csrftoken=" .. secret,
    ["X-CSRFToken"] = token,
    ["Origin"] = wrk.scheme .. "://" .. wrk.host .. ":" .. wrk.port,
  }, string.format('{"username": "%s", "password": "%s"}', user, password))
end

function response(status, headers, body)
  if phase == 0 then
    token = body:match('"csrfToken": "([^"]+)"')
    local c = headers["Set-Cookie"] or ""
    secret = c:match("csrftoken=([^;]+)") or secret
    phase = 1
  else
    logins = logins + 1
    if status ~= 200 then failures = failures + 1 end
    phase = 0
  end
end

function done(summary, latency, requests)
  local n, f = 0, 0
  for _, t in ipairs(threads) do
    n = n + t:get("logins")
    f = f + t:get("failures")
  end
  local secs = summary.duration / 1e6
  io.write(string.format("logins: %d in %.1f s = %.1f logins/s, %d not 200\n", n, secs, n / secs, f))
end
