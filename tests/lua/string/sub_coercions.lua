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
show(string.sub(12345, 2, 3), string.sub("abcdef", "2", "4"), string.sub("abcdef", 2.0, 4.0), try(string.sub, "x", 1.5), try(string.sub, "x", "a"), try(string.sub, "x"))
