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
show(string.format("%x %X %o", 255, 255, 8), string.format("%#x %#X %#o", 255, 255, 8), string.format("%#x %#o", 0, 0), string.format("%08x|%-8X|", 48879, 48879))
