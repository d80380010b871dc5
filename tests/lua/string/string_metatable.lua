local io = require("io")
-- Strings share one metatable whose __index is the string library (manual §6.4).
local mt = getmetatable("")
io.write(type(mt), " ", tostring(mt == getmetatable("other")), " ", tostring(mt.__index == string), "\n")
io.write(("abc"):upper(), " ", ("x"):rep(3, "-"), " ", ("%d"):format(7), "\n")
local s = "hello"
io.write(s:len(), " ", s:sub(2, 3), " ", #s, "\n")
io.write(tostring(getmetatable(1)), " ", tostring(getmetatable(nil)), " ", tostring(getmetatable(print)), "\n")
