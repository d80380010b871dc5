local io = require("io")
-- An integer loop (integer start and step) stays integer whatever the limit.
for i = 1, 5 / 2 do io.write(tostring(i), " ") end
io.write("\n")
for i = 3, 0.5, -1 do io.write(tostring(i), " ") end
io.write("\n")
for i = 1, 2.0 do io.write(math.type(i), " ") end
io.write("\n")
-- A float start or step makes a float loop.
for i = 1.0, 3 do io.write(tostring(i), " ") end
io.write("\n")
for i = 1, 2, 0.5 do io.write(tostring(i), " ") end
io.write("\n")
for i = 0.1, 0.35, 0.1 do io.write(string.format("%.1f", i), " ") end
io.write("\n")
-- The ends of the integer range: counted, never wrapped.
local n = 0
for _ = math.maxinteger, math.maxinteger - 2, -1 do n = n + 1 end
io.write(n, " ")
n = 0
for _ = math.mininteger, math.mininteger + 2 do n = n + 1 end
io.write(n, " ")
n = 0
for i = math.maxinteger - 2, math.maxinteger do n = n + 1; io.write(i == math.maxinteger and "top " or "") end
io.write(n, " ")
n = 0
for _ = -5, 5, math.maxinteger do n = n + 1 end
io.write(n, " ")
n = 0
for _ = math.mininteger, math.maxinteger, math.maxinteger do n = n + 1 end
io.write(n, " ")
n = 0
for _ = 5, -5, math.mininteger do n = n + 1 end
io.write(n, "\n")
-- Limits beyond the integer range, infinite and NaN.
n = 0
for _ = math.maxinteger - 1, 1e100 do n = n + 1; if n > 100 then break end end
io.write(n, " ")
n = 0
for _ = 1, -1e100 do n = n + 1 end
io.write(n, " ")
n = 0
for _ = 1, 0 / 0 do n = n + 1; if n > 5 then break end end
io.write(n, " ")
n = 0
for _ = 1.0, 0 / 0 do n = n + 1; if n > 5 then break end end
io.write(n, " ")
n = 0
for _ = 1, math.huge do n = n + 1; if n >= 3 then break end end
io.write(n, " ")
n = 0
for _ = -1, -math.huge, -1 do n = n + 1; if n >= 4 then break end end
io.write(n, "\n")
-- Empty loops, a step that overshoots, a negative step.
n = 0
for _ = 2, 1 do n = n + 1 end
for _ = 1, 2, -1 do n = n + 1 end
io.write(n, " ")
for i = 1, 10, 4 do io.write(i, " ") end
for i = 10, 1, -3 do io.write(i, " ") end
io.write("\n")
-- The loop variable is a copy: changing it does not change the loop.
for i = 1, 3 do io.write(i, " "); i = i * 10 end
io.write("\n")
-- Errors.
io.write(select(2, pcall(function() for _ = 1, 10, 0 do end end)), "\n")
io.write(select(2, pcall(function() for _ = 1, 10, 0.0 do end end)), "\n")
io.write(select(2, pcall(function() for _ = 1, {} do end end)), "\n")
