local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local t = {1, 2, 3, 4}
show(table.remove(t), #t)
show(table.remove(t, 1), table.concat(t, ","))
show(table.remove({}))
show(table.remove({}, 0))
