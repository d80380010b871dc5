local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local out = {} for i = 1, 2, 0.5 do out[#out + 1] = tostring(i) end show(table.concat(out, " "))
for i = 3, 1, -1 do io.write(i, " ") end io.write("\n")
