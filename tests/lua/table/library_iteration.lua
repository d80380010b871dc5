local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local names = {} for k in pairs(table) do names[#names + 1] = k end table.sort(names) show(table.concat(names, " "))
local m = {} for k in pairs(math) do m[#m + 1] = k end table.sort(m) show(#m > 20)
