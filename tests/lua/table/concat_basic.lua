local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(table.concat({}))
show(table.concat({1, 2, 3}))
show(table.concat({"a", "b"}, ", "))
show(table.concat({1, 2.5, "x"}, "-"))
show(table.concat({1, 2, 3, 4}, "", 2, 3))
