-- bench.erl's closed-loop client: waits for "go", then sends `count` requests
-- one at a time, each after the previous reply, timing send to reply; reports
-- "done", and on "send_lats" sends its latencies (nanoseconds) to the driver.
local time = require("time")

local DATA = "hello, world"
local UPPER = "HELLO, WORLD"

local function main(driver, count)
    local inbox = process.inbox()
    local me = process.pid()
    local request = { sender = me, data = DATA }
    local latencies = {}

    inbox:receive()
    for i = 1, count do
        local sent = time.now():unix_nano()
        assert(process.send("relay", "echo", request))
        local reply = inbox:receive():payload():data()
        if reply.data ~= UPPER then
            error("unexpected reply " .. tostring(reply.data))
        end
        latencies[i] = time.now():unix_nano() - sent
    end
    process.send(driver, "done", me)
    inbox:receive()
    process.send(driver, "lats", latencies)
    return 0
end

return { main = main }
