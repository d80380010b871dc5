local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(os.difftime(10, 4), os.difftime(5), math.type(os.difftime(1, 1)))
show(pcall(function() local r = os.difftime() return r end))
