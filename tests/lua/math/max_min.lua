local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(math.max(1, 5, 3), math.min(4, 2, 8))
show(math.max(1, 2.0), math.max(2, 2.0), math.min(2.0, 2))
show(pcall(function() local r = math.max() return r end))
show(math.max(-0.0, 0.0), math.min(3))
