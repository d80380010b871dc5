local io = require("io")
local function none() return nil end
local cases = {
  function() return {} < {} end,
  function() return 1 < "x" end,
  function() return "a" <= 1 end,
  function() return 1 // 0 end,
  function() return 5 % 0 end,
  function() return 1.5 | 0 end,
  function() for i = "a", 2 do end end,
  function() return (none()).field end,
  function() return #(none()) end,
  function() return (none())() end,
  function() return -{} end,
  function() return {} .. "x" end,
}
for n, f in ipairs(cases) do
  local ok, err = pcall(f)
  io.write(n, " ", tostring(ok), " ", tostring(err), "\n")
end
for _, f in ipairs({
  function() for i = 1, 2, 0 do end end,
  function() for i = 1, {} do end end,
  function() for i = 1, 2, "x" do end end,
}) do
  local ok, err = pcall(f)
  io.write(tostring(ok), " ", tostring(err), "\n")
end
local count = 0
for i = math.maxinteger - 2, math.maxinteger do count = count + 1 end
for i = math.mininteger + 2, math.mininteger, -1 do count = count + 1 end
io.write("iterations at the integer limits: ", count, "\n")
