local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(math.sqrt(16), math.sqrt(2), math.exp(0), math.exp(1))
show(math.log(1), math.log(8, 2), math.log(100, 10), math.log(27, 3))
