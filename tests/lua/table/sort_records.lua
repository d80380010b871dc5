local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local t = {}
for i = 1, 30 do t[i] = {k = (i * 7) % 11, id = i} end
table.sort(t, function(a, b) return a.k < b.k end)
local out = {} for i, r in ipairs(t) do out[i] = r.k .. ":" .. r.id end
show(table.concat(out, " "))
