-- wrk script: GET the request targets listed in a file (one path?query per line), in order,
-- over and over, so that N objects are each read once per round (the cluster mode's "cold"
-- GETs: more objects than a cache holds, read in a cycle, never hit an LRU).
--   wrk -t1 -cC -dD --latency -s cycle.lua URL -- FILE
-- Run with -t1: one Lua state, so the order is the file's whatever the connections' timing.
local paths, i = {}, 0

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then table.insert(paths, line) end
  end
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
