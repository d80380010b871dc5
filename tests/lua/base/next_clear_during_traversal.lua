local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local t = {a = 1, b = 2, c = 3, d = 4}
local n = 0
for k in pairs(t) do t[k] = nil n = n + 1 end
show(n, next(t))
