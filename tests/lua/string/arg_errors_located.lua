-- The string library's own errors carry the calling line, as luaL_error's do.
local io = require("io")
local function located(f)
  local ok, err = pcall(f)
  -- The chunk name differs between lua5.4 and the sandbox; the line must not.
  io.write(tostring(ok), " ", (string.gsub(tostring(err), "^.-:(%d+): ", "line %1: ")), "\n")
end
located(function() local r = string.rep() return r end)
located(function() local r = string.sub("abc", {}) return r end)
located(function() local r = string.format("%d", "x") return r end)
located(function() local r = string.format("%y", 1) return r end)
located(function() local r = string.char(256) return r end)
located(function() local r = string.byte({}) return r end)
located(function() local r = string.find("a", "(") return r end)
located(function() local r = string.gsub("a", "a", true) return r end)
located(function() local r = string.upper() return r end)
located(function()
  local s = "x"
  local r = string.rep(s, 1e10)
  return r
end)
-- Called as methods, `self` is not counted (luaL_argerror).
located(function() local r = ("x"):rep() return r end)
located(function() local r = ("x"):sub("a") return r end)
located(function() local r = ("%d"):format("x") return r end)
located(function()
  local t = setmetatable({}, { __index = string })
  local r = t:rep(2)
  return r
end)
-- Named as the caller called them.
located(function()
  local repeat_it = string.rep
  local r = repeat_it()
  return r
end)
local lib = { upcase = string.upper }
located(function() local r = lib.upcase({}) return r end)
located(function() local r = math.floor("x") return r end)
located(function()
  local insert = table.insert
  insert(nil, 1)
end)
