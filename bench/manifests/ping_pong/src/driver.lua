-- bench.erl's ping_pong/2: PAIRS pinger/pong pairs make N round trips in all
-- (N / PAIRS each), after an unmeasured warm-up of N/10; prints
--   RESULT ping_pong args=PAIRS/N per_sec=.. round_trip_us=..
-- per_sec: round trips per second over all pairs; round_trip_us: the mean
-- time of one pair's round trip (PAIRS / per_sec).
local io = require("io")
local time = require("time")

local function run(pairs_count, n)
    local inbox = process.inbox()
    local me = process.pid()
    local pingers = {}
    for _ = 1, pairs_count do
        local pong = assert(process.spawn("app:pong", "app:processes"))
        pingers[#pingers + 1] = assert(process.spawn(
            "app:pinger", "app:processes", me, pong, n // pairs_count))
    end
    for _, pinger in ipairs(pingers) do
        process.send(pinger, "go")
    end
    for _ = 1, #pingers do
        local msg = inbox:receive()
        if msg:topic() ~= "done" then
            error("driver expected done, got " .. msg:topic())
        end
    end
end

local function main(pairs_count, n)
    pairs_count = math.tointeger(tonumber(pairs_count))
    n = math.tointeger(tonumber(n))
    run(pairs_count, n // 10)
    local started = time.now():unix_nano()
    run(pairs_count, n)
    local seconds = (time.now():unix_nano() - started) / 1e9
    io.print(string.format("RESULT ping_pong args=%d/%d per_sec=%d round_trip_us=%.2f",
        pairs_count, n, math.floor(n / seconds + 0.5), pairs_count * seconds / n * 1e6))
    return 0
end

return { main = main }
