local io = require("io")
-- Levels through methods, fields, upvalues, metamethods and nested closures.
local Account = {}
Account.__index = Account
function Account.new(balance)
  return setmetatable({balance = balance}, Account)
end
function Account:withdraw(amount)
  if amount > self.balance then
    error("insufficient funds", 2)
  end
  self.balance = self.balance - amount
end
function Account:pay(amount)
  self:withdraw(amount)
end
local acct = Account.new(10)
local ok, err = pcall(function()
  acct:withdraw(50)
end)
io.write(err, "\n")
ok, err = pcall(function()
  acct:pay(50)
end)
io.write(err, "\n")

local strict = setmetatable({}, {
  __index = function(_, key)
    error("no field " .. key, 2)
  end,
})
ok, err = pcall(function()
  local v = strict.missing
  return v
end)
io.write(err, "\n")

local function outer()
  local function inner(level)
    error("nested", level)
  end
  local results = {}
  for level = 1, 3 do
    local _, e = pcall(function()
      inner(level)
    end)
    results[#results + 1] = e
  end
  return results
end
for _, e in ipairs(outer()) do
  io.write(e, "\n")
end

local vector = setmetatable({}, {
  __add = function()
    error("cannot add", 2)
  end,
})
ok, err = pcall(function()
  local sum = vector + 1
  return sum
end)
io.write(err, "\n")
