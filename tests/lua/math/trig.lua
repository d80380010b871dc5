local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(math.sin(0), math.cos(0), math.tan(0))
show(math.asin(1), math.acos(1), math.atan(1), math.atan(1, -1), math.atan(0, -1))
