local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local t = os.time({year = 2020, month = 1, day = 1, hour = 0})
local u = os.time({year = 2020, month = 1, day = 2, hour = 0})
show(u - t)
local d = os.date("*t", t) show(d.year, d.month, d.day, d.hour)
