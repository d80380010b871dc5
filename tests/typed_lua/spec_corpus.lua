type Job = {id: integer, tags?: {string}}
type Mode = "fast" | "slow"

local function run<T>(items: {T}, f: (T) -> boolean): integer
    local n: integer = 0
    for _, it in ipairs(items) do
        if f(it) then n = n + 1 end
    end
    return n
end

local function main(): integer
    local jobs: {Job} = {{id = 1}, {id = 2, tags = {"x"}}}
    local m: Mode = "fast"
    local any_v: any = jobs[2]
    local j = any_v as Job
    local count = run(jobs, function(x: Job): boolean return x.tags ~= nil end)
    local first = (jobs[1]!).id :: integer
    return count + first - 2           -- 0
end

return { main = main }
