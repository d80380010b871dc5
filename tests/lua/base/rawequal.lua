local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(rawequal(1, 1.0), rawequal("a", "a"), rawequal({}, {}))
local t = {} show(rawequal(t, t))
local m = setmetatable({}, {__eq = function() return true end})
show(rawequal(m, setmetatable({}, getmetatable(m))))
show(pcall(rawequal, 1))
