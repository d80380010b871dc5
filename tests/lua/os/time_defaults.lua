local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local a = os.time({year = 2000, month = 6, day = 15})
local b = os.time({year = 2000, month = 6, day = 15, hour = 12, min = 0, sec = 0})
show(a == b)
