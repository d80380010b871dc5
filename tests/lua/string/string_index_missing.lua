local io = require("io")
local function show(...)
  local out = ""
  for i = 1, select("#", ...) do
    if i > 1 then out = out .. "\t" end
    out = out .. tostring((select(i, ...)))
  end
  io.write(out, "\n")
end
local function try(f, ...)
  local ok, err = pcall(f, ...)
  if ok then return "ok" end
  err = string.gsub(tostring(err), "^[^:]*:%d+: ", "")
  local message = string.gsub(err, "'string%.", "'")
  return message
end
local s = "abc"
show(s.nonexistent, ("x").upper == string.upper)
show(try(function() return s:nonexistent() end) ~= "ok")
