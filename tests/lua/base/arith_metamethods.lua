local io = require("io")
local V = {}
V.__index = V
local function vec(x, y) return setmetatable({x = x, y = y}, V) end
V.__add = function(a, b) return vec(a.x + b.x, a.y + b.y) end
V.__sub = function(a, b) return vec(a.x - b.x, a.y - b.y) end
V.__mul = function(a, b)
  if type(a) == "number" then return vec(a * b.x, a * b.y) end
  if type(b) == "number" then return vec(a.x * b, a.y * b) end
  return a.x * b.x + a.y * b.y
end
V.__div = function(a, b) return vec(a.x / b, a.y / b) end
V.__idiv = function(a, b) return vec(a.x // b, a.y // b) end
V.__mod = function(a, b) return vec(a.x % b, a.y % b) end
V.__pow = function(a, b) return vec(a.x ^ b, a.y ^ b) end
V.__unm = function(a) return vec(-a.x, -a.y) end
V.__band = function(a, b) return "band" end
V.__bor = function(a, b) return "bor" end
V.__bxor = function(a, b) return "bxor" end
V.__shl = function(a, b) return "shl" end
V.__shr = function(a, b) return "shr" end
V.__bnot = function(a) return "bnot" end
V.__lt = function(a, b) return a.x < b.x end
V.__le = function(a, b) return a.x <= b.x end
local function show(v) return "(" .. tostring(v.x) .. "," .. tostring(v.y) .. ")" end
local a, b = vec(1, 2), vec(3, 5)
io.write(show(a + b), " ", show(b - a), " ", a * b, " ", show(2 * a), " ", show(a * 3), "\n")
io.write(show(b / 2), " ", show(b // 2), " ", show(b % 2), " ", show(a ^ 2), " ", show(-a), "\n")
io.write(a & b, " ", a | 1, " ", 1 ~ a, " ", a << 1, " ", a >> 1, " ", ~a, "\n")
io.write(tostring(a < b), " ", tostring(b < a), " ", tostring(a <= b), " ", tostring(a > b), " ", tostring(b >= a), "\n")
local ok, err = pcall(function() return a + 1 end)
io.write(tostring(ok), "\n")
local plain = {}
ok, err = pcall(function() return plain + 1 end)
-- Without the variable description, which piccolo cannot give (KNOWN_DIFFERENCES.md).
io.write(tostring(ok), " ", (err:gsub("^.-:%d+: ", ""):gsub(" %(.*%)$", "")), "\n")
ok, err = pcall(function() return plain < plain end)
io.write(tostring(ok), " ", (err:gsub("^.-:%d+: ", "")), "\n")
local calls = 0
local counted = setmetatable({}, {__lt = function() calls = calls + 1 return true end})
if counted < counted then io.write("lt called ", calls, "\n") end
