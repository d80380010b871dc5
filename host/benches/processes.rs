//! Process benchmarks: spawn + exit rate (sequential and batched), memory per idle
//! process (resident and proportional, see [`idle_memory`]), in real wasm instances. Run with `cargo bench -p wippy-wasm`
//! (or `bench/run.sh`, which also times start-up and runs the Erlang anchor).
//!
//! Prints `RESULT <name> key=value ...` lines with the median of `REPS` runs.
//! `WORKERS=n` sets tokio's worker threads (default: one per core).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use wippy_wasm::bindings::{ErrorInfo, ExitResult, Level, Payload, Signal, SpawnOptions};
use wippy_wasm::engine::{Capacity, WasmEngine};
use wippy_wasm::logging::{LogMode, LogSink};
use wippy_wasm::manifest;
use wippy_wasm::runtime::{HostKind, Runtime, SpawnRequest};
use wippy_wasm::sandbox::{Limits, SharedLimits};

// mimalloc's own C API, linked in with the allocator.
extern "C" {
    fn mi_collect(force: bool);
}

/// The allocator of the `wippy-wasm` binary (`host/src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const HOST: &str = "app:processes";

fn main() -> anyhow::Result<()> {
    let reps = env_number("REPS", 5);
    let seq_n = env_number("SEQ_N", 20_000);
    let batch_n = env_number("BATCH_N", 20_000);
    let project = tempfile::tempdir()?;
    write_project(project.path())?;
    let manifest = manifest::load_project(project.path())?;
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    tokio.block_on(async {
        let log = LogSink::new(LogMode::Silent, Level::Info);
        // Room for every child of a batch alive at once, and the spawner.
        let capacity = Capacity {
            max_processes: u32::try_from(batch_n + 1)?.max(Capacity::default().max_processes),
            ..Capacity::default()
        };
        let engine = WasmEngine::new(&log, &capacity)?;
        let (events, _) = tokio::sync::mpsc::unbounded_channel();
        let runtime = Runtime::new(
            engine,
            manifest,
            log,
            Limits::default(),
            SharedLimits::default(),
            events,
        );
        runtime.start_host(HOST, HostKind::Process);

        // Idle memory first: pool slots stay resident once touched, so the baseline
        // must be taken before any process ran. Memory the allocator still holds from
        // compiling the guest (an empty cache) goes back first, or the processes
        // would reuse it unseen (one sitting measured 14 KiB per process that way).
        // SAFETY: `mi_collect` only returns free memory to the system.
        unsafe { mi_collect(true) };
        let baseline = Memory::now();
        for n in [1_000, 10_000] {
            let name = format!("idle_memory_{n}");
            if selected(&name) {
                let values = repeat(reps, || idle_memory(&runtime, n, baseline)).await;
                report(
                    &name,
                    "rss_bytes_per_process",
                    values.iter().map(|memory| memory.resident).collect(),
                );
                report(
                    &format!("{name}_pss"),
                    "pss_bytes_per_process",
                    values.iter().map(|memory| memory.proportional).collect(),
                );
            }
        }
        if selected("wake_latency") {
            let values = repeat(reps, || wake_latency(&runtime, 2_000)).await;
            report("wake_latency", "microseconds", values);
        }
        if selected("spawn_exit_seq") {
            let values = repeat(reps, || spawn_exit(&runtime, "seq", seq_n)).await;
            report("spawn_exit_seq", "per_sec", values);
        }
        if selected("spawn_exit_batch") {
            let values = repeat(reps, || spawn_exit(&runtime, "batch", batch_n)).await;
            report("spawn_exit_batch", "per_sec", values);
        }
        anyhow::Ok(())
    })
}

fn write_project(dir: &Path) -> std::io::Result<()> {
    std::fs::write(dir.join("wippy.lock"), "directories:\n  src: ./src\n")?;
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("src/_index.yaml"),
        r#"namespace: app
entries:
  - name: processes
    kind: process.host
  - name: quick
    kind: process.lua
    source: "return { main = function() end }"
  - name: idle
    kind: process.lua
    modules: [time]
    source: "local time = require('time') return { main = function() time.sleep('1h') end }"
  - name: spawner
    kind: process.lua
    source: |
      local function spawn()
        local pid, err = process.spawn_monitored('app:quick', 'app:processes')
        if not pid then error(err) end
      end
      local function exited(events)
        local event = events:receive()
        if event.kind ~= process.event.EXIT then error('expected EXIT, got ' .. tostring(event.kind)) end
      end
      return { main = function(mode, n)
        n = tonumber(n)
        local events = process.events()
        if mode == 'seq' then
          for _ = 1, n do spawn() exited(events) end
        else
          for _ = 1, n do spawn() end
          for _ = 1, n do exited(events) end
        end
      end }
"#,
    )
}

fn request(entry: &str) -> SpawnRequest {
    SpawnRequest {
        entry: entry.into(),
        host: HOST.into(),
        args: Vec::new(),
        cli_args: Vec::new(),
        parent: None,
        options: SpawnOptions::empty(),
    }
}

/// Processes spawned and exited per second, as the anchor measures them: one process
/// spawns `n` monitored children that return at once and takes their EXIT events,
/// each before the next spawn (`seq`) or all after the last (`batch`).
async fn spawn_exit(runtime: &Arc<Runtime>, mode: &str, n: usize) -> f64 {
    let started = Instant::now();
    let spawner = runtime
        .spawn(SpawnRequest {
            args: vec![Payload::text(mode), Payload::text(&n.to_string())],
            ..request("app:spawner")
        })
        .expect("spawn");
    let exit = spawner.wait_exit().await;
    let elapsed = started.elapsed();
    assert!(
        matches!(exit, ExitResult::Value(_)),
        "the spawner failed: {exit:?}"
    );
    runtime.wait_idle().await;
    n as f64 / elapsed.as_secs_f64()
}

/// Median microseconds from a signal landing in an idle process's mailbox to the
/// guest taking it: the task wakes, `run` enters the guest, which drains the mailbox
/// and answers `waiting` again (the blocking model's wake-up path).
async fn wake_latency(runtime: &Arc<Runtime>, n: usize) -> f64 {
    let process = runtime.spawn(request("app:idle")).expect("spawn");
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let sent = Instant::now();
        // A timer id the guest never armed: woken, it finds nothing to resume.
        let _ = process.mailbox.push(Signal::Timer(u64::MAX));
        while !process.mailbox.is_empty() {
            tokio::task::yield_now().await;
        }
        samples.push(sent.elapsed().as_secs_f64() * 1e6);
    }
    process.kill(ErrorInfo::new("Canceled", "benchmark done"));
    runtime.wait_idle().await;
    samples.sort_by(f64::total_cmp);
    samples[n / 2]
}

/// Whether the benchmark is wanted: `ONLY=name,name` picks some, default all.
fn selected(name: &str) -> bool {
    std::env::var("ONLY").map_or(true, |only| only.split(',').any(|wanted| wanted == name))
}

/// Resident and proportional bytes each of `n` processes waiting in `time.sleep`
/// adds to `baseline`, the memory before any process ran.
///
/// Resident (VmRSS) counts a page of the guest's snapshot once per process that maps
/// it, though all of them share one copy; proportional (Pss) counts each page once,
/// split among its mappers, which is the memory the processes actually cost.
async fn idle_memory(runtime: &Arc<Runtime>, n: usize, baseline: Memory) -> Memory {
    let mut processes = Vec::with_capacity(n);
    for _ in 0..n {
        processes.push(runtime.spawn(request("app:idle")).expect("spawn"));
    }
    // Let every process run into its sleep.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let used = Memory::now();
    for process in &processes {
        process.kill(ErrorInfo::new("Canceled", "benchmark done"));
    }
    runtime.wait_idle().await;
    let after = Memory::now();
    println!(
        "INFO idle_memory_{n} after every process ended, over the start: VmRSS {:.0} MiB, Pss {:.0} MiB",
        (after.resident - baseline.resident) / (1024.0 * 1024.0),
        (after.proportional - baseline.proportional) / (1024.0 * 1024.0)
    );
    Memory {
        resident: (used.resident - baseline.resident) / n as f64,
        proportional: (used.proportional - baseline.proportional) / n as f64,
    }
}

/// The benchmark's own memory, in bytes.
#[derive(Clone, Copy)]
struct Memory {
    /// `VmRSS` of `/proc/self/status`.
    resident: f64,
    /// `Pss` of `/proc/self/smaps_rollup`.
    proportional: f64,
}

impl Memory {
    fn now() -> Memory {
        Memory {
            resident: kib_field("/proc/self/status", "VmRSS:") * 1024.0,
            proportional: kib_field("/proc/self/smaps_rollup", "Pss:") * 1024.0,
        }
    }
}

/// The value of a `Name:   123 kB` line of a `/proc` file; 0 when absent.
fn kib_field(path: &str, name: &str) -> f64 {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0)
}

/// `reps` measurements, one after another.
async fn repeat<T, F, Fut>(reps: usize, mut measure: F) -> Vec<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut values = Vec::with_capacity(reps);
    for _ in 0..reps {
        values.push(measure().await);
    }
    values
}

/// Prints the median, min and max of `values`.
fn report(name: &str, key: &str, mut values: Vec<f64>) {
    values.sort_by(f64::total_cmp);
    println!(
        "RESULT {name} {key}_median={:.1} min={:.1} max={:.1} reps={}",
        values[values.len() / 2],
        values[0],
        values[values.len() - 1],
        values.len()
    );
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
