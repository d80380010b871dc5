local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local calls = 0
local t = {9, 3, 7, 1, 5, 8, 2, 6, 4}
table.sort(t, function(a, b) calls = calls + 1 return a < b end)
show(table.concat(t, ""), calls)
