-- echo.erl's relay: registered as "relay"; every "echo" request {sender, data}
-- spawns one monitored worker; the workers' EXIT events are counted.
-- "wait" (payload: a count) is answered with "reached" once that many workers
-- have exited; "stop" is answered with "stopped" and ends the relay.
local function main(sleep_ms, driver)
    local inbox = process.inbox()
    local events = process.events()
    assert(process.registry.register("relay"))
    process.send(driver, "ready")

    local exits = 0
    local waiter = nil
    local function notify()
        if waiter and exits >= waiter.target then
            process.send(waiter.from, "reached", waiter.target)
            waiter = nil
        end
    end

    while true do
        local r = channel.select { inbox:case_receive(), events:case_receive() }
        if r.channel == events then
            if r.value.kind == process.event.EXIT then
                exits = exits + 1
                notify()
            end
        else
            local msg = r.value
            local topic = msg:topic()
            if topic == "echo" then
                local echo = msg:payload():data()
                local _, err = process.spawn_monitored(
                    "app:worker", "app:processes", echo.sender, echo.data, sleep_ms)
                if err then
                    error("spawn failed: " .. tostring(err))
                end
            elseif topic == "wait" then
                waiter = { target = msg:payload():data(), from = msg:from() }
                notify()
            elseif topic == "stop" then
                process.send(msg:from(), "stopped")
                return 0
            end
        end
    end
end

return { main = main }
