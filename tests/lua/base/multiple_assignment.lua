local io = require("io")
-- Every value is evaluated before any target is assigned (manual §3.3.3).
local a, b = 1, 2
a, b = b, a
io.write(a, " ", b, "\n")
local t = {1, 2}
t[1], t[2] = t[2], t[1]
io.write(t[1], " ", t[2], "\n")
-- A target's table and key are evaluated before the assignment.
local i, x = 3, {}
i, x[i] = i + 1, 20
io.write(i, " ", tostring(x[3]), " ", tostring(x[4]), "\n")
-- Globals and upvalues.
g1, g2 = "one", "two"
g1, g2 = g2, g1
io.write(g1, " ", g2, "\n")
local u, v = "u", "v"
local function swap() u, v = v, u end
swap()
io.write(u, " ", v, "\n")
-- Fewer values than targets: nil; more: evaluated and dropped.
local p, q, r = 1
io.write(tostring(p), " ", tostring(q), " ", tostring(r), "\n")
local calls = 0
local function bump() calls = calls + 1; return calls end
local m, n = 10, 20, bump(), bump()
io.write(m, " ", n, " ", calls, "\n")
-- A call as the last value fills the remaining targets.
local function three() return 7, 8, 9 end
local c1, c2, c3, c4 = 0, three()
io.write(c1, " ", c2, " ", c3, " ", tostring(c4), "\n")
c1, c2 = three(), 5
io.write(c1, " ", c2, "\n")
-- Evaluation order, left to right: the target's key before the value.
local order = {}
local function note(tag, value) order[#order + 1] = tag; return value end
local w = {}
w[note("key", "k")] = note("value", 1)
io.write(table.concat(order, ","), " ", w.k, "\n")
order = {}
w[note("k1", 1)], w[note("k2", 2)] = note("v1", "a"), note("v2", "b")
io.write(table.concat(order, ","), " ", w[1], w[2], "\n")
-- The same target twice: Lua 5.4 assigns right to left, so the first wins.
local same
same, same = 1, 2
io.write(same, "\n")
local s = {}
s.f, s.f = "first", "second"
io.write(s.f, "\n")
-- A table replaced by an earlier target of the same statement is still the old one.
local old = {}
local tbl = old
tbl, tbl.k = {}, "set"
io.write(tostring(old.k), " ", tostring(tbl.k), "\n")
-- Rotations through fields and nested tables.
local rot = {a = 1, b = 2, c = 3}
rot.a, rot.b, rot.c = rot.b, rot.c, rot.a
io.write(rot.a, rot.b, rot.c, "\n")
local nest = {inner = {1, 2}}
nest.inner[1], nest.inner[2] = nest.inner[2], nest.inner[1]
io.write(nest.inner[1], nest.inner[2], "\n")
-- Fibonacci step, the usual use.
local f0, f1 = 0, 1
for _ = 1, 10 do f0, f1 = f1, f0 + f1 end
io.write(f0, " ", f1, "\n")
