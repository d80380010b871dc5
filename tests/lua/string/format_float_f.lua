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
show(string.format("%f", 3.14159), string.format("%.2f", 3.14159), string.format("%.0f", 2.5), string.format("%.0f", 3.5), string.format("%10.3f|", -1.5), string.format("%-10.1f|", 1.25))
