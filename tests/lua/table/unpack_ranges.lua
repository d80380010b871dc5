local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(table.unpack({"a", "b"}, -1, 1))
show(pcall(function(...) local r = table.unpack(...) return r end, {}, 1, 1e8))
show(select("#", table.unpack({}, math.maxinteger, math.maxinteger)))
show(pcall(function(...) local r = table.unpack(...) return r end, {}, math.mininteger, math.maxinteger))
