local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
for _, d in ipairs({0, 1609632000, 1609718400, 1704067200, 1735603200}) do show(os.date("!%G-W%V-%u %U %W %g", d)) end
