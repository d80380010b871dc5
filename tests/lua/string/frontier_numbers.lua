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
local t = {}
for w in string.gmatch("10 x20 30y 40", "%f[%d]%d+%f[%D]") do t[#t + 1] = w end
show(#t, t[1], t[2], t[3], t[4])
