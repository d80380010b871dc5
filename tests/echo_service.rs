//! The echo service of the user's tutorial (echo-service.md), run unchanged from
//! `manifests/echo-service`: piped byte for byte, with its logs, and interactively on
//! a real pseudo-terminal.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{cache_dir, run_in, BINARY};

fn echo_dir() -> PathBuf {
    common::manifests_dir().join("echo-service")
}

const BANNER: &str = "\x1b[36mEcho Client\x1b[0m\n\
                      \x1b[2mEscriba mensajes para eco. Ctrl+C para salir.\n\x1b[0m\n";
const PROMPT: &str = "\x1b[33m> \x1b[0m";

fn reply(data: &str, worker: &str) -> String {
    format!("\x1b[32m  {data}\x1b[0m\n\x1b[2m  from worker: {worker}\x1b[0m\n")
}

/// The PIDs of the workers that answered, in order.
fn workers(stdout: &str) -> Vec<String> {
    stdout
        .split("from worker: ")
        .skip(1)
        .map(|rest| rest.split('\x1b').next().unwrap_or_default().to_string())
        .collect()
}

fn is_worker_pid(pid: &str) -> bool {
    let Some(uid) = pid
        .strip_prefix("{app:processes|0x")
        .and_then(|rest| rest.strip_suffix('}'))
    else {
        return false;
    };
    uid.len() >= 5
        && uid
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

#[test]
fn piped_input_gives_the_tutorial_output_byte_for_byte() {
    let run = run_in(
        &echo_dir(),
        &["run", "-x", "app:terminal/app:cli"],
        Some("hello world\n"),
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    let expected = format!(
        "{BANNER}{PROMPT}{}{PROMPT}\nAdiós!\n",
        reply("HELLO WORLD", "{app:processes|0x00004}")
    );
    assert_eq!(run.stdout, expected);
    assert_eq!(run.stderr, "", "-x is silent");
}

#[test]
fn every_line_gets_its_own_worker_and_an_empty_line_says_goodbye() {
    let run = run_in(
        &echo_dir(),
        &["run", "-x", "app:cli"],
        Some("uno\ndós ñ\n\nnever sent\n"),
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    let pids = workers(&run.stdout);
    assert_eq!(pids.len(), 2, "{run:?}");
    assert!(pids.iter().all(|pid| is_worker_pid(pid)), "{pids:?}");
    assert_ne!(pids[0], pids[1], "one worker per message");
    let expected = format!(
        "{BANNER}{PROMPT}{}{PROMPT}{}{PROMPT}\nAdiós!\n",
        reply("UNO", &pids[0]),
        // `string.upper` changes ASCII letters only.
        reply("DóS ñ", &pids[1]),
    );
    assert_eq!(run.stdout, expected);
    assert!(
        !run.stdout.contains("NEVER"),
        "input after the empty line is not read"
    );
}

/// A run whose stdin stays open, so the test decides when input ends.
struct Session {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Session {
    fn start(args: &[&str]) -> Session {
        Session::start_in(&echo_dir(), args)
    }

    fn start_in(dir: &std::path::Path, args: &[&str]) -> Session {
        let mut child = Command::new(BINARY)
            .args(args)
            .current_dir(dir)
            .env("WIPPY_WASM_CACHE_DIR", cache_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Session { child, lines }
    }

    fn type_line(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Reads stdout lines until one contains `needle`; all lines read so far.
    fn read_until(&mut self, needle: &str, within: Duration) -> Vec<String> {
        let deadline = Instant::now() + within;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(needle);
                    seen.push(line);
                    if found {
                        return seen;
                    }
                }
                Err(_) => panic!("no line with {needle:?} within {within:?}; saw {seen:#?}"),
            }
        }
    }

    fn finish(mut self) -> Option<i32> {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        None
    }
}

#[test]
fn console_logs_show_the_relay_starting_each_worker_exit_and_stats_every_five_seconds() {
    let mut session = Session::start(&["run", "-x", "app:terminal/app:cli", "-c"]);
    let started = session.read_until("relay started", Duration::from_secs(20));
    let started = started.last().unwrap();
    assert!(started.contains("\tINFO \t"), "{started}");
    assert!(started.contains("\"location\": \"app:relay:"), "{started}");

    session.type_line("hola");
    let seen = session.read_until("worker exited", Duration::from_secs(20));
    let exited = seen.last().unwrap();
    assert!(exited.contains("\"result\": {\"value\": 0}"), "{exited}");
    assert!(exited.contains("\"from\": \"{app:processes|0x"), "{exited}");

    let seen = session.read_until("\tstats\t", Duration::from_secs(20));
    let stats = seen.last().unwrap();
    assert!(stats.contains("\"messages\": 1"), "{stats}");
    assert!(stats.contains("\"workers_spawned\": 1"), "{stats}");
    // The line may follow the CLI's prompt, which has no newline.
    let elapsed = stats.split("s\t").next().unwrap();
    let elapsed: f64 = elapsed.rsplit([' ', 'm']).next().unwrap().parse().unwrap();
    assert!(
        elapsed >= 5.0,
        "the first stats line comes after 5 s: {stats}"
    );

    assert_eq!(session.finish(), Some(0));
}

/// A pseudo-terminal pair: the child gets the slave side as its controlling terminal.
fn open_pty() -> (OwnedFd, OwnedFd) {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two new descriptors; null name/termios/winsize are allowed.
    let result = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(result, 0, "openpty failed");
    // SAFETY: both descriptors were just opened and are owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

#[test]
fn an_interactive_session_on_a_real_terminal() {
    use std::os::unix::process::CommandExt;

    let (master, slave) = open_pty();
    let mut command = Command::new(BINARY);
    command
        .args(["run", "-x", "app:terminal/app:cli"])
        .current_dir(echo_dir())
        .env("WIPPY_WASM_CACHE_DIR", cache_dir())
        .env("TERM", "xterm")
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::setsid();
            libc::ioctl(0, libc::TIOCSCTTY, 0);
            Ok(())
        });
    }
    let mut child = command.spawn().expect("the binary starts");
    drop(command);

    let mut writer = std::fs::File::from(master.try_clone().unwrap());
    let mut reader = std::fs::File::from(master);
    let (send, chunks) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buffer) {
            if n == 0 || send.send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut screen = String::new();
    let wait_for = |needle: &str, screen: &mut String| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !screen.contains(needle) {
            let left = deadline.saturating_duration_since(Instant::now());
            match chunks.recv_timeout(left) {
                Ok(bytes) => screen.push_str(&String::from_utf8_lossy(&bytes)),
                Err(_) => panic!("{needle:?} never appeared; the screen shows {screen:?}"),
            }
        }
    };

    wait_for(PROMPT, &mut screen);
    assert!(screen.starts_with("\x1b[36mEcho Client"), "{screen:?}");
    writer.write_all(b"hello world\r").unwrap();
    wait_for("from worker: ", &mut screen);
    // The next prompt, before typing again: a key typed earlier is echoed before it.
    wait_for(&format!("}}\x1b[0m\r\n{PROMPT}"), &mut screen);
    // The terminal echoes what was typed; the replies follow on their own lines.
    let after_prompt = &screen[screen.find(PROMPT).unwrap() + PROMPT.len()..];
    assert!(
        after_prompt.starts_with("hello world\r\n\x1b[32m  HELLO WORLD\x1b[0m\r\n"),
        "{after_prompt:?}"
    );
    let worker = workers(&screen.replace("\r\n", "\n"));
    assert!(is_worker_pid(&worker[0]), "{worker:?}");

    writer.write_all(b"\r").unwrap();
    wait_for("Adiós!", &mut screen);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the client did not exit: {screen:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(0), "{screen:?}");
    assert!(screen.ends_with("\r\n\r\nAdiós!\r\n"), "{screen:?}");
}

/// The echo service with a relay that crashes on the line `crash` and a slow restart,
/// so the CLI sees the relay gone while the service restarts it.
fn crashing_relay_project() -> common::Project {
    let dir = echo_dir().join("src");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let relay = read("relay.lua");
    let hook = "local echo = msg:payload():data()";
    assert!(relay.contains(hook), "the tutorial relay changed");
    let relay = relay.replace(
        hook,
        &format!(
            "{hook}\n                if echo.data == \"crash\" then error(\"relay crashed\") end"
        ),
    );
    let index = read("_index.yaml").replace(
        "    process: app:relay\n    host: app:processes\n    lifecycle:\n      auto_start: true\n",
        "    process: app:relay\n    host: app:processes\n    lifecycle:\n      auto_start: true\n      restart:\n        initial_delay: 3s\n",
    );
    assert!(
        index.contains("initial_delay: 3s"),
        "the tutorial manifest changed"
    );
    common::Project::new(&[
        ("_index.yaml", &index),
        ("cli.lua", &read("cli.lua")),
        ("relay.lua", &relay),
        ("worker.lua", &read("worker.lua")),
    ])
}

#[test]
fn a_crashed_relay_is_restarted_and_the_cli_says_it_is_unavailable_meanwhile() {
    let project = crashing_relay_project();
    let mut session = Session::start_in(project.path(), &["run", "-x", "app:cli", "-c"]);
    session.read_until("relay started", Duration::from_secs(20));
    session.type_line("crash");
    let mut seen = session.read_until("  timeout", Duration::from_secs(20));
    // The service waits 3 s before the restart: the name is gone meanwhile.
    session.type_line("hola");
    seen.extend(session.read_until("  error: relay no disponible", Duration::from_secs(20)));
    seen.extend(session.read_until("relay started", Duration::from_secs(20)));
    assert!(
        seen.iter().any(|line| line.contains("service restarting")),
        "{seen:#?}"
    );
    session.type_line("de nuevo");
    session.read_until("DE NUEVO", Duration::from_secs(20));
    assert_eq!(session.finish(), Some(0));
}
