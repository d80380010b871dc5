local io = require("io")
local t = {}
for i = 1, 1000000 do table.insert(t, (i * 7919) % 1000003) end
local sorted = {}
for i = 1, 200000 do sorted[i] = t[i] end
table.sort(sorted)
local m = {}
for i = 1, 200000 do m["k" .. (i % 5000)] = (m["k" .. (i % 5000)] or 0) + 1 end
io.write(#t, " ", sorted[1], " ", sorted[#sorted], " ", m.k42, "\n")
