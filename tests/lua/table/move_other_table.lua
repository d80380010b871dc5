local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local a, b = {1, 2, 3}, {"x"}
local r = table.move(a, 1, 3, 2, b)
show(r == b, table.concat(b, ","))
show(table.move(a, 3, 1, 1) == a)
