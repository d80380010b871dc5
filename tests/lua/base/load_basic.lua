local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local f = load("return 1 + 1") show(f())
local g = load("local a, b = ... return a * b") show(g(6, 7))
show(load("syntax error here") == nil)
