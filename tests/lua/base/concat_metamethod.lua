local io = require("io")
local calls = {}
local mt = {__concat = function(a, b)
  local function name(v) return type(v) == "table" and "T" .. v.id or tostring(v) end
  calls[#calls + 1] = name(a) .. "+" .. name(b)
  return "<" .. name(a) .. name(b) .. ">"
end}
local t1 = setmetatable({id = 1}, mt)
local t2 = setmetatable({id = 2}, mt)
io.write("a" .. t1, " ", t1 .. "b", "\n")
io.write("x" .. t1 .. "y" .. "z", "\n")
io.write("p" .. "q" .. t1 .. t2 .. 3 .. 4.5, "\n")
io.write(table.concat(calls, " "), "\n")
io.write(1 .. 2, " ", 2.0 .. "", " ", -0.0 .. "", " ", 1e100 .. "", " ", 2^63 .. "", "\n")
for _, bad in ipairs({function() return "a" .. nil end, function() return true .. "b" end, function() return "a" .. {} end}) do
  local ok, err = pcall(bad)
  io.write(tostring(ok), " ", (err:gsub("^.-:%d+: ", "")), "\n")
end
