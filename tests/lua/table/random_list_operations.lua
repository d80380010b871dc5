local io = require("io")
-- pseudo-random inserts, removals, moves and appends on a list that also has string
-- fields, some updated during a traversal; prints lengths, sums and the first elements
local seed = 1
local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648 return seed % n + 1 end
local out = {}
for round = 1, 40 do
  local t = {}
  for op = 1, 300 do
    local r = rnd(12)
    local n = #t
    if r <= 4 then table.insert(t, rnd(1000))
    elseif r <= 5 then table.insert(t, rnd(n + 1), rnd(1000))
    elseif r <= 7 and n > 0 then table.remove(t, rnd(n))
    elseif r <= 8 then table.remove(t)
    elseif r <= 9 and n > 2 then local a = rnd(n); local b = rnd(n); table.move(t, math.min(a, b), math.max(a, b), rnd(n))
    elseif r <= 10 then t[#t + 1] = rnd(1000); t["s" .. rnd(20)] = op
    elseif r <= 11 then t["s" .. rnd(20)] = nil
    else for k, v in pairs(t) do if type(k) == "string" then t[k] = v + 1 end end end
  end
  local sum = 0 for i = 1, #t do sum = sum + t[i] end
  local sc = 0 for k, v in pairs(t) do if type(k) == "string" then sc = sc + v end end
  out[#out + 1] = #t .. ":" .. sum .. ":" .. sc .. ":" .. table.concat(t, ",", 1, math.min(#t, 3))
end
io.write(table.concat(out, " "), "\n")
