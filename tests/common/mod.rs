//! Shared helpers for the integration tests: temporary projects and runs of the
//! real `wippy-wasm` binary.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub const BINARY: &str = env!("CARGO_BIN_EXE_wippy-wasm");

/// Longest any single run may take before the test fails instead of hanging.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// A project in a temporary directory: `wippy.lock` plus `src/` files.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    /// Writes `files` (paths relative to `src/`) and a lock file.
    pub fn new(files: &[(&str, &str)]) -> Project {
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::write(
            dir.path().join("wippy.lock"),
            "directories:\n  src: ./src\n",
        )
        .unwrap();
        for (path, text) in files {
            let path = dir.path().join("src").join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Project { dir }
    }

    /// The project directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `wippy-wasm ARGS` in the project with no stdin.
    pub fn run(&self, args: &[&str]) -> Run {
        run_in(self.path(), args, None)
    }

    /// Runs `wippy-wasm ARGS` in the project with `input` on stdin.
    pub fn run_with_input(&self, args: &[&str], input: &str) -> Run {
        run_in(self.path(), args, Some(input))
    }
}

/// A finished run.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// One compiled-guest cache for the whole test run, so each test does not pay for
/// a cranelift compile.
pub fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wippy-cache")
}

/// Runs the binary in `dir`, killing it if it outlives [`RUN_LIMIT`].
pub fn run_in(dir: &Path, args: &[&str], input: Option<&str>) -> Run {
    let mut child = Command::new(BINARY)
        .args(args)
        .current_dir(dir)
        .env("WIPPY_WASM_CACHE_DIR", cache_dir())
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    if let Some(input) = input {
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_string();
        std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
    }
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// An `_index.yaml` with a terminal host, a process host and `entries` (YAML text
/// of further list items, indented by two spaces).
pub fn index_with(entries: &str) -> String {
    format!(
        "namespace: app\nentries:\n  - name: terminal\n    kind: terminal.host\n    lifecycle:\n      auto_start: true\n  - name: processes\n    kind: process.host\n    lifecycle:\n      auto_start: true\n{entries}"
    )
}

/// A `process.lua` entry item for [`index_with`].
pub fn lua_entry(name: &str, file: &str, extra: &str) -> String {
    format!(
        "  - name: {name}\n    kind: process.lua\n    source: file://{file}\n    modules: [io, time]\n{extra}"
    )
}

/// A process that spawns `entries` in turn on `app:processes` and prints, for each,
/// its position and `spawned` or the spawn's error.
pub fn spawning_parent(entries: &[&str]) -> String {
    let list: Vec<String> = entries.iter().map(|entry| format!("'{entry}'")).collect();
    format!(
        "local io = require('io')
        return {{ main = function()
            for i, entry in ipairs({{ {} }}) do
                local pid, err = process.spawn(entry, 'app:processes')
                io.print(i, pid and 'spawned' or tostring(err))
            end
            return 0
        end }}",
        list.join(", ")
    )
}

/// What [`spawning_parent`] prints for four long-lived children under
/// `--max-processes 3`: the parent and two children fill the pool.
pub const TWO_OF_FOUR_SPAWNED: &str = "1\tspawned\n2\tspawned\n3\tprocess limit reached: 3 processes are alive\n4\tprocess limit reached: 3 processes are alive\n";

/// The workspace's `manifests/` directory.
pub fn manifests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../manifests")
}
