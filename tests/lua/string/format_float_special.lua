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
show(string.format("%f %e %g", 1/0, -1/0, 1/0), string.format("%5.1f|%-6g|%+f", 1/0, -1/0, 1/0), string.format("%E %G", 1/0, -1/0), try(string.format, "%F", 1))
