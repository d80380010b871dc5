local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local t = {} for i = 1, 20 do t[i] = (i * 13) % 7 end
show(pcall(function(...) local r = table.sort(...) return r end, t, function(a, b) return true end))
