local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local t = os.date("!*t", 1700000000)
show(t.year, t.month, t.day, t.hour, t.min, t.sec, t.wday, t.yday, t.isdst)
