local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local t = setmetatable({}, {__index = function() return "meta" end, __newindex = function() error("no") end})
show(t.x, rawget(t, "x"))
rawset(t, "x", 1)
show(t.x, rawget(t, "x"))
