local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local t = {{3,1},{2,2},{1,3}}
table.sort(t, function(a, b) local x, y = {a[1], a[2]}, {b[1], b[2]} table.sort(x) table.sort(y) return a[1] < b[1] end)
show(t[1][1], t[2][1], t[3][1])
