local io = require("io")
io.write(7 // 2, " ", 7 % -3, " ", -7 % 3, " ", 1 + 2, "\n")
io.write(math.maxinteger + 1 == math.mininteger and "wraps" or "no", "\n")
