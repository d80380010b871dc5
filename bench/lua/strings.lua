local io = require("io")
local parts = {}
for i = 1, 500000 do parts[#parts + 1] = string.format("%d:%s", i, tostring(i * 2)) end
local joined = table.concat(parts, ",")
local s = ""
for i = 1, 20000 do s = s .. "x" end
io.write(#joined, " ", #s, " ", string.upper(string.sub(joined, 1, 10)), "\n")
