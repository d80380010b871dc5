-- + - * / on an integer and a float, either way round, from variables (not folded
-- by the compiler): the integer is converted to the nearest float first, as in Lua.
local io = require("io")
local function show(v) io.write(math.type(v), " ", string.format("%a", v), " ", tostring(v), "\n") end
local ints = { 0, 1, -7, 3, math.maxinteger, math.mininteger, (1 << 53) + 1, -(1 << 53) - 1 }
local floats = { 0.5, -0.0, 0.0, 1e308, -2.25, 1 / 0, -1 / 0, 3.0 }
for _, i in ipairs(ints) do
    for _, f in ipairs(floats) do
        show(i + f) show(f + i)
        show(i - f) show(f - i)
        show(i * f) show(f * i)
        show(i / f) show(f / i)
    end
end
local nan = 0 / 0
local r = 5 + nan
io.write(tostring(r ~= r), " ", math.type(r), "\n")
local acc = 0
for k = 1, 10 do acc = acc + k * 0.1 end
show(acc)
