//! The command line: `init`, `run -x` in both forms, arguments, exit codes and
//! printing of the terminal process's result (manifest.md §5–7).

mod common;

use common::{index_with, lua_entry, run_in, Project};

/// A project whose `app:main` runs `body` as `main(...)`.
fn main_project(body: &str) -> Project {
    let index = index_with(&lua_entry("main", "main.lua", ""));
    let source =
        format!("local io = require('io')\nreturn {{ main = function(...)\n{body}\nend }}\n");
    Project::new(&[("_index.yaml", &index), ("main.lua", &source)])
}

#[test]
fn hello_prints_its_pid_and_exits_zero() {
    let run = run_in(
        &common::manifests_dir().join("hello"),
        &["run", "-x", "app:hello"],
        None,
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, "Hello from {app:terminal|0x00001}\n");
    assert_eq!(run.stderr, "");
}

#[test]
fn exit_codes_follow_the_returned_value() {
    let cases = [
        ("return 3", Some(3), "", ""),
        ("return 256", Some(0), "", ""),
        ("return 7.9", Some(7), "", ""),
        ("return 1e20", Some(1), "", ""),
        ("return true", Some(0), "", ""),
        ("return false", Some(1), "", ""),
        ("return nil", Some(0), "", ""),
        ("return {}", Some(0), "", ""),
        ("return 'done'", Some(0), "done\n", ""),
        ("return nil, 'went wrong'", Some(1), "", "went wrong\n"),
        (
            "return 'ok', 'a note is a failure'",
            Some(1),
            "",
            "a note is a failure\n",
        ),
        (
            "return nil, errors.new({message = 'typed', kind = errors.INVALID})",
            Some(1),
            "",
            "typed\n",
        ),
    ];
    for (body, code, stdout, stderr) in cases {
        let run = main_project(body).run(&["run", "-x", "app:main"]);
        assert_eq!(run.code, code, "{body}: {run:?}");
        assert_eq!(run.stdout, stdout, "{body}: {run:?}");
        assert_eq!(run.stderr, stderr, "{body}: {run:?}");
    }
}

#[test]
fn a_raised_error_is_printed_and_exits_one() {
    let run = main_project("error('boom')").run(&["run", "-x", "app:main"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("boom"), "{run:?}");
    assert_eq!(run.stdout, "");
}

#[test]
fn positional_arguments_reach_main_and_io_args() {
    let body = "local a, b = ...\nio.print(a, b, #io.args(), io.args()[2])";
    let run = main_project(body).run(&["run", "-x", "app:main", "first", "--second"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, "first\t--second\t2\t--second\n");
}

#[test]
fn exec_accepts_host_slash_entry_and_the_host_flag() {
    let project = main_project("io.print('ran')");
    for args in [
        vec!["run", "-x", "app:terminal/app:main"],
        vec!["run", "-x", "app:main", "--host", "app:terminal"],
        vec!["run", "--exec", " app:main "],
    ] {
        let run = project.run(&args);
        assert_eq!(run.code, Some(0), "{args:?}: {run:?}");
        assert_eq!(run.stdout, "ran\n", "{args:?}");
    }
}

#[test]
fn exec_errors_name_what_was_expected() {
    let project = main_project("return 0");
    let cases = [
        (
            vec!["run", "-x", "main"],
            "Error: invalid exec spec: missing separator ':', expected format: namespace:entry\n",
        ),
        (
            vec!["run", "-x", "app:nope"],
            "Error: failed to start process on host: app:terminal: factory not found\n",
        ),
        (
            vec!["run", "-x", "app:nohost/app:main"],
            "Error: failed to start process on host: app:nohost: host not found\n",
        ),
    ];
    for (args, stderr) in cases {
        let run = project.run(&args);
        assert_eq!(run.code, Some(1), "{args:?}: {run:?}");
        assert_eq!(run.stderr, stderr, "{args:?}");
    }
}

#[test]
fn terminal_host_detection_needs_exactly_one() {
    let none = Project::new(&[(
        "_index.yaml",
        "namespace: app\nentries:\n  - name: main\n    kind: process.lua\n    source: 'return {main = function() end}'\n",
    )]);
    let run = none.run(&["run", "-x", "app:main"]);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stderr, "Error: no terminal.host found in registry\n");

    let two = index_with(
        "  - name: second\n    kind: terminal.host\n    lifecycle:\n      auto_start: true\n",
    );
    let run = Project::new(&[("_index.yaml", &two)]).run(&["run", "-x", "app:main"]);
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr,
        "Error: multiple terminal hosts found (app:second, app:terminal), use --host to specify\n"
    );
}

#[test]
fn init_writes_a_lock_and_refuses_to_overwrite_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_in(dir.path(), &["init"], None);
    assert_eq!(run.code, Some(0), "{run:?}");
    let lock = std::fs::read_to_string(dir.path().join("wippy.lock")).unwrap();
    assert!(lock.contains("src: ./src"), "{lock}");
    assert!(lock.contains("modules: .wippy"), "{lock}");
    let again = run_in(dir.path(), &["init"], None);
    assert_eq!(again.code, Some(1), "{again:?}");
    assert!(again.stderr.starts_with("Error: "), "{again:?}");
}

#[test]
fn a_second_start_loads_the_compiled_guest_from_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let project = main_project("return 0");
    let start = |expect: &str| {
        let output = std::process::Command::new(common::BINARY)
            .args(["run", "-v", "-x", "app:main"])
            .current_dir(project.path())
            .env("WIPPY_WASM_CACHE_DIR", cache.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert!(stderr.contains(expect), "expected {expect:?} in {stderr}");
    };
    start("guest compiled");
    start("guest loaded from cache");
}

#[test]
fn io_reads_piped_lines_one_by_one_and_writes_both_streams() {
    let body = r#"
        io.write('a', 1, 2.5, nil, true, '\n')
        local first = io.readline()
        local second = io.readline()
        local empty = io.readline()
        local partial = io.readline()
        local eof, err = io.readline()
        io.print(first, second, #empty, partial, eof, tostring(err), err:kind() == '')
        io.eprint('to', 'stderr')
        io.flush()"#;
    let run =
        main_project(body).run_with_input(&["run", "-x", "app:main"], "one\r\ntwo\n\npartial");
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, "a12.5\none\ttwo\t0\tpartial\t\tEOF\t\n");
    assert_eq!(run.stderr, "to\tstderr\n");
}

#[test]
fn io_off_the_terminal_returns_an_unavailable_error() {
    let index = index_with(&format!(
        "{}{}",
        lua_entry("main", "main.lua", ""),
        lua_entry("child", "child.lua", "")
    ));
    let main = "local time = require('time') return { main = function() process.spawn('app:child', 'app:processes') time.sleep('300ms') end }";
    let child = r#"local io = require('io')
        return { main = function()
            local ok, err = io.write('must not appear')
            print('io.write', tostring(ok), tostring(err), err:kind())
            local line, read_err = io.readline()
            print('io.readline', tostring(line), tostring(read_err))
            print('io.args', #io.args())
        end }"#;
    let project = Project::new(&[
        ("_index.yaml", &index),
        ("main.lua", main),
        ("child.lua", child),
    ]);
    let run = project.run(&["run", "-v", "-x", "app:main"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .contains("\tINFO\tio.write nil no terminal context Unavailable\t"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("\tINFO\tio.readline nil no terminal context\t"),
        "{run:?}"
    );
    assert!(run.stderr.contains("\tINFO\tio.args 0\t"), "{run:?}");
}

#[test]
fn log_modes_follow_the_flags() {
    let body = "print('hello', 42, nil, true)";
    let project = main_project(body);
    // -x alone is silent.
    let silent = project.run(&["run", "-x", "app:main"]);
    assert_eq!((silent.stdout.as_str(), silent.stderr.as_str()), ("", ""));
    // -v: timestamped lines on stderr, with the automatic pid and location fields.
    let verbose = project.run(&["run", "-v", "-x", "app:main"]);
    let line = verbose
        .stderr
        .lines()
        .find(|l| l.contains("hello"))
        .expect("a log line");
    let columns: Vec<&str> = line.split('\t').collect();
    assert_eq!(columns.len(), 4, "{line}");
    assert_eq!(columns[0].len(), "2026-01-01 00:00:00".len(), "{line}");
    assert_eq!(columns[1], "INFO");
    assert_eq!(columns[2], "hello 42  ");
    assert_eq!(
        columns[3],
        "{\"pid\": \"{app:terminal|0x00001}\", \"location\": \"app:main:3\"}"
    );
    // -c: elapsed seconds and padded level on stdout, no colour when piped.
    let console = project.run(&["run", "-c", "-x", "app:main"]);
    let line = console
        .stdout
        .lines()
        .find(|l| l.contains("hello"))
        .expect("a log line");
    assert!(line.starts_with("  0."), "{line}");
    assert!(line.contains("s\tINFO \thello 42  \t{\"pid\""), "{line}");
    // -s wins over everything.
    let quiet = project.run(&["run", "-s", "-v", "-x", "app:main"]);
    assert_eq!((quiet.stdout.as_str(), quiet.stderr.as_str()), ("", ""));
}

#[test]
fn run_without_exec_serves_until_sigint_then_exits_zero() {
    use std::io::{BufRead, BufReader};
    let index = index_with(&format!(
        "{}  - name: service\n    kind: process.service\n    process: app:main\n    host: app:processes\n    lifecycle:\n      auto_start: true\n",
        lua_entry("main", "main.lua", "")
    ));
    let main = "local time = require('time') return { main = function() time.sleep('1h') end }";
    let project = Project::new(&[("_index.yaml", &index), ("main.lua", main)]);
    let mut child = std::process::Command::new(common::BINARY)
        .arg("run")
        .current_dir(project.path())
        .env("WIPPY_WASM_CACHE_DIR", common::cache_dir())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("service started") {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "no service started line"
        );
    }
    assert!(line.contains("\"service\": \"app:service\""), "{line}");
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn a_command_name_runs_its_entry_with_the_remaining_arguments() {
    let index = index_with(&lua_entry(
        "greet",
        "greet.lua",
        "    meta:\n      command:\n        name: greet\n        short: says hello\n",
    ));
    let greet = "local io = require('io') return { main = function(who) io.print('hello ' .. who, #io.args()) end }";
    let project = Project::new(&[("_index.yaml", &index), ("greet.lua", greet)]);
    let run = project.run(&["run", "greet", "world"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, "hello world\t1\n");
    assert_eq!(run.stderr, "", "commands are silent like -x");
    let unknown = project.run(&["run", "nope"]);
    assert_eq!(unknown.code, Some(1));
    assert_eq!(
        unknown.stderr,
        "Error: unknown command 'nope': no process.lua entry has meta.command.name: nope\n"
    );
}

#[test]
fn coroutines_take_turns_at_yield_and_plain_coroutines_work() {
    let body = r#"
        coroutine.spawn(function() for i = 1, 2 do io.print('spawned', i) coroutine.yield() end end)
        for i = 1, 2 do io.print('main', i) coroutine.yield() end
        local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) return b * 2 end)
        local _, x = coroutine.resume(co, 1)
        local _, y = coroutine.resume(co, 10)
        io.print('plain', x, y, coroutine.status(co))"#;
    let run = main_project(body).run(&["run", "-x", "app:main"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        run.stdout,
        // A spawned coroutine runs before its spawner continues (channel.md §3).
        "spawned\t1\nmain\t1\nspawned\t2\nmain\t2\nplain\t2\t20\tdead\n"
    );
}
