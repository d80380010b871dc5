-- bench.erl's echo_bench/4: starts the relay, warms up with N/10 requests
-- (unless workers sleep), then runs N closed-loop requests split among C
-- clients and prints
--   RESULT echo args=MODE/C/N/SLEEP rps=.. rps_all_exits=.. p50_us=.. p99_us=.. p999_us=.. max_us=..
-- rps: N / time until every client has all its replies; rps_all_exits: until
-- the relay has also counted all N worker exits. Latency: send to reply.
local io = require("io")
local time = require("time")

local inbox

-- The next inbox message, which must have `topic`; returns its payload's value.
local function expect(topic)
    local msg = inbox:receive()
    if msg:topic() ~= topic then
        error("driver expected " .. topic .. ", got " .. msg:topic())
    end
    local payload = msg:payload()
    return payload and payload:data()
end

local function now()
    return time.now():unix_nano()
end

-- Requests per client: `n` split as evenly as possible among `c` clients.
local function split(n, c)
    local counts = {}
    for i = 0, c - 1 do
        counts[#counts + 1] = n // c + math.min(1, math.max(0, n % c - i))
    end
    return counts
end

-- Runs `n` requests over `c` clients; returns start, end and all latencies.
local function phase(c, n)
    local me = process.pid()
    local clients = {}
    for _, count in ipairs(split(n, c)) do
        clients[#clients + 1] = assert(process.spawn("app:client", "app:processes", me, count))
    end
    local started = now()
    for _, client in ipairs(clients) do
        process.send(client, "go")
    end
    for _ = 1, #clients do
        expect("done")
    end
    local finished = now()
    for _, client in ipairs(clients) do
        process.send(client, "send_lats")
    end
    local latencies = {}
    for _ = 1, #clients do
        for _, latency in ipairs(expect("lats")) do
            latencies[#latencies + 1] = latency
        end
    end
    return started, finished, latencies
end

-- Blocks until the relay has counted `target` worker exits.
local function wait_count(target)
    assert(process.send("relay", "wait", target))
    expect("reached")
end

local function us(nanos)
    return math.floor(nanos / 1000 + 0.5)
end

local function latency_fields(latencies)
    if #latencies == 0 then
        return ""
    end
    table.sort(latencies)
    local function at(q)
        return us(latencies[math.max(1, math.ceil(q * #latencies))])
    end
    return string.format(" p50_us=%d p99_us=%d p999_us=%d max_us=%d",
        at(0.50), at(0.99), at(0.999), at(1.0))
end

local function main(mode, clients, n, sleep_ms)
    if mode ~= "closed" then
        error("only the closed-loop mode is implemented, got " .. tostring(mode))
    end
    local c = math.tointeger(tonumber(clients))
    n = math.tointeger(tonumber(n))
    local sleep = math.tointeger(tonumber(sleep_ms))
    inbox = process.inbox()

    assert(process.spawn("app:relay", "app:processes", sleep, process.pid()))
    expect("ready")
    local warm = sleep == 0 and n // 10 or 0
    if warm > 0 then
        phase(c, warm)
    end
    wait_count(warm)
    local started, finished, latencies = phase(c, n)
    wait_count(warm + n)
    local all_exited = now()
    assert(process.send("relay", "stop"))
    expect("stopped")

    io.print(string.format("RESULT echo args=%s/%d/%d/%d rps=%d rps_all_exits=%d%s",
        mode, c, n, sleep,
        math.floor(n / ((finished - started) / 1e9) + 0.5),
        math.floor(n / ((all_exited - started) / 1e9) + 0.5),
        latency_fields(latencies)))
    return 0
end

return { main = main }
