local io = require("io")
local sum = 0
for i = 1, 30000000 do sum = sum + i % 7 end
local x = 0.0
for i = 1, 6000000 do x = x + i * 0.5 end
io.write(sum, " ", tostring(x), "\n")
