local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(pcall(function(...) local r = math.fmod(...) return r end, "a", 1))
show(pcall(function(...) local r = math.fmod(...) return r end, 1))
show(math.fmod("7", "2"))
