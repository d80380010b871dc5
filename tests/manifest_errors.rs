//! `wippy-wasm run` refuses to start on a broken manifest: stderr carries
//! `Error: <file>:<line>:<column>: <what was expected>` and the exit code is 1.
//!
//! Each test writes a small project (a `wippy.lock` plus files under `src/`) into a
//! temporary directory and runs the real binary there.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LOCK: &str = "directories:\n  modules: .wippy\n  src: ./src\n";

/// How long a run that should fail at load time may take before the test gives up.
const RUN_LIMIT: Duration = Duration::from_secs(30);

/// Writes the project files (paths relative to the project) next to a standard lock.
fn write_project(dir: &Path, files: &[(&str, &str)]) {
    fs::write(dir.join("wippy.lock"), LOCK).expect("write wippy.lock");
    fs::create_dir_all(dir.join("src")).expect("create src");
    for (path, text) in files {
        let full = dir.join(path);
        fs::create_dir_all(full.parent().expect("file has a parent")).expect("create dirs");
        fs::write(full, text).expect("write project file");
    }
}

/// Runs `wippy-wasm <args>` in `dir`; returns (exit code, stderr).
fn run_in(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wippy-wasm"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wippy-wasm");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll wippy-wasm") {
            break status;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("wippy-wasm {args:?} still running after {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        pipe.read_to_string(&mut stderr).expect("read stderr");
    }
    (status.code(), stderr)
}

/// Writes the project, runs `args`, and checks for exit code 1 and `Error: <expected>`.
fn assert_fails_with(files: &[(&str, &str)], args: &[&str], expected: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    write_project(dir.path(), files);
    let (code, stderr) = run_in(dir.path(), args);
    assert_eq!(code, Some(1), "exit code; stderr:\n{stderr}");
    let line = format!("Error: {expected}");
    assert!(
        stderr.contains(&line),
        "stderr should contain\n  {line}\nbut was:\n{stderr}"
    );
}

/// `wippy-wasm run` with one `src/_index.yaml`.
fn assert_index_fails_with(index: &str, expected: &str) {
    assert_fails_with(&[("src/_index.yaml", index)], &["run"], expected);
}

#[test]
fn yaml_syntax_error() {
    assert_index_fails_with(
        "namespace: app\nentries:\n  - name: a\n   kind: b\n",
        "src/_index.yaml:4:4: invalid YAML: did not find expected '-' indicator, while parsing a block collection at line 3 column 3",
    );
}

#[test]
fn namespace_without_entries() {
    assert_index_fails_with(
        "namespace: app\n",
        "src/_index.yaml:1:12: namespace 'app' is set but the file has neither an 'entries' list nor a top-level 'name' and 'kind'",
    );
}

#[test]
fn entries_not_a_list() {
    assert_index_fails_with(
        "namespace: app\nentries:\n  name: a\n",
        "src/_index.yaml:3:3: entries: expected a list of entries, found a mapping",
    );
}

#[test]
fn entry_without_name() {
    assert_index_fails_with(
        "namespace: app\nentries:\n  - name: a\n    kind: process.lua\n    source: x\n  - kind: process.lua\n    source: y\n",
        "src/_index.yaml:6:5: entry 2 has no 'name' (expected a non-empty string)",
    );
}

#[test]
fn entry_without_kind() {
    assert_index_fails_with(
        "namespace: app\nentries:\n  - name: a\n",
        "src/_index.yaml:3:5: entry 1 has no 'kind' (expected a non-empty string)",
    );
}

#[test]
fn entry_with_non_string_name() {
    assert_index_fails_with(
        "namespace: app\nentries:\n  - name: 42\n    kind: process.lua\n",
        "src/_index.yaml:3:11: name: expected a non-empty string, found integer 42",
    );
}

#[test]
fn wrong_field_type() {
    assert_index_fails_with(
        "namespace: app\nentries:\n  - name: t\n    kind: terminal.host\n    lifecycle:\n      auto_start: \"yes\"\n",
        "src/_index.yaml:6:19: lifecycle.auto_start: expected a boolean, found string \"yes\"",
    );
}

#[test]
fn modules_not_a_list() {
    assert_index_fails_with(
        "namespace: app\nentries:\n  - name: w\n    kind: process.lua\n    source: x\n    modules: io\n",
        "src/_index.yaml:6:14: modules: expected a list, found string \"io\"",
    );
}

#[test]
fn bad_duration() {
    assert_index_fails_with(
        "namespace: app\nentries:\n  - name: t\n    kind: terminal.host\n    lifecycle:\n      stop_timeout: 1d\n",
        "src/_index.yaml:6:21: lifecycle.stop_timeout: time: unknown unit \"d\" in duration \"1d\"",
    );
}

#[test]
fn bad_memory_size() {
    assert_index_fails_with(
        "namespace: app\nentries:\n  - name: w\n    kind: process.lua\n    source: x\n    limits:\n      memory: 64M\n",
        "src/_index.yaml:7:15: limits.memory: expected a size such as \"64MiB\" (units B, KiB, MiB, GiB, KB, MB, GB) or a positive integer of bytes, found string \"64M\"",
    );
}

#[test]
fn unknown_module() {
    assert_index_fails_with(
        "namespace: app\nentries:\n  - name: w\n    kind: process.lua\n    source: x\n    modules:\n      - time\n      - tim\n",
        "src/_index.yaml:8:9: unknown module 'tim' (expected one of: time, io, logger, json, process, channel, errors, payload, coroutine, string, table, math, os)",
    );
}

#[test]
fn missing_file_reference() {
    assert_index_fails_with(
        "namespace: app\nentries:\n  - name: w\n    kind: process.lua\n    source: file://missing.lua\n",
        "src/_index.yaml:5:13: file://missing.lua: file not found (src/missing.lua)",
    );
}

#[test]
fn file_reference_escaping_the_root() {
    assert_fails_with(
        &[
            (
                "src/_index.yaml",
                "namespace: app\nentries:\n  - name: w\n    kind: process.lua\n    source: file://../secret.lua\n",
            ),
            ("secret.lua", "return 1"),
        ],
        &["run"],
        "src/_index.yaml:5:13: file://../secret.lua: path escapes the source root",
    );
}

#[test]
fn service_with_missing_process() {
    assert_index_fails_with(
        "namespace: app\nentries:\n  - name: h\n    kind: process.host\n  - name: s\n    kind: process.service\n    process: nope\n    host: app:h\n",
        "src/_index.yaml:7:14: process: entry 'app:nope' not found (expected a process.lua entry)",
    );
}

#[test]
fn service_with_wrong_host_kind() {
    assert_index_fails_with(
        "namespace: app\nentries:\n  - name: w\n    kind: process.lua\n    source: x\n  - name: s\n    kind: process.service\n    process: w\n    host: app:w\n",
        "src/_index.yaml:9:11: host: 'app:w' is a process.lua, expected a process.host or terminal.host entry",
    );
}

#[test]
fn missing_required_dependency() {
    assert_index_fails_with(
        "namespace: app\nentries:\n  - name: h\n    kind: process.host\n    lifecycle:\n      requires: [db]\n",
        "src/_index.yaml:6:18: lifecycle.requires[0]: entry 'app:db' not found (expected an entry to start first)",
    );
}

#[test]
fn dependency_cycle() {
    assert_index_fails_with(
        "namespace: app\nentries:\n  - name: a\n    kind: process.host\n    lifecycle:\n      requires: [b]\n  - name: b\n    kind: process.host\n    lifecycle:\n      requires: [a]\n",
        "src/_index.yaml:10:18: lifecycle.requires[0]: dependency cycle app:a -> app:b -> app:a",
    );
}

#[test]
fn error_in_a_json_definition() {
    assert_fails_with(
        &[(
            "src/defs.json",
            "{\n  \"namespace\": \"app\",\n  \"entries\": [\n    {\"name\": \"h\", \"kind\": \"terminal.host\", \"hide_logs\": \"no\"}\n  ]\n}\n",
        )],
        &["run"],
        "src/defs.json:4:57: hide_logs: expected a boolean, found string \"no\"",
    );
}

#[test]
fn error_in_a_nested_file_referring_to_another() {
    assert_fails_with(
        &[
            (
                "src/_index.yaml",
                "namespace: app\nentries:\n  - name: h\n    kind: process.host\n",
            ),
            (
                "src/svc/_index.yaml",
                "namespace: svc\nentries:\n  - name: s\n    kind: process.service\n    process: app:h\n    host: app:h\n",
            ),
        ],
        &["run"],
        "src/svc/_index.yaml:5:14: process: 'app:h' is a process.host, expected a process.lua entry",
    );
}

#[test]
fn exec_also_refuses_a_broken_manifest() {
    assert_fails_with(
        &[(
            "src/_index.yaml",
            "namespace: app\nentries:\n  - name: cli\n    kind: process.lua\n    source: file://missing.lua\n",
        )],
        &["run", "-x", "app:cli"],
        "src/_index.yaml:5:13: file://missing.lua: file not found (src/missing.lua)",
    );
}

#[test]
fn missing_source_directory_names_the_lock() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("wippy.lock"), LOCK).expect("write wippy.lock");
    let (code, stderr) = run_in(dir.path(), &["run"]);
    assert_eq!(code, Some(1), "exit code; stderr:\n{stderr}");
    let line = "Error: wippy.lock:3:8: directories.src: source directory \"./src\" does not exist";
    assert!(
        stderr.contains(line),
        "stderr should contain\n  {line}\nbut was:\n{stderr}"
    );
}
