local io = require("io")
local a, i = 3, 4
io.write(tostring(a ~= i - 1), " ", tostring(a == i - 1), " ", tostring(1 ~= 2 and 3 ~= 3), "\n")
local function f() return 1, 2 end
local function g(...) return select('#', ...) end
io.write(select('#', (f())), " ", g((f())), " ", g(f()), "\n")
local function h(...) return (...) end
io.write(select('#', h(1, 2, 3)), "\n")
io.write(7 // -2, " ", -7 // 2, " ", 7 // 2, " ", -7 // -2, " ", 7 % -3, " ", -7 % 3, " ", 7 % 3, " ", -7 % -3, "\n")
io.write(5.5 % -2, " ", -5.5 % 2, " ", tostring(5 % math.huge), " ", -5 % math.huge, " ", tostring(7.0 // 2), "\n")
io.write(math.type("10" + 1), " ", "0x10" + 0, " ", "3" * "4", " ", " 5 " + 1, " ", tostring("1e2" + 0), " ", -"2", "\n")
io.write(1 << 64, " ", 1 << 63, " ", -1 >> 1, " ", 1 << -1, " ", 2 >> -1, " ", 1 >> 64, " ", 3.0 | 0, "\n")
io.write(tostring(math.maxinteger < 2^63), " ", tostring(math.maxinteger + 0.0 == math.maxinteger), " ", tostring(2^53 == 2^53 + 1), "\n")
io.write(tostring(math.mininteger <= -2^63), " ", tostring(-2^63 < math.mininteger), " ", tostring(1 < 1.5), " ", tostring(2 <= 1.5), " ", tostring(0/0 < 1), "\n")
io.write(math.mininteger // -1, " ", math.mininteger % -1, "\n")
io.write(tostring(pcall(function() return 1 < "2" end)), " ", tostring(pcall(function() return 1 // 0 end)), " ", tostring(pcall(function() return 1 % 0 end)), "\n")
io.write(1 // 0.0, " ", -1 // 0.0, " ", tostring(pcall(function() return 1.5 | 0 end)), " ", tostring(pcall(function() return "a" + 1 end)), "\n")
local t = {}
t[2^63] = "float key"
t[math.maxinteger] = "integer key"
io.write(t[2^63], " ", t[math.maxinteger], " ", tostring(2^63 == math.maxinteger), " ", tostring(-2^63 == math.mininteger), "\n")
