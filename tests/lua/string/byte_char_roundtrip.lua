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
local all = {}
for i = 0, 255 do all[#all + 1] = string.char(i) end
local s = ""
for i = 1, #all do s = s .. all[i] end
show(string.len(s), string.byte(s, 1), string.byte(s, 256), string.byte(s, 129))
local ok = true
for i = 1, 256 do if string.byte(s, i) ~= (i - 1) then ok = false end end
show(ok)
