-- wrk script for the edge-cache mode: exactly N GETs of /z/NNNNN.bin, the object of rank r
-- (1 = most popular) being object id r-1, ranks drawn from Zipf(s) over `count` objects through
-- the precomputed CDF (binary search), LuaJIT's PRNG seeded with `seed`. Run with -t1 so the
-- whole sequence comes from one Lua state: every edge gets the same N paths, whatever their timing.
--   wrk -t1 -cC -dCAP --latency -s zipf.lua URL -- N C count s seed
-- Once N requests are out, a connection that asks for another gets an empty one and stays idle;
-- when all C are idle every response is in, and the script sends SIGINT to wrk, which then stops
-- (wrk's main thread sleeps for -d otherwise) and prints its summary over exactly N requests.
-- The script's own line: @@ZIPF generated=… distinct=… elapsed_ms=… (first request → last
-- response, monotonic clock through LuaJIT's ffi).
local ffi = require("ffi")
ffi.cdef[[
int kill(int pid, int sig);
int getpid(void);
typedef struct { long tv_sec; long tv_nsec; } bf_timespec;
int clock_gettime(int clk, bf_timespec *tp);
]]
local tsbuf = ffi.new("bf_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, tsbuf) -- CLOCK_MONOTONIC
  return tonumber(tsbuf.tv_sec) * 1000 + tonumber(tsbuf.tv_nsec) / 1e6
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

local N, conns, count
local cdf, seen = {}, {}
generated, distinct, idle, t0, t1 = 0, 0, 0, 0, 0

function init(args)
  N = tonumber(args[1]); conns = tonumber(args[2]); count = tonumber(args[3])
  local s, seed = tonumber(args[4]), tonumber(args[5])
  local sum = 0
  for i = 1, count do sum = sum + 1 / (i ^ s); cdf[i] = sum end
  for i = 1, count do cdf[i] = cdf[i] / sum end
  math.randomseed(seed)
end

local function rank()
  local u = math.random()
  local lo, hi = 1, count
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return lo
end

-- wrk 4.1 calls request() once on thread 0's state after init to count pipelined requests
-- (script_verify_request); that call is answered with a well-formed request that is never sent.
local verified = false

function request()
  if not verified then
    verified = true
    return wrk.format("GET", "/z/00000.bin")
  end
  if generated < N then
    if generated == 0 then t0 = now_ms() end
    generated = generated + 1
    local r = rank()
    if not seen[r] then seen[r] = true; distinct = distinct + 1 end
    return wrk.format("GET", string.format("/z/%05d.bin", r - 1))
  end
  idle = idle + 1
  if idle == conns then
    t1 = now_ms()
    ffi.C.kill(ffi.C.getpid(), 2)
  end
  return ""
end

function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format("@@ZIPF generated=%d distinct=%d elapsed_ms=%.1f\n",
      t:get("generated"), t:get("distinct"), t:get("t1") - t:get("t0")))
  end
end
