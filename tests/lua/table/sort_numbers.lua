local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local t = {5, 2, 8, 1, 9, 3}
table.sort(t)
show(table.concat(t, " "))
local f = {3.5, -1, 2, 10, 2.5}
table.sort(f) show(table.concat(f, " "))
