local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local gen = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) return b * 2 end)
show(gen(1))
show(gen(10))
show(pcall(gen))
