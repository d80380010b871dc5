local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
math.randomseed(42)
show(math.random(1, 100), math.random(1, 100), math.random(1, 6))
show(math.random())
show(math.random(0))
show(math.random(10))
