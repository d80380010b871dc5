local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(type(nil), type(1), type(1.5), type("s"), type({}), type(print), type(true))
show(type(coroutine.create(function() end)))
show(pcall(type))
