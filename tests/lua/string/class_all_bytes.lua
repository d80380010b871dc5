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
local classes = {"a", "c", "d", "g", "l", "p", "s", "u", "w", "x"}
for _, c in ipairs(classes) do
  local n = 0
  for i = 0, 255 do
    if string.find(string.char(i), "%" .. c) then n = n + 1 end
  end
  local m = 0
  for i = 0, 255 do
    if string.find(string.char(i), "%" .. string.upper(c)) then m = m + 1 end
  end
  show(c, n, m)
end
