//! Guests that hand the host garbage through the component ABI: dangling pointers,
//! impossible discriminants, invalid UTF-8, payloads whose indices point nowhere.
//! Each is a real component built from hand-written wasm; the host must turn every
//! one into that process's error and keep running.

use std::sync::Arc;
use std::time::Duration;

use wippy_wasm::bindings::{ExitResult, Level, Signal, SpawnOptions};
use wippy_wasm::engine::{Capacity, WasmEngine};
use wippy_wasm::logging::{payload_json, LogMode, LogSink};
use wippy_wasm::manifest;
use wippy_wasm::pid::Pid;
use wippy_wasm::runtime::{HostKind, Runtime, SpawnRequest};
use wippy_wasm::sandbox::{Limits, SharedLimits};
use wippy_wasm::table::ProcessHandle;

/// A start that succeeds: `result::ok(start-step::started)` at address 256.
const START_OK: &str = "(i32.store8 (i32.const 256) (i32.const 0)) (i32.const 256)";

/// A start (or resume-start) whose top level never ends:
/// `result::ok(start-step::running)` at address 256.
const START_RUNNING: &str = "(i32.store8 (i32.const 256) (i32.const 0))
                             (i32.store8 (i32.const 260) (i32.const 1)) (i32.const 256)";

/// A core module implementing the guest exports with the given bodies, and a data
/// segment at 600 holding two bytes that are not UTF-8 and one at 640 holding a
/// panic message (19 bytes). `$report_panic` is the host's `process.report-panic`.
fn core_module(start_body: &str, run_body: &str) -> String {
    format!(
        r#"(module
  (import "wippy:runtime/process@0.1.0" "report-panic" (func $report_panic (param i32 i32)))
  (memory (export "memory") 2)
  (data (i32.const 600) "\ff\fe")
  (data (i32.const 640) "index out of bounds")
  (global $bump (mut i32) (i32.const 4096))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $at i32)
    (local.set $at (global.get $bump))
    (global.set $bump
      (i32.and (i32.add (i32.add (global.get $bump) (local.get 3)) (i32.const 7)) (i32.const -8)))
    (local.get $at))
  (func (export "wippy:runtime/guest@0.1.0#initialize"))
  (func (export "wippy:runtime/guest@0.1.0#start")
    (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i64 i32) (result i32)
    {start_body})
  (func (export "wippy:runtime/guest@0.1.0#resume-start") (param i32) (result i32)
    {start_body})
  (func (export "wippy:runtime/guest@0.1.0#run") (param i32) (result i32)
    {run_body}))"#
    )
}

/// The core module wrapped into a component of the `process-world` world.
fn component(start_body: &str, run_body: &str) -> Vec<u8> {
    let mut resolve = wit_parser::Resolve::default();
    let wit = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
    let (package, _) = resolve.push_path(wit).expect("the WIT parses");
    let world = resolve
        .select_world(&[package], Some("process-world"))
        .expect("the world exists");
    let mut module = wat::parse_str(core_module(start_body, run_body)).expect("the WAT parses");
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .expect("metadata embeds");
    wit_component::ComponentEncoder::default()
        .module(&module)
        .expect("the module is accepted")
        .validate(true)
        .encode()
        .expect("the component encodes")
}

/// A runtime whose every process runs `guest`, plus a watcher that monitors them.
fn runtime_with(guest: &[u8]) -> (Arc<Runtime>, Arc<ProcessHandle>, tempfile::TempDir) {
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("wippy.lock"),
        "directories:\n  src: ./src\n",
    )
    .unwrap();
    std::fs::create_dir_all(project.path().join("src")).unwrap();
    std::fs::write(
        project.path().join("src/_index.yaml"),
        "namespace: app\nentries:\n  - name: hostile\n    kind: process.lua\n    source: 'unused'\n",
    )
    .unwrap();
    let manifest = manifest::load_project(project.path()).unwrap();
    let engine =
        WasmEngine::with_guest(&Capacity::default(), guest).expect("the engine links the guest");
    let (events, _) = tokio::sync::mpsc::unbounded_channel();
    let log = LogSink::new(LogMode::Silent, Level::Info);
    let runtime = Runtime::new(
        engine,
        manifest,
        log,
        Limits::default(),
        SharedLimits::default(),
        events,
    );
    runtime.start_host("app:host", HostKind::Process);
    let watcher = Arc::new(ProcessHandle::new(
        Pid {
            host: "app:host".into(),
            uid: 999_999,
        },
        "test:watcher".into(),
        false,
        Vec::new(),
        runtime.mailbox(),
    ));
    runtime.processes.insert(watcher.clone());
    (runtime, watcher, project)
}

/// Spawns a hostile process monitored by `watcher`; its PID, or the spawn error.
fn spawn(runtime: &Arc<Runtime>, watcher: &Arc<ProcessHandle>) -> Result<String, String> {
    runtime
        .spawn(SpawnRequest {
            entry: "app:hostile".into(),
            host: "app:host".into(),
            args: Vec::new(),
            cli_args: Vec::new(),
            parent: Some(watcher.clone()),
            options: SpawnOptions::MONITOR,
        })
        .map(|process| process.pid_text.clone())
        .map_err(|error| error.message)
}

/// The EXIT event the watcher gets for the hostile process.
async fn exit_of(watcher: &ProcessHandle) -> ExitResult {
    tokio::time::timeout(Duration::from_secs(10), watcher.mailbox.wait())
        .await
        .expect("the hostile process ends");
    match watcher.mailbox.pop(true) {
        Some(Signal::Exit(event)) => event.outcome,
        _ => panic!("expected an EXIT event"),
    }
}

/// Runs a process whose `start` succeeds and whose `run` is `run_body`; the error
/// it ends with.
async fn failure_of(run_body: &str) -> String {
    let (runtime, watcher, _project) = runtime_with(&component(START_OK, run_body));
    spawn(&runtime, &watcher).expect("start succeeds");
    match exit_of(&watcher).await {
        ExitResult::Failure(error) => error.message,
        ExitResult::Value(_) => panic!("a broken guest cannot succeed"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dangling_pointer_from_start_fails_the_spawn() {
    let guest = component("(i32.const 0x7ffffff0)", "(unreachable)");
    let (runtime, watcher, _project) = runtime_with(&guest);
    let error = spawn(&runtime, &watcher).expect_err("the spawn fails");
    assert!(error.starts_with("guest broke the ABI: "), "{error}");
    // The host is unharmed: the next hostile spawn is handled the same way.
    let again = spawn(&runtime, &watcher).expect_err("the spawn fails again");
    assert_eq!(again, error);
    assert_eq!(runtime.processes.len(), 1, "only the watcher is left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_top_level_that_never_ends_fails_the_spawn_after_the_slice_limit() {
    // Each `resume-start` returns at once, so no epoch deadline inside the guest
    // stops it: the host's own clock must.
    let (runtime, watcher, _project) = runtime_with(&component(START_RUNNING, "(unreachable)"));
    let error = spawn(&runtime, &watcher).expect_err("the spawn fails");
    assert_eq!(
        error,
        "failed to execute script: cpu slice limit of 2s exceeded (one step of the guest ran too long)"
    );
    assert_eq!(runtime.processes.len(), 1, "only the watcher is left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impossible_discriminant_ends_the_process() {
    let error = failure_of("(i32.store8 (i32.const 512) (i32.const 9)) (i32.const 512)").await;
    assert!(error.starts_with("guest broke the ABI: "), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_in_an_error_ends_the_process() {
    // step::finished(exit-result::failure({kind: "", message: <ff fe>, retryable: none}))
    let run = "(i32.store8 (i32.const 512) (i32.const 2))
               (i32.store8 (i32.const 516) (i32.const 1))
               (i32.store (i32.const 520) (i32.const 0)) (i32.store (i32.const 524) (i32.const 0))
               (i32.store (i32.const 528) (i32.const 600)) (i32.store (i32.const 532) (i32.const 2))
               (i32.store8 (i32.const 536) (i32.const 0))
               (i32.const 512)";
    let error = failure_of(run).await;
    assert!(error.starts_with("guest broke the ABI: "), "{error}");
    assert!(error.contains("utf-8"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payload_pointing_nowhere_is_delivered_without_harm() {
    // step::finished(exit-result::value({nodes: [table([{key: 7, value: 9}])]}))
    // The node list (one node, 8-aligned) is at 704; node = discriminant 5 (table) + list at
    // +8; the entry list (one entry) is at 800.
    let run = "(i32.store8 (i32.const 512) (i32.const 2))
               (i32.store8 (i32.const 516) (i32.const 0))
               (i32.store (i32.const 520) (i32.const 704)) (i32.store (i32.const 524) (i32.const 1))
               (i32.store8 (i32.const 704) (i32.const 5))
               (i32.store (i32.const 712) (i32.const 800)) (i32.store (i32.const 716) (i32.const 1))
               (i32.store (i32.const 800) (i32.const 7)) (i32.store (i32.const 804) (i32.const 9))
               (i32.const 512)";
    let (runtime, watcher, _project) = runtime_with(&component(START_OK, run));
    spawn(&runtime, &watcher).expect("start succeeds");
    match exit_of(&watcher).await {
        ExitResult::Value(payload) => assert_eq!(payload_json(&payload), "{\"\": null}"),
        ExitResult::Failure(error) => panic!("unexpected failure: {}", error.message),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_panic_becomes_the_process_error() {
    // What the guest's panic hook does: report, then abort.
    let run = "(call $report_panic (i32.const 640) (i32.const 19)) (unreachable)";
    assert_eq!(failure_of(run).await, "guest panicked: index out of bounds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trap_without_a_panic_report_is_named() {
    assert_eq!(
        failure_of("(unreachable)").await,
        "guest trapped: wasm `unreachable` instruction executed"
    );
}
