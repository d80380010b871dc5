local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7, -3), math.fmod(-7, -3))
show(math.fmod(7.5, 2), math.fmod(-7.5, 2))
show(math.fmod(math.mininteger, -1))
show(pcall(function(...) local r = math.fmod(...) return r end, 1, 0))
show(math.fmod(1, 0.0) ~= math.fmod(1, 0.0))
