local io = require("io")
-- Unbounded recursion is a catchable error, not the end of the process.
local function inf(n) return 1 + inf(n + 1) end
local ok, e = pcall(inf, 1)
io.write(tostring(ok), " ", (tostring(e):gsub("^.-:%d+: ", "")), "\n")
-- The process goes on, and deep but bounded recursion still works.
local function deep(n) if n == 0 then return 0 end return 1 + deep(n - 1) end
io.write(deep(100000), "\n")
ok, e = pcall(inf, 1)
io.write(tostring(ok), " ", (tostring(e):gsub("^.-:%d+: ", "")), "\n")
