local io = require("io")
io.write(select("#"), " ", select("#", nil, nil), " ", select("#", 1, nil, 3), "\n")
io.write(select(2, "a", "b", "c"), "\n")
io.write(select(-1, "a", "b", "c"), "\n")
