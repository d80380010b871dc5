local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(math.ult(1, 2), math.ult(-1, 2), math.ult(2, -1), math.ult(0, 0))
show(pcall(function(...) local r = math.ult(...) return r end, 1.5, 2))
