local io = require("io")
-- pseudo-random sets, clears and lookups of integer, float, sparse and string keys
-- (constants and strings made at run time), checked against a shadow table; prints
-- what any Lua agrees on: lookups, borders, traversal counts and sums
local seed = 12345
local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648 return seed % n + 1 end
local keys = {}
for i = 1, 40 do keys[#keys + 1] = "s" .. i end
local out = {}
for round = 1, 60 do
  local t, shadow = {}, {}
  local function key()
    local r = rnd(10)
    if r <= 4 then return rnd(64)
    elseif r <= 5 then return rnd(64) + 0.0
    elseif r <= 6 then return rnd(1000000)
    elseif r <= 8 then return keys[rnd(#keys)]
    else return ("x" .. rnd(30)):sub(1) .. "" end
  end
  local function norm(k) if math.type(k) == "float" and k == math.floor(k) then return math.tointeger(k) end return k end
  for op = 1, 400 do
    local k = key()
    local r = rnd(10)
    if r <= 6 then local v = rnd(100); t[k] = v; shadow[norm(k)] = v
    elseif r <= 8 then t[k] = nil; shadow[norm(k)] = nil
    else
      if t[k] ~= shadow[norm(k)] then out[#out + 1] = "MISMATCH " .. round .. " " .. tostring(k) end
    end
    if op % 50 == 0 then
      local n = #t
      if not ((n == 0 or t[n] ~= nil) and t[n + 1] == nil) then out[#out + 1] = "BADBORDER " .. round end
    end
  end
  local count, sum = 0, 0
  for k, v in pairs(t) do count = count + 1; sum = sum + v; if shadow[norm(k)] ~= v then out[#out + 1] = "PAIRS " .. round end end
  local scount = 0 for _ in pairs(shadow) do scount = scount + 1 end
  out[#out + 1] = count .. ":" .. sum .. ":" .. scount
  -- clear during traversal
  for k in pairs(t) do t[k] = nil end
  if next(t) ~= nil then out[#out + 1] = "NOTEMPTY " .. round end
end
io.write(table.concat(out, " "), "\n")
