local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(5 & 3, 5 | 3, 5 ~ 3, ~0, 1 << 62, 256 >> 4)
show(3.0 | 0)
