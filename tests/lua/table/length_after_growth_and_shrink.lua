local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
-- # after each append, removal and refill, as a script building and trimming lists sees it
local t, lengths = {}, {}
for i = 1, 300 do t[#t + 1] = i; lengths[#lengths + 1] = #t end
show(#t, lengths[1], lengths[17], lengths[128], lengths[129], lengths[300])
for _ = 1, 100 do t[#t] = nil end
show(#t, t[#t])
for _ = 1, 50 do table.remove(t) end
show(#t, t[#t])
for i = 1, 70 do table.insert(t, -i) end
show(#t, t[#t], t[150], t[151])
for i = #t, 1, -1 do t[i] = nil end
show(#t, next(t))
t[1] = "again"
show(#t)
-- a hole: whichever border # reports, the manual's rule holds
local holes = {}
for i = 1, 64 do holes[i] = i end
holes[40] = nil
local n = #holes
show(n == 39 or n == 64, holes[n] ~= nil, holes[n + 1] == nil)
holes[64] = nil holes[63] = nil
n = #holes
show(n == 39 or n == 62, holes[n] ~= nil, holes[n + 1] == nil)
