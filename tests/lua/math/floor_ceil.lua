local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(math.floor(3.7), math.floor(-3.7), math.ceil(3.2), math.ceil(-3.2))
show(math.floor(5), math.ceil(5), math.floor(2^70), math.ceil(-2^70))
show(math.floor(-0.0), math.floor("2.5"))
