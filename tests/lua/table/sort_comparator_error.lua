local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(pcall(function(...) local r = table.sort(...) return r end, {3, 2, 1}, function(a, b) error("cmp failed", 0) end))
show(pcall(function(...) local r = table.sort(...) return r end, {1, "x", 2}))
show(pcall(function(...) local r = table.sort(...) return r end, {{}, {}}))
