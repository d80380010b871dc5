local io = require("io")
local up = nil
local cases = {
  function() local msg = nil; return msg.data end,
  function() return undefined_global.field end,
  function() local t = {} return t.inner.deeper end,
  function() return up.x end,
  function() undefined_function(1, 2) end,
  function() undefined_function(tostring(1), select("#")) end,
  function() local t = {} t.method_missing() end,
  function() local t = {} t:nomethod() end,
  function() local n = nil return n + 1 end,
  function() return 1 + undefined_number end,
  function() local t = {} return #t.list end,
  function() local s = "x" return -{} end,
  function() local a = nil a.b = 1 end,
  function() local x = "abc" return x + 1 end,
}
for n, f in ipairs(cases) do
  local ok, err = pcall(f)
  io.write(n, " ", tostring(ok), " ", tostring(err), "\n")
end
