local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local f = coroutine.wrap(function() error("boom") end)
show(pcall(f))
local g = coroutine.wrap(function() error({}) end)
local ok, e = pcall(g) show(ok, type(e))
show(pcall(function(...) local r = coroutine.wrap(...) return r end, 1))
