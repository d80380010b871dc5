local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local t = {} local x = 7
for i = 1, 500 do x = (x * 1103515245 + 12345) % 2147483648 t[i] = x % 1000 end
table.sort(t)
local ok = true for i = 2, #t do if t[i-1] > t[i] then ok = false end end
show(ok, t[1], t[250], t[500])
