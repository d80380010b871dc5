local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local co, main = coroutine.running() show(type(co), main)
local c = coroutine.create(function() local t, m = coroutine.running() show(type(t), m) end)
coroutine.resume(c)
