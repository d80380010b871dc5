local io = require("io")
-- error(msg, level) names the function `level` frames up: 1 the caller of error,
-- 2 its caller, and so on; 0 and levels past the stack add no position.
local function raise(level)
  error("lvl", level)
end
local function middle(level)
  raise(level)
end
local function top(level)
  middle(level)
end
for level = 0, 8 do
  local ok, err = pcall(top, level)
  io.write(level, " ", tostring(ok), " ", err, "\n")
end
for _, level in ipairs({-1, math.maxinteger, math.mininteger, 2.0}) do
  local ok, err = pcall(top, level)
  io.write(tostring(level), " ", err, "\n")
end

-- Level 2 from a function called straight by the script names the script's line.
local function check(value)
  if type(value) ~= "number" then
    error("number expected", 2)
  end
  return value
end
local ok, err = pcall(function()
  local n = check("x")
  return n
end)
io.write(err, "\n")

-- pcall and error called through pcall count as frames without a position.
io.write(select(2, pcall(error, "direct")), "\n")
io.write(select(2, pcall(error, "direct2", 2)), "\n")
io.write(select(2, pcall(function() error("via pcall", 2) end)), "\n")
