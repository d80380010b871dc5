local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(tostring(1e15), tostring(1e16), tostring(123456789012345), tostring(0.1 + 0.2))
show(tostring(-1.5e-10), tostring(100 / 3))
