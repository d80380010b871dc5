local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
local f = load("error('x')", "=mychunk")
show(pcall(f))
local g = load("error('y')")
show(pcall(g))
local h = load("\nerror('z')", "@file.lua")
show(pcall(h))
