local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local ok, e = pcall(function()
  error("on line 3")
end)
show(e)
local ok2, e2 = pcall(function() local x = nil; error("at " .. 6) end)
show(e2)
