local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(pcall(function(...) local r = table.sort(...) return r end, {2, 1}, 5))
show(pcall(function(...) local r = table.sort(...) return r end, nil))
local t = {1} table.sort(t, 5) show(t[1])
