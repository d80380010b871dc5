local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local t = {1, 2, 3}
table.insert(t, 1, 0)
table.insert(t, 5, 4)
show(table.concat(t, ","))
table.insert(t, 3, "x") show(table.concat(t, ","))
