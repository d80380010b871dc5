-- A search jumps to where the pattern's first class can match; every case here
-- must find exactly what a search from each byte finds.
local io = require("io")
local function show(...)
  local out = ""
  for i = 1, select("#", ...) do
    if i > 1 then out = out .. "\t" end
    out = out .. tostring((select(i, ...)))
  end
  io.write(out, "\n")
end
local text = "ab12 cd345;;x6 (q) [7]"
for _, p in ipairs({ "%d+", "(%d+)", "((%a)%a)", "%d", "[%d;]+", "x%d", "%s*%d",
                     "%d?x", "%a-%d", "()%d", "%(q%)", "%[%d%]", "%f[%d]%d",
                     "%b()", ";$", "7", "^ab", "z+", "", ".%d", "[^%a%s]+" }) do
  local found = {}
  for a, b in string.gmatch(text, p) do found[#found + 1] = tostring(a) .. "/" .. tostring(b) end
  local replaced, n = string.gsub(text, p, "<%0>")
  local s, e = string.find(text, p)
  local s2, e2 = string.find(text, p, 6)
  show(p, table.concat(found, ","), replaced, n, s, e, s2, e2, string.match(text, p, 3))
end
show(string.gsub("aaa", "b*", "-"))
show(string.gsub("1a22b333", "%d+", function(d) return #d end))
show(string.gsub("x1y2z3", "%d", "#", 2))
show(string.find("no digits here", "%d"), string.match("", "%a+"))
show(pcall(string.find, "abc", "[a"))
