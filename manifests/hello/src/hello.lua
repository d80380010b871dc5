local io = require("io")

local function main()
    io.print("Hello from " .. process.pid())
    return 0
end

return { main = main }
