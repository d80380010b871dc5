local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(pcall(function(...) local r = os.time(...) return r end, {year = 2000, month = 1}))
show(pcall(function(...) local r = os.time(...) return r end, {year = 2000, month = 1, day = 1.5}))
show(pcall(function(...) local r = os.time(...) return r end, {year = 2000, month = "x", day = 1}))
show(pcall(function(...) local r = os.time(...) return r end, {year = 2^40, month = 1, day = 1}))
