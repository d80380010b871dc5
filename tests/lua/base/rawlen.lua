local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(rawlen({1, 2, 3}), rawlen("abcd"))
show(rawlen(setmetatable({1}, {__len = function() return 99 end})))
show(pcall(rawlen, 5))
