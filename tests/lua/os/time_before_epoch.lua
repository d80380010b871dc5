local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local t = os.time({year = 1969, month = 12, day = 31, hour = 0})
show(t, os.date("!%Y-%m-%d %H", t))
