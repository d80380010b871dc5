local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local env = {x = 5}
local f = load("x = x + 1 return x", "chunk", "t", env)
show(f(), env.x, x)
local g = load("return y", "=c", "t", {y = "from env"}) show(g())
