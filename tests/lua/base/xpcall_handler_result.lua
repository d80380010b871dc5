local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(xpcall(function() error("e", 0) end, function() end))
show(xpcall(function() error("e", 0) end, function(m) return m, "extra" end))
show(pcall(xpcall, function() end))
