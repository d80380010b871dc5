local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(1 == 1.0, 2^53 == 2^53 + 1, math.maxinteger + 0.0 == 2^63)
show(1 < 1.5, 2 > 1.5, -1 < -0.5)
