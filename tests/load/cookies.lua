-- wrk script for scripts/bench: each request carries the next Cookie header of the pool given
-- in BENCH_COOKIES (one per line), or in the file BENCH_COOKIES_FILE names (for pools too large
-- for the environment), so /token is driven by many distinct sessions.
local cookies = {}
local text = os.getenv("BENCH_COOKIES") or ""
local file = os.getenv("BENCH_COOKIES_FILE")
if file then
  local f = assert(io.open(file, "r"))
  text = f:read("*a")
  f:close()
end
for value in string.gmatch(text, "[^\n]+") do
  cookies[#cookies + 1] = value
end
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("start", counter * 7)
end

function init(args)
  counter = start or 0
end

function request()
  counter = counter + 1
  return wrk.format("GET", nil, { Cookie = cookies[counter % #cookies + 1] })
end
