local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local ok, e = pcall(error, 42) show(ok, e, math.type(e))
local ok2, e2 = pcall(function() error(setmetatable({}, {__tostring = function() return "obj" end})) end) show(ok2, tostring(e2))
show(pcall(error, nil))
