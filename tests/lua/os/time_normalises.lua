local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local t = {year = 2021, month = 14, day = 35, hour = 25, min = 61, sec = 61}
local s = os.time(t)
show(t.year, t.month, t.day, t.hour, t.min, t.sec, t.yday, t.wday)
local b = os.time({year = 2022, month = 3, day = 8, hour = 2, min = 2, sec = 1}) show(s == b)
