local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
math.randomseed(1)
show(math.random(math.mininteger, math.maxinteger))
show(math.random(-10, -5))
show(math.random(3, 3))
