//! Per-instance limits and hostile guests: the runaway is stopped with the named
//! limit, everything else keeps running, and the host never goes down.

mod common;

use common::{index_with, spawning_parent, Project, Run, TWO_OF_FOUR_SPAWNED};

/// An entry item with its own `limits:` block.
fn limited(name: &str, file: &str, limits: &str) -> String {
    format!(
        "  - name: {name}\n    kind: process.lua\n    source: file://{file}\n    modules: [io, time]\n    limits: {{{limits}}}\n"
    )
}

/// A project of [`limited`] entries (name, file, limits) and the files they name.
fn project_of(entries: &[(&str, &str, &str)], files: &[(&str, &str)]) -> Project {
    let items: String = entries
        .iter()
        .map(|(name, file, limits)| limited(name, file, limits))
        .collect();
    let index = index_with(&items);
    let mut all = vec![("_index.yaml", index.as_str())];
    all.extend_from_slice(files);
    Project::new(&all)
}

/// Runs `source` as the project's only entry, under `limits`, with `run -x`.
fn run_alone(source: &str, limits: &str) -> Run {
    let project = project_of(&[("main", "main.lua", limits)], &[("main.lua", source)]);
    project.run(&["run", "-x", "app:main"])
}

const LOOP_FOREVER: &str = "return { main = function() while true do end end }";

#[test]
fn runaway_processes_are_preempted_and_killed_with_the_named_limit() {
    // More runaways than scheduler threads: without preemption the ticker starves.
    let ticker = r#"
        local io = require('io')
        local time = require('time')
        return { main = function()
            for i = 1, 4 do process.spawn('app:runaway', 'app:processes') end
            for i = 1, 8 do
                time.sleep('50ms')
                io.print('tick ' .. i)
            end
            time.sleep('1500ms')
            return 0
        end }"#;
    let project = project_of(
        &[
            ("ticker", "ticker.lua", ""),
            ("runaway", "runaway.lua", "timeout: 1s"),
        ],
        &[("ticker.lua", ticker), ("runaway.lua", LOOP_FOREVER)],
    );
    let run = project.run(&["run", "-v", "-x", "app:ticker"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let ticks: Vec<String> = (1..=8).map(|i| format!("tick {i}")).collect();
    assert_eq!(run.stdout, ticks.join("\n") + "\n");
    assert_eq!(
        run.stderr
            .matches("\"error\": \"timeout after 1s\"")
            .count(),
        4,
        "{run:?}"
    );
}

#[test]
fn fuel_budgets_are_per_instance() {
    let parent = r#"
        local time = require('time')
        return { main = function()
            process.spawn('app:rich', 'app:processes')
            process.spawn('app:poor', 'app:processes')
            -- Room for a slow, shared machine: the work itself takes ~0.1 s.
            time.sleep('2s')
        end }"#;
    let work = "return { main = function() local s = 0 for i = 1, 100000 do s = s + i end print('sum', s) end }";
    let project = project_of(
        &[
            ("parent", "parent.lua", ""),
            ("rich", "work.lua", "fuel: 10000000000"),
            // Starting a process costs about 2M; the loop many times more.
            ("poor", "work.lua", "fuel: 4000000"),
        ],
        &[("parent.lua", parent), ("work.lua", work)],
    );
    let run = project.run(&["run", "-v", "-x", "app:parent"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stderr.contains("sum 5000050000"), "{run:?}");
    assert!(
        run.stderr
            .contains("\"entry\": \"app:poor\", \"error\": \"fuel exhausted\""),
        "{run:?}"
    );
    let rich_failed = run
        .stderr
        .lines()
        .any(|line| line.contains("\"entry\": \"app:rich\"") && line.contains("\"error\""));
    assert!(!rich_failed, "{run:?}");
}

#[test]
fn the_fuel_flag_sets_the_default_budget() {
    let project = project_of(&[("spin", "spin.lua", "")], &[("spin.lua", LOOP_FOREVER)]);
    let run = project.run(&["run", "--fuel", "5000000", "-x", "app:spin"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.stderr, "fuel exhausted\n");
}

#[test]
fn timeouts_end_a_looping_and_a_waiting_process_each_with_its_own_limit() {
    let parent = r#"
        local time = require('time')
        return { main = function()
            process.spawn('app:looper', 'app:processes')
            process.spawn('app:waiter', 'app:processes')
            time.sleep('1500ms')
        end }"#;
    let waiter = "local time = require('time') return { main = function() time.sleep('1h') end }";
    let project = project_of(
        &[
            ("parent", "parent.lua", ""),
            ("looper", "looper.lua", "timeout: 300ms"),
            ("waiter", "waiter.lua", "timeout: 600ms"),
        ],
        &[
            ("parent.lua", parent),
            ("looper.lua", LOOP_FOREVER),
            ("waiter.lua", waiter),
        ],
    );
    let run = project.run(&["run", "-v", "-x", "app:parent"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stderr
            .contains("\"entry\": \"app:looper\", \"error\": \"timeout after 300ms\""),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("\"entry\": \"app:waiter\", \"error\": \"timeout after 600ms\""),
        "{run:?}"
    );
}

#[test]
fn the_timeout_flag_ends_the_terminal_process() {
    let project = project_of(&[("spin", "spin.lua", "")], &[("spin.lua", LOOP_FOREVER)]);
    let run = project.run(&["run", "--timeout", "200ms", "-x", "app:spin"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.stderr, "timeout after 200ms\n");
}

#[test]
fn a_memory_bomb_hits_the_named_memory_limit() {
    let bomb = "return { main = function() local s = 'x' while true do s = s .. s end end }";
    let project = project_of(
        &[("bomb", "bomb.lua", "memory: 16MiB")],
        &[("bomb.lua", bomb)],
    );
    let run = project.run(&["run", "-x", "app:bomb"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.stderr, "memory limit of 16 MiB exceeded\n");
}

/// Garbage must not take the room live data needs: this program peaks at 10 MiB under
/// `lua5.4` (`collectgarbage("count")`), and the incremental collector alone let its
/// dead tables and strings pile up past 44 MiB. Near its ceiling a process collects in
/// full, so 24 MiB are enough.
#[test]
fn a_process_near_its_memory_limit_collects_garbage_before_dying_of_it() {
    let churn = r#"
        local io = require('io')
        return { main = function()
            for round = 1, 3 do
                local small = {}
                for i = 1, 60000 do small[i] = { i, i } end
                small = nil
                local big = {}
                for i = 1, 2000 do big[i] = string.rep('x', 4000 + i) end
                big = nil
            end
            io.print('done')
        end }
    "#;
    let run = run_alone(churn, "memory: 24MiB");
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (Some(0), "done\n"),
        "{run:?}"
    );
}

/// Live data close to the ceiling: 90,000 tables held while 2,000,000 short-lived
/// ones come and go. Collecting step by step only, the process died of its 24 MiB
/// limit already with 50,000 held; collecting in full at every step near the limit,
/// it would crawl.
#[test]
fn a_process_whose_live_data_nears_its_limit_keeps_working() {
    let hold = r#"
        local io = require('io')
        return { main = function()
            local kept = {}
            for i = 1, 90000 do kept[i] = { i, i } end
            local sum = 0
            for i = 1, 2000000 do local t = { i } sum = sum + t[1] end
            io.print(#kept, sum)
        end }
    "#;
    let run = run_alone(hold, "memory: 24MiB");
    let printed = "90000\t2000001000000\n";
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (Some(0), printed),
        "{run:?}"
    );
}

#[test]
fn the_memory_flag_sets_the_default_ceiling() {
    let bomb = "return { main = function() local t = {} for i = 1, 1e9 do t[i] = {i} end end }";
    let project = project_of(&[("bomb", "bomb.lua", "")], &[("bomb.lua", bomb)]);
    let run = project.run(&["run", "--memory-limit", "8MiB", "-x", "app:bomb"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.stderr, "memory limit of 8 MiB exceeded\n");
}

/// Past ~24,000 slots the pool no longer fits 4 GiB reservations in the address space
/// and falls back to bounds-checked slots (`engine.rs`, `new_engine`): the memory
/// limit must hold the same way there.
#[test]
fn the_memory_limit_holds_with_bounds_checked_slots_too() {
    let bomb = "return { main = function() local t = {} for i = 1, 1e9 do t[i] = {i} end end }";
    let project = project_of(&[("bomb", "bomb.lua", "")], &[("bomb.lua", bomb)]);
    let args = [
        "run",
        "--max-processes",
        "30000",
        "--memory-limit",
        "8MiB",
        "-x",
        "app:bomb",
    ];
    let run = project.run(&args);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.stderr, "memory limit of 8 MiB exceeded\n");
}

/// A limit below the memory a process starts with (the guest's snapshot plus its
/// heap headroom) fails that process's start with both sizes named, by flag and
/// per entry, and a parent's `spawn` gets it as an error.
#[test]
fn a_memory_limit_below_the_start_is_a_clear_error() {
    let parent = r#"
        local io = require('io')
        return { main = function()
            local pid, err = process.spawn('app:tiny', 'app:processes')
            io.print(tostring(pid), err:kind(), err:message())
            return 0
        end }"#;
    let project = project_of(
        &[
            ("parent", "parent.lua", ""),
            ("tiny", "tiny.lua", "memory: 256KiB"),
        ],
        &[
            ("parent.lua", parent),
            ("tiny.lua", "return { main = function() end }"),
        ],
    );
    let starts_with = |text: &str, prefix: &str| {
        let size = text.strip_prefix(prefix)?.strip_suffix(" KiB\n")?;
        size.parse::<u64>().ok().filter(|size| *size > 256)
    };

    let run = project.run(&["run", "-x", "app:parent"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let prefix = "nil\tInvalid\tmemory limit of 256 KiB exceeded: a process starts with ";
    assert!(starts_with(&run.stdout, prefix).is_some(), "{run:?}");

    let run = project.run(&["run", "--memory-limit", "256KiB", "-x", "app:parent"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let prefix = "Error: failed to start process on host: app:terminal: \
                  memory limit of 256 KiB exceeded: a process starts with ";
    assert!(starts_with(&run.stderr, prefix).is_some(), "{run:?}");
}

#[test]
fn unbounded_recursion_ends_the_process_not_the_host() {
    let recursion = r#"
        local function down(n) return down(n + 1) + 1 end
        return { main = function() return down(1) end }"#;
    let project = project_of(
        &[("deep", "deep.lua", "memory: 32MiB")],
        &[("deep.lua", recursion)],
    );
    let run = project.run(&["run", "-x", "app:deep"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    // Lua's stack limit comes before the memory limit, and is a located Lua error.
    assert_eq!(run.stderr, "app:deep:2: stack overflow\n", "{run:?}");
}

#[test]
fn a_failing_child_leaves_its_parent_running() {
    let parent = r#"
        local io = require('io')
        local time = require('time')
        return { main = function()
            local pid = process.spawn('app:bomb', 'app:processes')
            time.sleep('300ms')
            io.print('parent still here', type(pid))
            return 0
        end }"#;
    let bomb = "return { main = function() local s = 'x' while true do s = s .. s end end }";
    let project = project_of(
        &[
            ("parent", "parent.lua", ""),
            ("bomb", "bomb.lua", "memory: 8MiB"),
        ],
        &[("parent.lua", parent), ("bomb.lua", bomb)],
    );
    let run = project.run(&["run", "-v", "-x", "app:parent"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, "parent still here\tstring\n");
    assert!(
        run.stderr.contains("memory limit of 8 MiB exceeded"),
        "{run:?}"
    );
}

#[test]
fn a_child_whose_top_level_never_returns_fails_its_spawn_not_its_parent() {
    // The chunk's top level runs inside the parent's `spawn` call (process.md §3): the
    // time it takes is the child's, never charged to the parent's slice.
    let parent = r#"
        local io = require('io')
        return { main = function()
            for _, entry in ipairs({ 'app:spinner', 'app:timed_spinner' }) do
                local pid, err = process.spawn(entry, 'app:processes')
                io.print(entry, tostring(pid), tostring(err))
            end
            local sum = 0
            for i = 1, 100000 do sum = sum + i end
            io.print('parent still here', sum)
            return 0
        end }"#;
    let spinner = "while true do end return { main = function() end }";
    let project = project_of(
        &[
            ("parent", "parent.lua", ""),
            ("spinner", "spinner.lua", ""),
            ("timed_spinner", "spinner.lua", "timeout: 300ms"),
        ],
        &[("parent.lua", parent), ("spinner.lua", spinner)],
    );
    let run = project.run(&["run", "-x", "app:parent"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        run.stdout,
        "app:spinner\tnil\tfailed to execute script: cpu slice limit of 2s exceeded (one step of the guest ran too long)\n\
         app:timed_spinner\tnil\tfailed to execute script: timeout after 300ms\n\
         parent still here\t5000050000\n"
    );
}

#[test]
fn a_child_whose_top_level_runs_long_does_not_hold_up_other_processes() {
    // Four spawns whose children's top levels spin for 1 s each, on two scheduler
    // threads: were each top level run on the spawner's scheduler thread to its
    // end, the ticker would wait ~2 s for a thread and die of its 1.5 s timeout.
    let main = r#"
        local io = require('io')
        return { main = function()
            local events, inbox = process.events(), process.inbox()
            process.spawn_monitored('app:ticker', 'app:processes')
            for _ = 1, 4 do process.spawn('app:spawner', 'app:processes', process.pid()) end
            local exit = events:receive()
            io.print('ticker', tostring(exit.result.value), tostring(exit.result.error))
            for _ = 1, 4 do io.print(inbox:receive():payload():data()) end
            return 0
        end }"#;
    let ticker = r#"
        local time = require('time')
        return { main = function()
            for _ = 1, 8 do time.sleep('50ms') end
            return 'ticked'
        end }"#;
    let spawner = r#"
        return { main = function(parent)
            local _, err = process.spawn('app:spinner', 'app:processes')
            process.send(parent, 'spawned', tostring(err))
        end }"#;
    let spinner = "while true do end return { main = function() end }";
    let project = project_of(
        &[
            ("main", "main.lua", ""),
            ("ticker", "ticker.lua", "timeout: 1500ms"),
            ("spawner", "spawner.lua", ""),
            ("spinner", "spinner.lua", "timeout: 1s"),
        ],
        &[
            ("main.lua", main),
            ("ticker.lua", ticker),
            ("spawner.lua", spawner),
            ("spinner.lua", spinner),
        ],
    );
    let run = project.run(&["run", "-x", "app:main"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let failed = "failed to execute script: timeout after 1s\n";
    assert_eq!(
        run.stdout,
        format!("ticker\tticked\tnil\n{}", failed.repeat(4))
    );
}

#[test]
fn a_chunk_that_spawns_its_own_entry_at_top_level_fails_the_spawn_not_the_host() {
    // Each top level runs inside the spawn that started it, on the same thread's
    // stack: unbounded, this overflowed the host's stack and aborted it.
    let parent = r#"
        local io = require('io')
        return { main = function()
            local pid, err = process.spawn('app:recursive', 'app:processes')
            io.print(tostring(pid), tostring(err))
            return 0
        end }"#;
    let recursive = r#"
        local pid, err = process.spawn('app:recursive', 'app:processes')
        if not pid then error(err) end
        return { main = function() end }"#;
    let project = project_of(
        &[
            ("parent", "parent.lua", ""),
            ("recursive", "recursive.lua", ""),
        ],
        &[("parent.lua", parent), ("recursive.lua", recursive)],
    );
    let run = project.run(&["run", "-x", "app:parent"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let levels = "failed to execute script: ".repeat(4);
    assert_eq!(
        run.stdout,
        format!(
            "nil\t{levels}spawn nested too deeply: chunk top levels may spawn processes 4 levels deep\n"
        )
    );
}

#[test]
fn all_mailboxes_together_hold_at_most_the_message_memory() {
    // One mailbox's bound (16 MiB) times many processes that do not read would let
    // one sender exhaust the host; the runtime's message memory bounds the sum.
    let parent = r#"
        local io = require('io')
        return { main = function()
            local pid = process.spawn('app:sleeper', 'app:processes')
            local big = string.rep('x', 1024 * 1024)
            local sent, ok, err = 0, true, nil
            while sent < 100 do
                ok, err = process.send(pid, 'big', big)
                if not ok then break end
                sent = sent + 1
            end
            io.print(tostring(sent <= 8), tostring(err), err:kind())
            return 0
        end }"#;
    let sleeper = "local time = require('time') return { main = function() time.sleep('10s') end }";
    let project = project_of(
        &[("parent", "parent.lua", ""), ("sleeper", "sleeper.lua", "")],
        &[("parent.lua", parent), ("sleeper.lua", sleeper)],
    );
    let run = project.run(&["run", "--message-memory", "2MiB", "-x", "app:parent"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    // The sleeper's own backlog takes up to 4 MiB first, as many as the timing lets.
    assert_eq!(
        run.stdout,
        "true\tmessage memory full: the mailboxes of all processes hold 2 MiB together\tUnavailable\n"
    );
    let bad = project.run(&["run", "--message-memory", "lots", "-x", "app:parent"]);
    assert_eq!(bad.code, Some(1), "{bad:?}");
    assert!(
        bad.stderr
            .contains("--message-memory: expected a positive size such as 1GiB, got lots"),
        "{bad:?}"
    );
}

#[test]
fn all_processes_together_grow_at_most_into_the_total_memory() {
    // A ceiling of 64 MiB each times thousands of processes is more than a machine
    // has: past the runtime's total, the process that grows is stopped, the others
    // keep what they hold, and what an ended process held is free again.
    let parent = r#"
        local io = require('io')
        local inbox, events = process.inbox(), process.events()
        local holder

        -- A holder of `mib` MiB: its PID once it holds them, or nil and its error.
        local function hold(mib)
            local pid = process.spawn_monitored(holder, 'app:processes', process.pid(), mib)
            local r = channel.select { inbox:case_receive(), events:case_receive() }
            if r.channel == inbox then return pid end
            return nil, r.value.result.error
        end

        local function release(pid)
            process.send(pid, 'release')
            return events:receive().result.value
        end

        return { main = function(entry)
            holder = entry
            local first = assert(hold(8))
            local second = assert(hold(8))
            local third, err = hold(8)
            io.print(tostring(third), tostring(err))
            io.print(release(first))
            local fourth = assert(hold(8))
            io.print(release(second), release(fourth))
            return 0
        end }"#;
    // About 16 MiB each: the array part doubles, so its last two sizes live together.
    let table_holder = r#"
        return { main = function(parent, mib)
            local held = {}
            for i = 1, mib * 1024 * 1024 // 16 do held[i] = i end
            process.send(parent, 'held')
            process.inbox():receive()
            return #held
        end }"#;
    // string.rep refuses with Lua's catchable error instead of trapping.
    let string_holder = r#"
        return { main = function(parent, mib)
            local held = string.rep('x', mib * 1024 * 1024)
            process.send(parent, 'held')
            process.inbox():receive()
            return #held // (1024 * 1024)
        end }"#;
    let project = project_of(
        &[
            ("parent", "parent.lua", ""),
            ("tables", "tables.lua", ""),
            ("strings", "strings.lua", ""),
        ],
        &[
            ("parent.lua", parent),
            ("tables.lua", table_holder),
            ("strings.lua", string_holder),
        ],
    );
    let total = "total memory limit of 40 MiB exceeded (what all processes may grow into together)";
    let run = project.run(&[
        "run",
        "--total-memory",
        "40MiB",
        "-x",
        "app:parent",
        "app:tables",
    ]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        run.stdout,
        format!("nil\t{total}\n524288\n524288\t524288\n")
    );

    let run = project.run(&[
        "run",
        "--total-memory",
        "20MiB",
        "-x",
        "app:parent",
        "app:strings",
    ]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let total = total.replace("40 MiB", "20 MiB");
    assert_eq!(
        run.stdout,
        format!("nil\tapp:strings:3: not enough memory: {total}\n8\n8\t8\n")
    );

    let bad = project.run(&[
        "run",
        "--total-memory",
        "0",
        "-x",
        "app:parent",
        "app:tables",
    ]);
    assert_eq!(bad.code, Some(1), "{bad:?}");
    assert!(
        bad.stderr
            .contains("--total-memory: expected a positive size such as 1GiB, got 0"),
        "{bad:?}"
    );
}

#[test]
fn all_processes_together_have_at_most_the_runtime_timer_limit_pending() {
    let parent = r#"
        local io = require('io')
        local time = require('time')
        return { main = function()
            local events = process.events()
            process.spawn_monitored('app:arm', 'app:processes', 600)
            time.sleep('300ms')
            process.spawn_monitored('app:arm', 'app:processes', 600)
            io.print(tostring(events:receive().result.error))
            -- The stopped process's timers are given back.
            process.spawn_monitored('app:arm', 'app:processes', 300, true)
            io.print(tostring(events:receive().result.value))
            return 0
        end }"#;
    let arm = r#"
        local time = require('time')
        return { main = function(n, finish)
            local timers = {}
            for i = 1, n do timers[i] = time.timer('1h') end
            if finish then return 'armed ' .. n end
            time.sleep('1h')
        end }"#;
    let project = project_of(
        &[("parent", "parent.lua", ""), ("arm", "arm.lua", "")],
        &[("parent.lua", parent), ("arm.lua", arm)],
    );
    let run = project.run(&["run", "--max-timers", "1000", "-x", "app:parent"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        run.stdout,
        "runtime timer limit of 1000 pending timers exceeded\narmed 300\n"
    );
}

#[test]
fn a_full_process_pool_is_a_clear_spawn_error() {
    let parent = spawning_parent(&["app:sleeper"; 4]);
    let sleeper = "local time = require('time') return { main = function() time.sleep('1h') end }";
    let project = project_of(
        &[("parent", "parent.lua", ""), ("sleeper", "sleeper.lua", "")],
        &[("parent.lua", &parent), ("sleeper.lua", sleeper)],
    );
    let run = project.run(&["run", "--max-processes", "3", "-x", "app:parent"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, TWO_OF_FOUR_SPAWNED);
}

#[test]
fn deeply_nested_source_is_refused_by_the_parser_not_the_stack() {
    for (open, close) in [("(", ")"), ("{", "}"), ("(function() return ", " end)()")] {
        let nested = format!("{}1{}", open.repeat(199), close.repeat(199));
        let source = format!("return {{ main = function() local x = {nested} end }}");
        let project = project_of(&[("deep", "deep.lua", "")], &[("deep.lua", &source)]);
        let run = project.run(&["run", "-x", "app:deep"]);
        assert_eq!(run.code, Some(1), "{open}: {run:?}");
        assert!(
            run.stderr.contains("recursion limit reached"),
            "{open}: {run:?}"
        );
    }
}

#[test]
fn a_process_cannot_arm_timers_without_bound() {
    let many = r#"
        local time = require('time')
        return { main = function()
            for i = 1, 70000 do coroutine.spawn(function() time.sleep('1h') end) end
            time.sleep('1h')
        end }"#;
    let project = project_of(
        &[("many", "many.lua", "memory: 512MiB")],
        &[("many.lua", many)],
    );
    let run = project.run(&["run", "-x", "app:many"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.stderr, "timer limit of 65536 pending timers exceeded\n");
}
