local io = require("io")
local function show(...) local n = select("#", ...) local t = {} for i = 1, n do local v = select(i, ...) t[i] = (math.type(v) == "float") and ("F" .. string.format("%.14g", v)) or tostring(v) end io.write(table.concat(t, " "), "\n") end
-- string keys found whether the key is the same string object or equal bytes made at
-- run time, in hash parts below, at and above eight entries
for _, size in ipairs({1, 2, 7, 8, 9, 20}) do
  local t = {}
  for i = 1, size do t["k" .. i] = i * 10 end
  t[true] = "yes" t[2.5] = "float"
  local found = {}
  for i = 1, size do
    found[#found + 1] = t[string.format("k%d", i)] + t[("xk" .. i):sub(2)]
  end
  show(size, table.concat(found, ","), t["k0"], t["k" .. (size + 1)], t[true], t[2.5], t.k1)
  t["k1"] = nil
  show(t.k1, t["k" .. 1], rawget(t, "k1"))
  t[("k1x"):sub(1, 2)] = "back"
  show(t.k1, next({}))
end
-- the __index chain with method names built at run time
local Base = {}
Base.__index = Base
function Base.greet(self) return "hi " .. self.name end
local obj = setmetatable({name = "ann"}, Base)
local method = "gr" .. "eet"
show(obj[method](obj), obj:greet(), obj.missing, Base[("__" .. "index")] == Base)
