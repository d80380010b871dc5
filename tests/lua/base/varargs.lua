local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local function f(...) return select("#", ...), ... end
show(f())
show(f(nil))
show(f(1, nil, nil))
local t = table.pack(f(1, 2)) show(t.n)
