local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
-- fields cleared and set again, through the same string and through equal strings
-- made at run time, in hash parts that fill up and grow meanwhile
local t = {a = 1, b = 2}
for i = 1, 20000 do
  t.a = nil; t.a = i
  t[("b"):rep(1)] = nil; t[("bb"):sub(2)] = i
  if i % 1000 == 0 then t["x" .. i] = i end
end
local n = 0 for _ in pairs(t) do n = n + 1 end
show(t.a, t.b, t.x20000, n)
-- a traversal that clears every field as it goes
local u = {} for i = 1, 100 do u["k" .. i] = i end
local seen, sum = 0, 0
for k, v in pairs(u) do u[k] = nil; seen = seen + 1; sum = sum + v end
show(seen, sum, next(u))
-- a cleared field set again before the table grows, then looked up
local w = {} for i = 1, 6 do w["f" .. i] = i end
w.f3 = nil
w[("f3"):upper():lower()] = "again"
for i = 7, 40 do w["f" .. i] = i end
show(w.f3, w["f" .. 3], w.f40, rawget(w, "f3"))
