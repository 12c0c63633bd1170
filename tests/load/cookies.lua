-- wrk script for scripts/bench: each request carries the next Cookie header of the pool given
-- in BENCH_COOKIES (one per line), so /token is driven by many distinct sessions.
local cookies = {}
for value in string.gmatch(os.getenv("BENCH_COOKIES") or "", "[^\n]+") do
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
