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
local s = "Hello"
show(s:upper(), s:lower(), s:len(), s:sub(2, 3), s:rep(2, "-"), s:byte(1), s:reverse())
