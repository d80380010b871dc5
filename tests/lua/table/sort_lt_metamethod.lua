local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local mt = {__lt = function(a, b) return a.v < b.v end}
local t = {} for i, v in ipairs({4, 1, 3, 2}) do t[i] = setmetatable({v = v}, mt) end
table.sort(t)
local out = {} for i, x in ipairs(t) do out[i] = x.v end show(table.concat(out, ","))
