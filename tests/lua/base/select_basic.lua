local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(select("#"))
show(select("#", nil, nil))
show(select(2, "a", "b", "c"))
show(select(3, "a", "b", "c"))
show(select(4, "a", "b", "c"))
