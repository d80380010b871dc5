local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local t = table.move({1, 2, 3}, 1, 3, 2)
show(table.concat(t, ","))
local u = table.move({1, 2, 3, 4, 5}, 2, 5, 1)
show(table.concat(u, ","))
