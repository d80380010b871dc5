local io = require("io")
-- a traversal that gives every field it visits a new value (which Lua allows) visits
-- every field, also when the hash part is full; fields set and cleared in between
-- through strings made at run time
local seed = 1
local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648 return seed % n + 1 end
local missed, total = 0, 0
for _ = 1, 100 do
  local t, shadow = {}, {}
  for op = 1, 200 do
    local r = rnd(3)
    local k = "s" .. rnd(20)
    if r == 1 then t[k] = op; shadow[k] = op
    elseif r == 2 then t[k] = nil; shadow[k] = nil
    else
      local visited = 0
      for key, v in pairs(t) do t[key] = v + 1; shadow[key] = shadow[key] + 1; visited = visited + 1 end
      local fields = 0 for _ in pairs(shadow) do fields = fields + 1 end
      if visited ~= fields then missed = missed + 1 end
      total = total + visited
    end
  end
  for key, v in pairs(t) do if shadow[key] ~= v then missed = missed + 1 end end
end
io.write(missed, " ", total, "\n")
