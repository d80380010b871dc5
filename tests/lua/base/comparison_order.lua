local io = require("io")
-- `a > b` is `b < a` and `a >= b` is `b <= a` (manual §3.4.4), not `not (a <= b)`.
local nan = 0 / 0
io.write(tostring(nan > 1), " ", tostring(nan >= 1), " ", tostring(1 > nan), " ",
    tostring(1 >= nan), " ", tostring(nan > nan), " ", tostring(nan >= nan), "\n")
io.write(tostring(nan < 1), " ", tostring(nan <= 1), " ", tostring(not (nan > 1)), "\n")
io.write(tostring(2 > 1), " ", tostring(1 > 2), " ", tostring(2 >= 2), " ", tostring(1 >= 2), "\n")
io.write(tostring("b" > "a"), " ", tostring("a" >= "b"), " ", tostring(1.5 > 1), "\n")
local x = 3
if x > 2 then io.write("if >\n") end
if not (x >= 4) then io.write("if not >=\n") end
while x > 0 do x = x - 1 end
io.write(x, "\n")
-- Objects with only __lt: `>` calls it with the operands swapped.
local calls = {}
local mt = {__lt = function(a, b) calls[#calls + 1] = a.v .. "<" .. b.v; return a.v < b.v end}
local p, q = setmetatable({v = 2}, mt), setmetatable({v = 1}, mt)
io.write(tostring(p > q), " ", tostring(q > p), " ", table.concat(calls, " "), "\n")
-- With __le, `>=` calls it with the operands swapped.
calls = {}
mt.__le = function(a, b) calls[#calls + 1] = a.v .. "<=" .. b.v; return a.v <= b.v end
io.write(tostring(p >= q), " ", tostring(q >= p), " ", table.concat(calls, " "), "\n")
-- Errors name the operands in the order the comparison makes them.
io.write(select(2, pcall(function() return 1 > "x" end)), "\n")
io.write(select(2, pcall(function() return {} >= 1 end)), "\n")
io.write(select(2, pcall(function() local a; return a > 1 end)), "\n")
