//! Services and supervision (manifest.md §4, §7): restarts with backoff, attempt
//! limits, outcomes that are not retried, boot and shutdown order, signals and exit
//! codes. Each test runs the real binary with `-c`, whose log lines carry the
//! seconds since start; timings are checked as lower bounds only.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use common::{index_with, lua_entry, Project};

/// How long a test waits for a log line before failing.
const LINE_LIMIT: Duration = Duration::from_secs(60);

/// `main` raises at once.
const CRASH: &str = "return { main = function() error('boom') end }";

/// `main` sleeps and ignores CANCEL (the force-stop path).
const SLEEPER: &str =
    "local time = require('time') return { main = function() time.sleep('1h') end }";

/// A `process.service` on `app:processes` running `app:<process>`, auto-started;
/// `lifecycle` holds further lifecycle lines, indented by six spaces.
fn service(name: &str, process: &str, lifecycle: &str) -> String {
    format!(
        "  - name: {name}\n    kind: process.service\n    process: app:{process}\n    host: app:processes\n    lifecycle:\n      auto_start: true\n{lifecycle}"
    )
}

/// A project whose `process.lua` entries are `(name, source)` pairs, plus `services`.
fn project(processes: &[(&str, &str)], services: &str) -> Project {
    let mut entries = String::new();
    let mut files = Vec::new();
    for (name, source) in processes {
        let file = format!("{name}.lua");
        entries += &lua_entry(name, &file, "");
        files.push((file, *source));
    }
    entries += services;
    let index = index_with(&entries);
    let mut all: Vec<(&str, &str)> = vec![("_index.yaml", &index)];
    all.extend(files.iter().map(|(file, source)| (file.as_str(), *source)));
    Project::new(&all)
}

/// A running `wippy-wasm run -c …` whose stdout is read line by line.
struct Served {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Served {
    fn start(project: &Project, args: &[&str]) -> Served {
        let mut child = Command::new(common::BINARY)
            .args(["run", "-c"])
            .args(args)
            .current_dir(project.path())
            .env("WIPPY_WASM_CACHE_DIR", common::cache_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut stderr = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Served {
            child,
            lines,
            seen: Vec::new(),
            stderr: Some(stderr),
        }
    }

    /// Reads lines until `count` of them contain `needle`.
    fn wait_for(&mut self, needle: &str, count: usize) {
        let started = Instant::now();
        while self.seen.iter().filter(|l| l.contains(needle)).count() < count {
            let left = LINE_LIMIT.saturating_sub(started.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    let _ = self.child.kill();
                    let stderr = self.stderr.take().map(|reader| reader.join().unwrap());
                    panic!(
                        "{count} × {needle:?} never came; stdout so far:\n{}\nstderr: {stderr:?}",
                        self.seen.join("\n")
                    );
                }
            }
        }
    }

    fn signal(&self, name: &str) {
        assert!(self.try_signal(name), "the process is gone");
    }

    /// Sends a signal; `false` if the process has already exited.
    fn try_signal(&self, name: &str) -> bool {
        Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    }

    /// Waits for the exit; returns its code, every stdout line and stderr.
    fn finish(mut self) -> (Option<i32>, Vec<String>, String) {
        let started = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            if started.elapsed() > LINE_LIMIT {
                let _ = self.child.kill();
                panic!("no exit; stdout so far:\n{}", self.seen.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let code = self.child.wait().unwrap().code();
        self.seen.extend(self.lines.iter());
        let stderr = self.stderr.take().map(|reader| reader.join().unwrap());
        (code, self.seen, stderr.unwrap_or_default())
    }
}

/// Seconds since start of a `-c` log line (`  1.23s\tINFO …`).
fn elapsed(line: &str) -> f64 {
    let text = line.trim_start().split("s\t").next().unwrap_or_default();
    text.parse()
        .unwrap_or_else(|_| panic!("no elapsed time in {line:?}"))
}

/// The lines whose message column is `message`.
fn with_message<'a>(lines: &'a [String], message: &str) -> Vec<&'a String> {
    lines
        .iter()
        .filter(|line| line.split('\t').nth(2) == Some(message))
        .collect()
}

/// Position of the first line with `message` that mentions service `app:<name>`.
fn position(lines: &[String], message: &str, name: &str) -> usize {
    let service = format!("\"service\": \"app:{name}\"");
    lines
        .iter()
        .position(|line| line.split('\t').nth(2) == Some(message) && line.contains(&service))
        .unwrap_or_else(|| panic!("no {message:?} for {name}:\n{}", lines.join("\n")))
}

#[test]
fn a_failing_service_restarts_with_growing_delays_until_max_attempts() {
    let restart = "      restart: {initial_delay: 200ms, backoff_factor: 2, max_delay: 10s, jitter: 0.001, max_attempts: 4}\n";
    let project = project(&[("crash", CRASH)], &service("worker", "crash", restart));
    let mut served = Served::start(&project, &[]);
    served.wait_for("service gave up", 1);
    served.signal("INT");
    let (code, lines, stderr) = served.finish();
    assert_eq!(code, Some(0), "{lines:#?}\n{stderr}");

    let started = with_message(&lines, "service started");
    let failed = with_message(&lines, "service failed");
    assert_eq!((started.len(), failed.len()), (4, 4), "{lines:#?}");
    // Each attempt mints a control PID before its child's (process.md §1).
    for (attempt, line) in started.iter().enumerate() {
        let pid = format!("\"pid\": \"{{app:processes|0x{:05x}}}\"", 2 * attempt + 2);
        assert!(line.contains(&pid), "{line}");
    }
    for (attempt, line) in failed.iter().enumerate() {
        assert!(line.contains("boom"), "{line}");
        assert!(
            line.contains(&format!("\"attempt\": {}", attempt + 1)),
            "{line}"
        );
    }
    // Retry n waits initial_delay × 2^(n−1): 0.2 s, 0.4 s, 0.8 s (log times are
    // rounded to 10 ms).
    for retry in 0..3 {
        let waited = elapsed(started[retry + 1]) - elapsed(failed[retry]);
        let expected = 0.2 * f64::from(1 << retry);
        assert!(
            waited >= expected * 0.999 - 0.011,
            "retry {} came after {waited:.2}s, expected ≥ {expected}s:\n{lines:#?}",
            retry + 1
        );
    }
    assert_eq!(with_message(&lines, "service restarting").len(), 3);
    let gave_up = with_message(&lines, "service gave up");
    assert!(gave_up[0].contains("\"attempts\": 4"), "{}", gave_up[0]);
    assert!(
        with_message(&lines, "process failed").is_empty(),
        "the supervisor reports its child's failures, the runtime does not repeat them"
    );
}

#[test]
fn a_run_longer_than_stable_threshold_resets_the_attempt_count() {
    let slow_crash = "local time = require('time') return { main = function() time.sleep('300ms') error('late boom') end }";
    let lifecycle =
        "      stable_threshold: 200ms\n      restart: {initial_delay: 50ms, max_attempts: 2}\n";
    let project = project(
        &[("slow_crash", slow_crash)],
        &service("worker", "slow_crash", lifecycle),
    );
    let mut served = Served::start(&project, &[]);
    // Without the reset, max_attempts 2 would allow two starts at most.
    served.wait_for("service started", 4);
    served.signal("INT");
    let (code, lines, _) = served.finish();
    assert_eq!(code, Some(0));
    assert!(
        with_message(&lines, "service gave up").is_empty(),
        "{lines:#?}"
    );
    for line in with_message(&lines, "service failed") {
        assert!(line.contains("\"attempt\": 1"), "{line}");
    }
}

#[test]
fn a_service_that_keeps_failing_quickly_gives_up_at_max_attempts() {
    let slow_crash = "local time = require('time') return { main = function() time.sleep('50ms') error('boom') end }";
    let lifecycle =
        "      stable_threshold: 10s\n      restart: {initial_delay: 50ms, max_attempts: 2}\n";
    let project = project(
        &[("slow_crash", slow_crash)],
        &service("worker", "slow_crash", lifecycle),
    );
    let mut served = Served::start(&project, &[]);
    served.wait_for("service gave up", 1);
    served.signal("INT");
    let (code, lines, _) = served.finish();
    assert_eq!(code, Some(0));
    assert_eq!(
        with_message(&lines, "service started").len(),
        2,
        "{lines:#?}"
    );
}

#[test]
fn outcomes_that_are_not_retried_end_the_service() {
    let processes = [
        ("returns", "return { main = function() return 1 end }"),
        (
            "refuses",
            "return { main = function() return nil, errors.new({message = 'refused', retryable = false}) end }",
        ),
        ("says", "return { main = function() return nil, 'said no' end }"),
        ("broken", "error('broken at load')"),
    ];
    let restart = "      restart: {initial_delay: 100ms}\n";
    let services: String = ["returns", "refuses", "says", "broken"]
        .iter()
        .map(|name| service(&format!("{name}_service"), name, restart))
        .collect();
    let project = project(&processes, &services);
    let mut served = Served::start(&project, &[]);
    served.wait_for("service exited", 3);
    served.wait_for("service failed to start", 1);
    // Far longer than the restart delay.
    std::thread::sleep(Duration::from_millis(600));
    served.signal("INT");
    let (code, lines, _) = served.finish();
    assert_eq!(code, Some(0));
    assert_eq!(
        with_message(&lines, "service started").len(),
        3,
        "{lines:#?}"
    );
    assert!(
        with_message(&lines, "service restarting").is_empty(),
        "{lines:#?}"
    );
    assert!(
        with_message(&lines, "service failed").is_empty(),
        "{lines:#?}"
    );
    let exited = |name| lines[position(&lines, "service exited", name)].clone();
    assert!(
        !exited("returns_service").contains("error"),
        "{}",
        exited("returns_service")
    );
    assert!(exited("refuses_service").contains("\"error\": \"refused\""));
    assert!(exited("says_service").contains("\"error\": \"said no\""));
    let broken = &lines[position(&lines, "service failed to start", "broken_service")];
    assert!(broken.contains("broken at load"), "{broken}");
}

#[test]
fn services_boot_in_dependency_order_and_stop_in_reverse() {
    let stop = "      stop_timeout: 200ms\n";
    let services = [
        service(
            "alpha",
            "sleeper",
            &format!("{stop}      requires: [beta]\n"),
        ),
        service(
            "beta",
            "sleeper",
            &format!("{stop}      requires: [gamma]\n"),
        ),
        service("gamma", "sleeper", stop),
    ]
    .concat();
    let project = project(&[("sleeper", SLEEPER)], &services);
    let mut served = Served::start(&project, &[]);
    served.wait_for("service started", 3);
    served.signal("TERM");
    let (code, lines, stderr) = served.finish();
    assert_eq!(code, Some(0), "SIGTERM is a graceful exit: {stderr}");
    let started = |name| position(&lines, "service started", name);
    assert!(started("gamma") < started("beta") && started("beta") < started("alpha"));

    // Each dependency stops only after its dependents are gone; none of them
    // reacts to CANCEL, so each is force-stopped after its stop_timeout.
    let stopping = |name| position(&lines, "service stopping", name);
    let forced = |name| position(&lines, "service force-stopped", name);
    assert!(stopping("alpha") < forced("alpha"));
    assert!(forced("alpha") < stopping("beta"));
    assert!(forced("beta") < stopping("gamma"));
    for name in ["alpha", "beta", "gamma"] {
        let waited = elapsed(&lines[forced(name)]) - elapsed(&lines[stopping(name)]);
        assert!(waited >= 0.19, "{name} was forced after {waited:.2}s");
    }
    let host_stopped = with_message(&lines, "host stopped");
    assert!(host_stopped
        .iter()
        .all(|line| line.contains("\"force_stopped\": 0")));
    assert!(
        lines.iter().position(|l| l.contains("host stopped")) > Some(forced("gamma")),
        "hosts stop after the services:\n{lines:#?}"
    );
}

#[test]
fn a_second_signal_exits_at_once_with_code_one() {
    let project = project(
        &[("sleeper", SLEEPER)],
        &service("worker", "sleeper", "      stop_timeout: 1h\n"),
    );
    let mut served = Served::start(&project, &[]);
    served.wait_for("service started", 1);
    served.signal("INT");
    served.wait_for("service stopping", 1);
    served.signal("INT");
    let (code, lines, _) = served.finish();
    assert_eq!(code, Some(1), "{lines:#?}");
    assert!(with_message(&lines, "service force-stopped").is_empty());
}

#[test]
fn the_exec_result_decides_the_exit_and_a_service_ignoring_cancel_does_not_hold_it() {
    let cli = "local io = require('io') return { main = function() io.print('done') return 3 end }";
    let project = project(
        &[("sleeper", SLEEPER), ("cli", cli)],
        &service("worker", "sleeper", "      stop_timeout: 1h\n"),
    );
    let started = Instant::now();
    let run = project.run(&["run", "-x", "app:cli"]);
    assert_eq!(run.code, Some(3), "{run:?}");
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("done\n", ""));
    // The service gets at most the 1 s exec budget, never its hour.
    assert!(started.elapsed() < Duration::from_secs(30), "{run:?}");

    let verbose = project.run(&["run", "-v", "-x", "app:cli"]);
    assert_eq!(verbose.code, Some(3), "{verbose:?}");
    assert_eq!(verbose.stdout, "done\n");
    let stopping = verbose.stderr.find("\tservice stopping\t");
    let forced = verbose.stderr.find("\tservice force-stopped\t");
    assert!(stopping.is_some() && stopping < forced, "{verbose:?}");
}

/// `main` logs `waiting`, waits for its CANCEL, logs who sent it and why, and
/// returns `code`.
fn cancel_handler(code: i32) -> String {
    format!(
        "return {{ main = function() local events = process.events() print('waiting') local e = events:receive() print('got', e.kind, e.from, e.reason) return {code} end }}"
    )
}

#[test]
fn a_child_that_handles_cancel_stops_cleanly_within_stop_timeout() {
    let handler = cancel_handler(0);
    let project = project(
        &[("handler", &handler)],
        &service("worker", "handler", "      stop_timeout: 1h\n"),
    );
    let mut served = Served::start(&project, &[]);
    served.wait_for("service started", 1);
    served.signal("INT");
    let (code, lines, stderr) = served.finish();
    assert_eq!(code, Some(0), "{lines:#?}\n{stderr}");
    // The CANCEL comes from the start attempt's control PID (process.md §1, §11).
    let got = lines
        .iter()
        .find(|line| line.contains("\tgot pid.cancel"))
        .unwrap_or_else(|| panic!("no CANCEL seen:\n{lines:#?}"));
    assert!(
        got.contains("\tgot pid.cancel {node:control|0x00001} service stopping\t"),
        "{got}"
    );
    position(&lines, "service stopped", "worker");
    assert!(with_message(&lines, "service force-stopped").is_empty());
    assert!(with_message(&lines, "service restarting").is_empty());
}

#[test]
fn on_sigint_the_exec_process_gets_a_shutdown_cancel_and_its_result_is_the_exit_code() {
    let handler = cancel_handler(7);
    let project = project(&[("handler", &handler)], "");
    let mut served = Served::start(&project, &["-x", "app:handler"]);
    served.wait_for("\twaiting\t", 1);
    served.signal("INT");
    let (code, lines, stderr) = served.finish();
    assert_eq!(code, Some(7), "{lines:#?}\n{stderr}");
    let got = lines
        .iter()
        .find(|line| line.contains("\tgot pid.cancel"))
        .unwrap_or_else(|| panic!("no CANCEL seen:\n{lines:#?}"));
    assert!(
        got.contains("\tgot pid.cancel {|} scheduler shutdown\t"),
        "{got}"
    );
}

#[test]
fn a_terminated_child_is_restarted() {
    // Registered by the top level, which has run before the killer starts.
    let victim = "local time = require('time') process.registry.register('victim') return { main = function() time.sleep('1h') end }";
    let killer = "return { main = function() process.terminate('victim') end }";
    let lifecycle = "      stop_timeout: 100ms\n      restart: {initial_delay: 50ms}\n";
    let services = [
        service("victim_service", "victim", lifecycle),
        service(
            "killer_service",
            "killer",
            "      requires: [victim_service]\n",
        ),
    ]
    .concat();
    let project = project(&[("victim", victim), ("killer", killer)], &services);
    let mut served = Served::start(&project, &[]);
    served.wait_for("\"service\": \"app:victim_service\"", 4);
    served.signal("INT");
    let (code, lines, _) = served.finish();
    assert_eq!(code, Some(0));
    let failed = &lines[position(&lines, "service failed", "victim_service")];
    assert!(failed.contains("process terminated"), "{failed}");
    let restarted = with_message(&lines, "service started");
    assert_eq!(
        restarted
            .iter()
            .filter(|line| line.contains("app:victim_service"))
            .count(),
        2,
        "{lines:#?}"
    );
}

#[test]
fn no_service_restarts_once_shutdown_has_begun() {
    let flaky = "local time = require('time') return { main = function() time.sleep('100ms') error('boom') end }";
    let services = [
        service(
            "base",
            "flaky",
            "      restart: {initial_delay: 10ms, backoff_factor: 1.1}\n",
        ),
        // Holds the shutdown for a while: base stops only after it.
        service(
            "top",
            "sleeper",
            "      stop_timeout: 600ms\n      requires: [base]\n",
        ),
    ]
    .concat();
    let project = project(&[("flaky", flaky), ("sleeper", SLEEPER)], &services);
    let mut served = Served::start(&project, &[]);
    served.wait_for("\"service\": \"app:base\"", 6);
    served.signal("INT");
    let (code, lines, _) = served.finish();
    assert_eq!(code, Some(0));
    let shutdown = position(&lines, "service stopping", "top");
    assert!(
        !lines[shutdown..]
            .iter()
            .any(|line| line.contains("\tservice started\t")),
        "{lines:#?}"
    );
}

#[test]
fn a_signal_after_the_exec_process_ended_keeps_its_exit_code() {
    let cli = "return { main = function() return 3 end }";
    let project = project(
        &[("sleeper", SLEEPER), ("cli", cli)],
        &service("worker", "sleeper", "      stop_timeout: 1h\n"),
    );
    let mut served = Served::start(&project, &["-x", "app:cli"]);
    // The service is stopping: the exec process has ended, and the runtime waits
    // up to its 1 s budget. A signal now (if the run has not already finished)
    // cuts that short without changing the result.
    served.wait_for("service stopping", 1);
    served.try_signal("INT");
    let (code, lines, _) = served.finish();
    assert_eq!(code, Some(3), "{lines:#?}");
}

#[test]
fn a_child_killed_by_a_sandbox_limit_is_restarted() {
    let hog = "local time = require('time') return { main = function() time.sleep('1h') end }";
    let mut entries = lua_entry("hog", "hog.lua", "    limits: {timeout: 100ms}\n");
    entries += &service(
        "hog_service",
        "hog",
        "      restart: {initial_delay: 50ms, max_attempts: 2}\n",
    );
    let index = index_with(&entries);
    let project = Project::new(&[("_index.yaml", &index), ("hog.lua", hog)]);
    let mut served = Served::start(&project, &[]);
    served.wait_for("service gave up", 1);
    served.signal("INT");
    let (code, lines, _) = served.finish();
    assert_eq!(code, Some(0));
    let failed = with_message(&lines, "service failed");
    assert_eq!(failed.len(), 2, "{lines:#?}");
    assert!(failed[0].contains("timeout after 100ms"), "{}", failed[0]);
    assert_eq!(
        with_message(&lines, "service restarting").len(),
        1,
        "{lines:#?}"
    );
}

/// Hosts that do not require one another stop together: two hosts whose processes
/// ignore CANCEL wait out their `stop_timeout`s at the same time, so SIGTERM takes
/// one timeout, not one per host.
#[test]
fn independent_hosts_wait_out_their_stop_timeouts_together() {
    let host = |name: &str| {
        format!("  - name: {name}\n    kind: process.host\n    lifecycle:\n      auto_start: true\n      stop_timeout: 1s\n")
    };
    let spawner = "return { main = function()
        assert(process.spawn('app:sleeper', 'app:left'))
        assert(process.spawn('app:sleeper', 'app:right'))
    end }";
    let entries = [
        host("left"),
        host("right"),
        service(
            "spawns",
            "spawner",
            "      requires: [app:left, app:right]\n",
        ),
    ]
    .concat();
    let project = project(&[("sleeper", SLEEPER), ("spawner", spawner)], &entries);
    let mut served = Served::start(&project, &[]);
    served.wait_for("service exited", 1);
    served.signal("TERM");
    let (code, lines, stderr) = served.finish();
    assert_eq!(code, Some(0), "{stderr}");
    let stopped = |host: &str| {
        let host = format!("\"host\": \"app:{host}\"");
        let line = with_message(&lines, "host stopped")
            .into_iter()
            .find(|line| line.contains(&host))
            .unwrap_or_else(|| panic!("no host stopped for {host}:\n{lines:#?}"));
        assert!(line.contains("\"force_stopped\": 1"), "{line}");
        elapsed(line)
    };
    let apart = (stopped("left") - stopped("right")).abs();
    assert!(
        apart < 0.9,
        "the hosts stopped {apart:.2}s apart:\n{lines:#?}"
    );
}
