local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local function f() error("lvl1") end
show(pcall(f))
show(pcall(function() error("zero", 0) end))
show(pcall(error))
show(pcall(error, "direct"))
local ok, e = pcall(function() error({code = 1}) end) show(ok, e.code)
