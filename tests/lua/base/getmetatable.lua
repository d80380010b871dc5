local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(getmetatable({}))
show(getmetatable(1))
local mt = {} local t = setmetatable({}, mt) show(getmetatable(t) == mt)
local p = setmetatable({}, {__metatable = "locked"}) show(getmetatable(p))
show(pcall(setmetatable, p, {}))
