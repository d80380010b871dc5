local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local parts = {"return ", "40 ", "+ 2"}
local i = 0
local f = load(function() i = i + 1 return parts[i] end)
show(f())
