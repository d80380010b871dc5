local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(pcall(function(...) local r = math.random(...) return r end, 2, 1))
show(pcall(function(...) local r = math.random(...) return r end, 1, 2, 3))
show(pcall(function(...) local r = math.random(...) return r end, 1.5))
local x = math.random() show(x >= 0 and x < 1)
