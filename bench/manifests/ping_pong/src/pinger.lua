-- Waits for "go", makes `trips` round trips to its pong, stops it and tells
-- the driver "done".
local DATA = "hello, world"

local function main(driver, pong, trips)
    local inbox = process.inbox()
    inbox:receive()
    for _ = 1, trips do
        assert(process.send(pong, "ping", DATA))
        inbox:receive()
    end
    process.send(pong, "stop")
    process.send(driver, "done")
    return 0
end

return { main = main }
