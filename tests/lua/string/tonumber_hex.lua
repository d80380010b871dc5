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
show(tonumber("0x10"), tonumber("0XfF"), tonumber("-0x10"), tonumber("0x1p4"), tonumber("0x.8"), tonumber("0xA.8p-1"), tonumber("0x"), tonumber("0xg"))
