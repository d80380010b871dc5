local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(math.maxinteger + 1 == math.mininteger)
show(math.mininteger - 1 == math.maxinteger)
show(math.maxinteger * 2)
show(-math.mininteger == math.mininteger)
