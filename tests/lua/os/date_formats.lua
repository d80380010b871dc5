local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local t = 1234567890
show(os.date("!%a %A %b %B %d %e", t))
show(os.date("!%j %m %M %p %S %u %w %y %Y", t))
show(os.date("!%c", t))
show(os.date("!%x %X %D %F %T %R %r", t))
