local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(pcall(function(...) local r = table.insert(...) return r end, {1}, 3, 1))
show(pcall(function(...) local r = table.insert(...) return r end, {1}, 0, 1))
show(pcall(function(...) local r = table.insert(...) return r end, {}, 1, 2, 3))
show(pcall(function(...) local r = table.insert(...) return r end, nil, 1))
show(pcall(function(...) local r = table.insert(...) return r end, {}, 1.5, 1))
