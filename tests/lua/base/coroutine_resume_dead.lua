local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local co = coroutine.create(function() return 1 end)
show(coroutine.resume(co))
show(coroutine.resume(co))
show(coroutine.resume(coroutine.create(function() error("x", 0) end)))
