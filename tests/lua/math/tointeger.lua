local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(math.tointeger(3.0), math.tointeger(3.5), math.tointeger(2^63), math.tointeger(-2^63))
show(math.tointeger("8"), math.tointeger("x"), math.tointeger({}))
