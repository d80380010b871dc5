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
show(string.format("%.0a", 1.5), string.format("%.1a", 1.96875), string.format("%.3a", 1.0), string.format("%.2a", 0.1), string.format("%#a", 1.0), string.format("%010a", 1.0))
