local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(xpcall(function() return 1, 2 end, print))
show(xpcall(function() error("boom", 0) end, function(m) return "handled " .. m end))
show(xpcall(function(a, b) return a + b end, print, 3, 4))
