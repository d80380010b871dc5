local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
show(pcall(function(...) local r = os.date(...) return r end, "!%Q", 0))
show(pcall(function(...) local r = os.date(...) return r end, "!%Ez", 0))
show(os.date("!%Ey|%OH", 0))
show(os.date("!%%", 0))
