//! Conformance of the process model (process.md, channel.md, time.md): each test runs
//! real Lua in real sandboxed processes through the `wippy-wasm` binary and checks
//! what a user would see.

mod common;

use common::{index_with, lua_entry, Project, Run};

/// Runs `main` as `-x app:main`; `others` are further `process.lua` entries
/// (name, source) that it can spawn on `app:processes`.
fn run(main: &str, others: &[(&str, &str)]) -> Run {
    let mut entries = String::from(
        "  - name: main\n    kind: process.lua\n    source: file://main.lua\n    modules: [io, time, json, logger]\n",
    );
    let mut files = vec![("main.lua".to_string(), main.to_string())];
    for (name, source) in others {
        entries += &lua_entry(name, &format!("{name}.lua"), "");
        files.push((format!("{name}.lua"), source.to_string()));
    }
    let index = index_with(&entries);
    let mut all = vec![("_index.yaml", index.as_str())];
    all.extend(
        files
            .iter()
            .map(|(path, text)| (path.as_str(), text.as_str())),
    );
    Project::new(&all).run(&["run", "-x", "app:main"])
}

/// Runs `main` and returns its stdout, asserting a clean exit.
fn stdout_of(main: &str, others: &[(&str, &str)]) -> String {
    let run = run(main, others);
    assert_eq!(run.code, Some(0), "{run:?}");
    run.stdout
}

fn script(body: &str) -> String {
    format!(
        "local io = require('io')\nlocal time = require('time')\n\
         local function main()\n{body}\nend\nreturn {{ main = main }}\n"
    )
}

#[test]
fn messages_from_one_sender_arrive_in_order_with_topic_sender_and_payloads() {
    let sender = "local function main(to)
        for i = 1, 50 do process.send(to, 'n', i) end
        process.send(to, 'many', 1, 'two', {three = 3})
        process.send(to, 'none')
        return 0
    end
    return { main = main }";
    let out = stdout_of(
        &script(
            "local inbox = process.inbox()
            local child = process.spawn('app:sender', 'app:processes', process.pid())
            local last, ordered = 0, true
            for _ = 1, 50 do
                local msg = inbox:receive()
                local n = msg:payload():data()
                ordered = ordered and n == last + 1 and math.type(n) == 'integer'
                last = n
                if msg:from() ~= child then io.print('wrong sender', msg:from()) end
            end
            io.print('ordered', tostring(ordered), last)
            local many = inbox:receive()
            local p = many:payload()
            io.print(many:topic(), #p, p[1]:data(), p[2]:data(), p[3]:data().three)
            local none = inbox:receive()
            io.print(none:topic(), tostring(none:payload()), tostring(none))",
        ),
        &[("sender", sender)],
    );
    assert_eq!(
        out,
        "ordered\ttrue\t50\nmany\t3\t1\ttwo\t3\nnone\tnil\tprocess.Message{topic=none}\n"
    );
}

#[test]
fn send_errors_are_returned_not_raised() {
    let out = stdout_of(
        &script(
            "local function show(...) local ok, err = ... io.print(tostring(ok), tostring(err), err and err:kind() or '') end
            show(process.send('nobody', 't'))
            show(process.send('{app:processes|0xfffff}', 't'))
            show(process.send(process.pid(), '@inbox'))
            show(process.send(process.pid()))
            show(process.send(process.pid(), ''))",
        ),
        &[],
    );
    assert_eq!(
        out,
        "nil\tcould not resolve 'nobody' as PID or registered name\tNotFound\n\
         nil\tprocess not found\tNotFound\n\
         nil\tcannot send to @ topics\tInvalid\n\
         nil\tsend requires at least destination and topic arguments\tInvalid\n\
         true\tnil\t\n"
    );
}

#[test]
fn values_are_deep_copied_with_cycles_integers_and_errors_kept() {
    let echo = "local function main(v) return v end return { main = main }";
    let out = stdout_of(
        &script(
            "local events = process.events()
            local shared = {x = 1}
            local value = {a = shared, b = shared, n = 3, f = 1.5, fn = print, ch = channel.new(),
                err = errors.new({message = 'bad', kind = errors.INVALID, retryable = true, details = {code = 7}})}
            value.self = value
            local pid = process.spawn_monitored('app:echo', 'app:processes', value)
            local event = events:receive()
            local copy = event.result.value
            io.print(tostring(copy ~= value), tostring(copy.a == copy.b), tostring(copy.self == copy))
            io.print(math.type(copy.n), math.type(copy.f), tostring(copy.fn), tostring(copy.ch))
            io.print(tostring(copy.err), copy.err:kind(), tostring(copy.err:retryable()), copy.err:details().code)
            shared.x = 2
            io.print(copy.a.x)",
        ),
        &[("echo", echo)],
    );
    assert_eq!(
        out,
        "true\ttrue\ttrue\ninteger\tfloat\tnil\tnil\nbad\tInvalid\ttrue\t7\n1\n"
    );
}

#[test]
fn exit_events_carry_values_and_errors_by_cause() {
    let child = "local function main(how)
        local time = require('time')
        if how == 'value' then return {ok = 1} end
        if how == 'nothing' then return end
        if how == 'string' then return nil, 'plain failure' end
        if how == 'object' then return nil, errors.new({message = 'typed', kind = errors.TIMEOUT, retryable = true}) end
        if how == 'raise' then error('boom') end
        if how == 'wait' then time.sleep('10s') end
    end
    return { main = main }";
    let out = stdout_of(
        &script(
            "local events = process.events()
            for _, how in ipairs({'value', 'nothing', 'string', 'object', 'raise'}) do
                local pid = process.spawn_monitored('app:child', 'app:processes', how)
                local e = events:receive()
                local err = e.result.error
                io.print(how, e.kind, tostring(e.from == pid), math.type(e.at),
                    tostring(e.result.value and e.result.value.ok),
                    err and tostring(err) or '-', err and err:kind() or '-', err and tostring(err:retryable()) or '-')
            end
            local pid = process.spawn_monitored('app:child', 'app:processes', 'wait')
            io.print('terminate', tostring(process.terminate(pid)))
            local e = events:receive()
            io.print(tostring(e.result.error), e.result.error:kind())
            local again, err = process.terminate(pid)
            io.print(tostring(again), tostring(err))",
        ),
        &[("child", child)],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "value\tpid.exit\ttrue\tinteger\t1\t-\t-\t-");
    assert_eq!(lines[1], "nothing\tpid.exit\ttrue\tinteger\tnil\t-\t-\t-");
    assert_eq!(
        lines[2],
        "string\tpid.exit\ttrue\tinteger\tnil\tplain failure\tInternal\tfalse"
    );
    assert_eq!(
        lines[3],
        "object\tpid.exit\ttrue\tinteger\tnil\ttyped\tTimeout\ttrue"
    );
    assert!(
        lines[4].starts_with("raise\tpid.exit\ttrue\tinteger\tnil\t"),
        "{out}"
    );
    assert!(lines[4].contains("boom"), "{out}");
    assert_eq!(lines[5], "terminate\ttrue");
    assert_eq!(lines[6], "process terminated\tInternal");
    assert_eq!(lines[7], "nil\tprocess not found");
}

#[test]
fn a_failing_link_kills_an_untrapping_process_and_cascades() {
    let failing = "local function main() require('time').sleep('50ms') error('link broke') end return { main = main }";
    let middle = "local function main()
        process.spawn_linked('app:failing', 'app:processes')
        require('time').sleep('10s')
        return 'survived'
    end
    return { main = main }";
    let out = stdout_of(
        &script(
            "local events = process.events()
            local pid = process.spawn_monitored('app:middle', 'app:processes')
            local e = events:receive()
            io.print(e.kind, tostring(e.result.error), tostring(e.result.value))",
        ),
        &[("failing", failing), ("middle", middle)],
    );
    assert_eq!(out, "pid.exit\tlinked process failed\tnil\n");
}

#[test]
fn trap_links_turns_link_down_into_an_event() {
    let failing =
        "local function main() return nil, errors.new('link broke') end return { main = main }";
    let ok = "local function main() return 1 end return { main = main }";
    let out = stdout_of(
        &script(
            "io.print(tostring(process.get_options().trap_links))
            io.print(tostring(process.set_options({trap_links = true})))
            local events = process.events()
            process.spawn_linked('app:ok', 'app:processes')
            local failed = process.spawn_linked('app:failing', 'app:processes')
            local e = events:receive()
            io.print(e.kind, tostring(e.from == failed), tostring(e.result.error))
            local r = channel.select { events:case_receive(), time.after('100ms'):case_receive() }
            io.print('no event for a normal exit:', tostring(r.channel ~= events))
            local ok, err = process.set_options({trap_links = 'yes'})
            io.print(tostring(ok), tostring(err))
            ok, err = process.set_options({other = true})
            io.print(tostring(ok), tostring(err))
            io.print(tostring(process.set_options(5)))",
        ),
        &[("failing", failing), ("ok", ok)],
    );
    assert_eq!(
        out,
        "false\ntrue\npid.link.down\ttrue\tlink broke\nno event for a normal exit:\ttrue\n\
         false\ttrap_links must be a boolean\nfalse\toption other is not supported\nfalse\n"
    );
}

#[test]
fn cancel_is_an_event_the_target_may_handle_and_terminate_is_not() {
    let graceful = "local function main()
        local e = process.events():receive()
        return 'cleaned up after ' .. e.kind .. ' ' .. e.reason .. ' from ' .. tostring(e.from ~= '')
    end
    return { main = main }";
    let out = stdout_of(
        &script(
            "local events = process.events()
            local pid = process.spawn_monitored('app:graceful', 'app:processes')
            io.print(tostring(process.cancel(pid, 'please stop')))
            io.print(events:receive().result.value)
            local ok, err = process.cancel('{app:processes|0xfffff}')
            io.print(tostring(ok), tostring(err))",
        ),
        &[("graceful", graceful)],
    );
    assert_eq!(
        out,
        "true\ncleaned up after pid.cancel please stop from true\nnil\tprocess not found\n"
    );
}

#[test]
fn names_are_registered_conflict_and_die_with_their_process() {
    let holder = "local function main()
        process.registry.register('holder')
        process.inbox():receive()
        return 0
    end
    return { main = main }";
    let out = stdout_of(
        &script(
            "local events = process.events()
            local pid = process.spawn_monitored('app:holder', 'app:processes')
            time.sleep('50ms')
            io.print(tostring(process.registry.lookup('holder') == pid))
            local ok, err = process.registry.register('holder')
            io.print(tostring(ok), tostring(err), err:kind())
            io.print(tostring(process.registry.register('mine')), tostring(process.registry.register('mine')))
            process.send('holder', 'stop')
            events:receive()
            local gone, why = process.registry.lookup('holder')
            io.print(tostring(gone), tostring(why), why:kind())
            io.print(tostring(process.registry.unregister('mine')), tostring(process.registry.unregister('mine')))",
        ),
        &[("holder", holder)],
    );
    assert_eq!(
        out,
        "true\nnil\tname already registered\tAlreadyExists\ntrue\ttrue\n\
         nil\tname not registered\tNotFound\ntrue\tfalse\n"
    );
}

#[test]
fn the_registry_bounds_what_a_process_may_bind() {
    let holder = "return { main = function() process.inbox():receive() return 0 end }";
    let out = stdout_of(
        &script(
            "local r = process.registry
            local ok, err = r.register('ghost', '{app:processes|0xfffff}')
            io.print(tostring(ok), tostring(err), err:kind())
            ok, err = r.register(string.rep('n', 1025))
            io.print(tostring(ok), tostring(err), err:kind())
            local held = 0
            while true do
                ok, err = r.register(held == 0 and string.rep('n', 1024) or ('name' .. held))
                if not ok then break end
                held = held + 1
            end
            io.print(held, tostring(err), err:kind())
            io.print(tostring(r.unregister('name1')), tostring(r.register('another')))
            local events = process.events()
            local pid = process.spawn_monitored('app:holder', 'app:processes')
            io.print(tostring(r.register('for-holder', pid)), tostring(r.lookup('for-holder') == pid))
            process.send(pid, 'stop')
            events:receive()
            io.print(select(2, r.lookup('for-holder')):kind())
            io.print(tostring(r.unregister('name2')), tostring(r.register('for-holder')))",
        ),
        &[("holder", holder)],
    );
    assert_eq!(
        out,
        "nil\tprocess not found\tNotFound\n\
         nil\tname too long: 1025 bytes, at most 1024\tInvalid\n\
         1024\ttoo many names: a process holds at most 1024\tUnavailable\n\
         true\ttrue\n\
         true\ttrue\n\
         NotFound\n\
         true\ttrue\n"
    );
}

#[test]
fn monitor_and_link_errors_follow_the_spec() {
    let out = stdout_of(
        &script(
            "local ok, err = process.monitor('{app:processes|0xfffff}')
            io.print(tostring(ok), tostring(err))
            ok, err = process.link('{app:processes|0xfffff}')
            io.print(tostring(ok), tostring(err))
            io.print(tostring(process.unlink('{app:processes|0xfffff}')), tostring(process.unmonitor('{app:processes|0xfffff}')))",
        ),
        &[],
    );
    assert_eq!(
        out,
        "nil\tpid not registered\nnil\tpid not registered\ntrue\ttrue\n"
    );
}

#[test]
fn listen_delivers_raw_values_or_messages_and_unlisten_closes() {
    let out = stdout_of(
        &script(
            "local raw = process.listen('raw')
            io.print(tostring(process.listen('raw') == raw))
            local full = process.listen('full', {message = true})
            local me = process.pid()
            process.send(me, 'raw', 'just this')
            process.send(me, 'raw')
            process.send(me, 'raw', 1, 2)
            local first = raw:receive()
            io.print(first)
            io.print(tostring(raw:receive()))
            local pair = raw:receive()
            io.print(pair[1], pair[2])
            process.send(me, 'full', 'as message')
            local msg = full:receive()
            io.print(msg:topic(), msg:payload():data(), msg:payload():get_format())
            io.print(tostring(process.unlisten(raw)), tostring(select(2, raw:receive())))
            local ok, err = process.unlisten(raw)
            io.print(tostring(ok), tostring(err))
            local bad, why = process.listen('')
            io.print(tostring(bad), tostring(why))
            bad, why = process.listen('@x')
            io.print(tostring(bad), tostring(why))",
        ),
        &[],
    );
    assert_eq!(
        out,
        "true\njust this\nnil\n1\t2\nfull\tas message\tlua/any\ntrue\tfalse\n\
         false\tchannel is not a subscription\nnil\ttopic cannot be empty\nnil\tcannot listen to @ topics\n"
    );
}

#[test]
fn messages_sent_before_subscribing_wait_in_the_mailbox() {
    let out = stdout_of(
        &script(
            "process.send(process.pid(), 'early', 'kept')
            time.sleep('20ms')
            local msg = process.inbox():receive()
            io.print(msg:topic(), msg:payload():data())",
        ),
        &[],
    );
    assert_eq!(out, "early\tkept\n");
}

#[test]
fn a_childs_messages_arrive_before_its_exit_in_one_select() {
    let chatty = "local function main(to) for i = 1, 3 do process.send(to, 'm', i) end return 0 end return { main = main }";
    let out = stdout_of(
        &script(
            "local inbox, events = process.inbox(), process.events()
            process.spawn_monitored('app:chatty', 'app:processes', process.pid())
            time.sleep('100ms')
            local seen = {}
            for _ = 1, 4 do
                local r = channel.select { events:case_receive(), inbox:case_receive() }
                seen[#seen + 1] = r.channel == inbox and tostring(r.value:payload():data()) or r.value.kind
            end
            io.print(seen[1], seen[2], seen[3], seen[4])",
        ),
        &[("chatty", chatty)],
    );
    assert_eq!(out, "1\t2\t3\tpid.exit\n");
}

#[test]
fn exec_returns_the_childs_value_or_error() {
    let child = "local function main(x) if x == 'fail' then return nil, 'nope' end return x * 2 end return { main = main }";
    let out = stdout_of(
        &script(
            "io.print(process.exec('app:child', 'app:processes', 21))
            local v, err = process.exec('app:child', 'app:processes', 'fail')
            io.print(tostring(v), tostring(err))
            v, err = process.exec('child', 'app:processes')
            io.print(tostring(v), tostring(err))
            v, err = process.exec('app:missing', 'app:processes')
            io.print(tostring(v), tostring(err))",
        ),
        &[("child", child)],
    );
    assert_eq!(
        out,
        "42\nnil\tnope\nnil\tinvalid process ID format (namespace:name required)\nnil\tfactory not found\n"
    );
}

#[test]
fn spawn_errors_are_returned() {
    let broken = "error('top level broke')";
    let nomain = "return { other = function() end }";
    let out = stdout_of(
        &script(
            "local function show(...) local pid, err = ... io.print(tostring(pid), tostring(err)) end
            show(process.spawn('app:nope', 'app:processes'))
            show(process.spawn('app:broken', 'app:processes'))
            show(process.spawn('app:nomain', 'app:processes'))
            show(process.spawn('app:nomain', 'app:nohost'))
            show(process.spawn('app:nomain'))",
        ),
        &[("broken", broken), ("nomain", nomain)],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "nil\tfactory not found");
    assert!(
        lines[1].starts_with("nil\tfailed to execute script: "),
        "{out}"
    );
    assert!(lines[1].contains("top level broke"), "{out}");
    assert_eq!(lines[2], "nil\tmethod \"main\" not found in module");
    assert_eq!(lines[3], "nil\thost not found");
    assert_eq!(
        lines[4],
        "nil\tspawn requires at least id and host arguments"
    );
}

#[test]
fn timers_tickers_and_after_channels() {
    let out = stdout_of(
        &script(
            "local after = time.after('30ms')
            local v, ok = after:receive()
            io.print('after', type(v), tostring(ok))
            io.print('closed after one value', tostring(select(2, after:receive())))
            local t = time.timer('1h')
            io.print('stop before fire', tostring(t:stop()), tostring(t:stop()))
            t = time.timer('10ms')
            t:response():receive()
            io.print('reset after fire', tostring(t:reset('10ms')))
            io.print('fires again', tostring(select(2, t:channel():receive())))
            local k = time.ticker('10ms')
            local ticks = 0
            for _ = 1, 3 do if select(2, k:channel():receive()) then ticks = ticks + 1 end end
            io.print('ticks', ticks, tostring(k:stop()))
            local bad, err = time.after(0)
            io.print(tostring(bad), tostring(err), err:kind())
            bad, err = time.ticker('1d')
            io.print(tostring(bad), tostring(err))
            local slept = pcall(time.sleep, 'soon')
            io.print('bad sleep raises?', tostring(not slept))",
        ),
        &[],
    );
    assert_eq!(
        out,
        "after\tuserdata\ttrue\nclosed after one value\tfalse\nstop before fire\ttrue\tfalse\n\
         reset after fire\tfalse\nfires again\ttrue\nticks\t3\ttrue\n\
         nil\ttime.after: duration must be > 0\tInvalid\nnil\ttime: unknown unit \"d\" in duration \"1d\"\n\
         bad sleep raises?\tfalse\n"
    );
}

#[test]
fn sleeping_coroutines_wake_in_deadline_order() {
    let out = stdout_of(
        &script(
            "local order = {}
            local done = channel.new(3)
            for _, ms in ipairs({60, 20, 40}) do
                coroutine.spawn(function() time.sleep(ms * time.MILLISECOND) order[#order + 1] = ms done:send(true) end)
            end
            for _ = 1, 3 do done:receive() end
            io.print(order[1], order[2], order[3])",
        ),
        &[],
    );
    assert_eq!(out, "20\t40\t60\n");
}

#[test]
fn a_flooded_mailbox_makes_sends_fail_visibly_and_keeps_what_it_accepted() {
    let sink = "local function main(parent)
        local inbox = process.inbox()
        require('time').sleep('300ms')
        local first = inbox:receive()
        local count = 1
        while true do
            local r = channel.select { inbox:case_receive(), default = true }
            if r.default then break end
            count = count + 1
        end
        process.send(parent, 'drained', first:payload():data():sub(1, 1), count)
        return 0
    end
    return { main = main }";
    let out = stdout_of(
        &script(
            "local inbox = process.inbox()
            local sink = process.spawn('app:sink', 'app:processes', process.pid())
            local big = string.rep('x', 1024 * 1024)
            local sent, err = 0, nil
            for i = 1, 200 do
                local ok, e = process.send(sink, 'big', big)
                if not ok then err = e break end
                sent = sent + 1
            end
            io.print('stopped by', tostring(err), err:kind())
            local msg = inbox:receive()
            local first, count = msg:payload()[1]:data(), msg:payload()[2]:data()
            io.print('sink kept every accepted message:', tostring(count == sent), first, tostring(sent > 4))",
        ),
        &[("sink", sink)],
    );
    assert_eq!(
        out,
        "stopped by\tmailbox full\tUnavailable\nsink kept every accepted message:\ttrue\tx\ttrue\n"
    );
}

#[test]
fn blocking_calls_inside_hand_driven_coroutines_block_only_that_coroutine() {
    let out = stdout_of(
        &script(
            "local ch = channel.new()
            local co = coroutine.create(function(a)
                time.sleep('20ms')
                local got = ch:receive()
                local b = coroutine.yield(a + got)
                return b * 2
            end)
            coroutine.spawn(function() ch:send(10) end)
            local ok, x = coroutine.resume(co, 1)
            io.print('yielded', tostring(ok), x, coroutine.status(co))
            local ok2, y = coroutine.resume(co, 21)
            io.print('returned', tostring(ok2), y, coroutine.status(co))
            local w = coroutine.wrap(function() time.sleep('1ms') coroutine.yield('w1') return 'w2' end)
            io.print(w(), w())",
        ),
        &[],
    );
    assert_eq!(
        out,
        "yielded\ttrue\t11\tsuspended\nreturned\ttrue\t42\tdead\nw1\tw2\n"
    );
}

#[test]
fn sleeps_and_timers_never_fire_early() {
    let out = stdout_of(
        &script(
            "local function elapsed_ms(since) return time.now():sub(since):milliseconds() end
            local start = time.now()
            time.sleep('60ms')
            local slept = elapsed_ms(start)
            start = time.now()
            time.after('40ms'):receive()
            local after = elapsed_ms(start)
            start = time.now()
            local ticker = time.ticker('20ms')
            for _ = 1, 3 do ticker:channel():receive() end
            ticker:stop()
            local ticks = elapsed_ms(start)
            io.print(tostring(slept >= 60), tostring(after >= 40), tostring(ticks >= 60))",
        ),
        &[],
    );
    assert_eq!(out, "true\ttrue\ttrue\n");
}

#[test]
fn only_the_local_registry_scope_exists_on_one_node() {
    let out = stdout_of(
        &script(
            "local r = process.registry
            io.print(tostring(r.register('a', nil, r.LOCAL)), tostring(r.lookup('a') == process.pid()))
            io.print(select(2, r.register('b', nil, r.EVENTUAL)):message())
            io.print(select(2, r.register('c', nil, r.STRONG)):message())
            io.print(tostring(r.unregister('a', r.LOCAL)), select(2, r.unregister('a', r.CONSISTENT)):message())
            local ok, err = r.register('d', 'not a pid')
            io.print(tostring(ok), err:kind())",
        ),
        &[],
    );
    assert_eq!(
        out,
        "true\ttrue\neventual registry not available\nglobal registry not available\n\
         true\tglobal registry not available\nnil\tInvalid\n"
    );
}
