-- One request: (optionally sleep, then) upper-case the data, reply to the
-- sender and exit, like the tutorial's worker and echo.erl's worker/3.
local time = require("time")

local function main(sender, data, sleep_ms)
    if sleep_ms > 0 then
        time.sleep(sleep_ms * time.MILLISECOND)
    end
    process.send(sender, "echo_response", {
        data = string.upper(data),
        worker = process.pid()
    })
    return 0
end

return { main = main }
