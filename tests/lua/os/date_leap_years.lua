local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
for _, y in ipairs({1900, 2000, 2020, 2100}) do local t = os.time({year = y, month = 2, day = 29, hour = 12}) show(y, os.date("%m-%d", t)) end
