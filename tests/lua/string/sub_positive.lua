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
local t = "hello world"
show(string.sub(t, 1, 5), string.sub(t, 7), string.sub(t, 3, 3), string.sub(t, 5, 2), string.sub(t, 0))
