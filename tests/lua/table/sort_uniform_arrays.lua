-- Arrays of only integers, only floats or only strings are sorted in one go; the
-- result must be lua5.4's, as must that of arrays that do not qualify.
local io = require("io")
local function show(t)
  local out = {}
  for i = 1, #t do out[i] = tostring(t[i]) end
  io.write(table.concat(out, " "), "\n")
end
local ints = {}
for i = 1, 300 do ints[i] = (i * 7919) % 1009 - 500 end
table.sort(ints)
show({ ints[1], ints[2], ints[150], ints[299], ints[300] })
local floats = { 2.5, -1.25, 1e300, -1e-300, 0.0, 3.0, math.huge, -math.huge, 0.5 }
table.sort(floats)
show(floats)
local strings = { "b", "a", "", "ab", "B", "a\0b", "a\0a", "zz", "10", "9" }
table.sort(strings)
show(strings)
local mixed = { 3, 1.5, 2, 0.5, 1 }
table.sort(mixed)
show(mixed)
local zeros = { 0.0, -0.0, 1.0, -1.0 }
table.sort(zeros)
show(zeros)
local dupes = { 5, 5, 1, 5, 1, math.maxinteger, math.mininteger }
table.sort(dupes)
show(dupes)
show({ pcall(table.sort, { 1, "x", 2 }) })
local desc = { 1, 2, 3, 4 }
table.sort(desc, function(a, b) return a > b end)
show(desc)
