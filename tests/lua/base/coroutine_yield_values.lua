local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local co = coroutine.create(function(...) local x, y = coroutine.yield(...) return x + y end)
show(coroutine.resume(co, 1, 2, 3))
show(coroutine.resume(co, 10, 20))
