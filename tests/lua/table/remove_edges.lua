local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local t = {1, 2, 3}
show(table.remove(t, 4), #t)
show(pcall(function(...) local r = table.remove(...) return r end, t, 5))
show(pcall(function(...) local r = table.remove(...) return r end, t, -1))
local e = {} show(table.remove(e, #e))
