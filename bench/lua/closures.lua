local io = require("io")
local function counter()
  local n = 0
  return function() n = n + 1 return n end
end
local total = 0
for i = 1, 1000000 do
  local c = counter()
  c() c()
  total = total + c()
end
local adders = {}
for i = 1, 300000 do adders[i] = function(x) return x + i end end
local acc = 0
for i = 1, 300000 do acc = adders[i](acc) % 1000000007 end
io.write(total, " ", acc, "\n")
