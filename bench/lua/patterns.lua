local io = require("io")
local line = "the quick brown fox jumps over the lazy dog 12345 times; "
local text = string.rep(line, 100000)
local words = 0
for _ in string.gmatch(text, "%a+") do words = words + 1 end
local replaced, n = string.gsub(text, "(%w+)", "<%1>")
local digits = 0
for d in string.gmatch(text, "%d+") do digits = digits + #d end
io.write(words, " ", n, " ", #replaced, " ", digits, " ", tostring(string.find(text, "lazy dog 12345 times; $")), "\n")
