//! The `wippy-wasm` command line (manifest.md §5–7).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::api::timer::DEFAULT_PENDING_TIMERS;
use crate::bindings::{ExitResult, Level, Node, Payload, SpawnOptions};
use crate::duration::parse_go_duration;
use crate::engine::{Capacity, FuelLimited, WasmEngine, DEFAULT_MAX_PROCESSES};
use crate::logging::{LogMode, LogSink};
use crate::manifest::{self, Kind, Manifest};
use crate::runtime::{Runtime, RuntimeEvent, SpawnRequest, THREAD_STACK_BYTES};
use crate::sandbox::{Limits, SharedLimits, MAX_MEMORY_BYTES};
use crate::supervisor::{self, Supervisor};

/// A sandboxed actor runtime for Wippy Lua applications.
#[derive(Parser)]
#[command(name = "wippy-wasm", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes a `wippy.lock` in the current directory.
    Init(InitArgs),
    /// Loads the project in the current directory and runs it.
    Run(RunArgs),
}

#[derive(Args)]
struct InitArgs {
    /// Source directory recorded in the lock.
    #[arg(short = 'd', long = "src-dir", default_value = "./src")]
    src_dir: String,
    /// Directory for hub modules.
    #[arg(long = "modules-dir", default_value = ".wippy")]
    modules_dir: String,
    /// Lock file to write.
    #[arg(short = 'l', long = "lock-file", default_value = "wippy.lock")]
    lock_file: String,
}

#[derive(Args)]
struct RunArgs {
    /// Entry to run on a terminal host: `ns:entry` or `HOST/ENTRY`.
    #[arg(short = 'x', long = "exec")]
    exec: Option<String>,
    /// Host for `-x` (default: the only terminal.host).
    #[arg(long)]
    host: Option<String>,
    /// Debug-level logs.
    #[arg(short, long)]
    verbose: bool,
    /// No logs at all.
    #[arg(short, long)]
    silent: bool,
    /// Human-friendly logs on stdout.
    #[arg(short, long)]
    console: bool,
    /// Memory ceiling of each process that sets none (`64MiB`, `512KiB`, bytes).
    #[arg(short = 'm', long = "memory-limit")]
    memory_limit: Option<String>,
    /// Fuel (wasm instructions) of each process that sets none.
    #[arg(long)]
    fuel: Option<u64>,
    /// Wall-clock lifetime of each process that sets none (`5s`, `1m30s`).
    #[arg(long)]
    timeout: Option<String>,
    /// Live processes at most (instance pool size); a spawn past it fails.
    #[arg(long = "max-processes", default_value_t = DEFAULT_MAX_PROCESSES)]
    max_processes: u32,
    /// Bytes of memory all processes may grow into together, beyond what each
    /// starts with (`8GiB`; default: half of the machine's); a process growing
    /// past it is stopped.
    #[arg(long = "total-memory")]
    total_memory: Option<String>,
    /// Bytes of messages all mailboxes hold together (`1GiB`, `64MiB`); a send
    /// past it fails.
    #[arg(long = "message-memory")]
    message_memory: Option<String>,
    /// Timers all processes may have pending together; a process arming one past
    /// it is stopped.
    #[arg(long = "max-timers", default_value_t = DEFAULT_PENDING_TIMERS)]
    max_timers: usize,
    /// Arguments for the `-x` process; without `-x`, a command name (an entry's
    /// `meta.command.name`) and its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Init(args) => init(&args),
        Command::Run(args) => run(args),
    };
    result.unwrap_or_else(|error| {
        eprintln!("Error: {error:#}");
        1
    })
}

fn init(args: &InitArgs) -> anyhow::Result<i32> {
    manifest::write_lock(Path::new(&args.lock_file), &args.src_dir, &args.modules_dir)?;
    Ok(0)
}

/// Where `-x` runs: a host and an entry.
struct ExecTarget {
    host: String,
    entry: String,
}

fn run(args: RunArgs) -> anyhow::Result<i32> {
    let manifest = manifest::load_project(Path::new("."))?;
    let (exec, cli_args) = match (&args.exec, args.args.split_first()) {
        (Some(spec), _) => (
            Some(exec_target(spec, args.host.as_deref(), &manifest)?),
            args.args.clone(),
        ),
        (None, Some((command, rest))) => {
            let entry = manifest.command(command).ok_or_else(|| {
                anyhow::anyhow!(
                    "unknown command '{command}': no process.lua entry has meta.command.name: {command}"
                )
            })?;
            let target = exec_target(&entry.id, args.host.as_deref(), &manifest)?;
            (Some(target), rest.to_vec())
        }
        (None, None) => (None, Vec::new()),
    };
    let limits = default_limits(&args)?;
    let shared = shared_limits(&args)?;
    anyhow::ensure!(
        args.max_processes > 0,
        "--max-processes: expected a positive number"
    );
    let capacity = capacity(&manifest, &limits, args.max_processes);
    let log = LogSink::new(
        log_mode(&args, exec.is_some()),
        if args.verbose {
            Level::Debug
        } else {
            Level::Info
        },
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(THREAD_STACK_BYTES)
        .build()?;
    let code = runtime.block_on(serve(
        manifest, exec, cli_args, limits, capacity, shared, log,
    ));
    // Shutdown has already stopped every process; a guest step still holding a
    // worker (a second SIGINT) must not delay the exit.
    runtime.shutdown_background();
    code
}

/// `-x` and commands silence logs unless `-v`/`-c`/`-s` say otherwise (manifest.md §6).
fn log_mode(args: &RunArgs, runs_terminal_process: bool) -> LogMode {
    if args.silent {
        LogMode::Silent
    } else if args.console {
        LogMode::Console
    } else if args.verbose || !runs_terminal_process {
        LogMode::Plain
    } else {
        LogMode::Silent
    }
}

/// `--total-memory`, `--message-memory` and `--max-timers`.
fn shared_limits(args: &RunArgs) -> anyhow::Result<SharedLimits> {
    let mut shared = SharedLimits::default();
    if let Some(text) = &args.total_memory {
        shared.total_memory = shared_size("--total-memory", text)?;
    }
    if let Some(text) = &args.message_memory {
        shared.message_memory = shared_size("--message-memory", text)?;
    }
    anyhow::ensure!(
        args.max_timers > 0,
        "--max-timers: expected a positive number"
    );
    shared.pending_timers = args.max_timers;
    Ok(shared)
}

/// The positive size `text` gives for `flag`.
fn shared_size(flag: &str, text: &str) -> anyhow::Result<usize> {
    let bytes = manifest::parse_size(text)
        .filter(|bytes| *bytes > 0)
        .ok_or_else(|| {
            anyhow::anyhow!("{flag}: expected a positive size such as 1GiB, got {text}")
        })?;
    usize::try_from(bytes)
        .map_err(|_| anyhow::anyhow!("{flag}: {text} is more than this machine addresses"))
}

fn default_limits(args: &RunArgs) -> anyhow::Result<Limits> {
    let mut limits = Limits::default();
    if let Some(text) = &args.memory_limit {
        let bytes = manifest::parse_size(text).ok_or_else(|| {
            anyhow::anyhow!("--memory-limit: expected a size such as 64MiB, got {text}")
        })?;
        anyhow::ensure!(
            bytes > 0 && bytes <= MAX_MEMORY_BYTES,
            "--memory-limit: expected a size between 1 byte and 4 GiB, got {text}"
        );
        limits.memory_bytes = bytes;
    }
    if let Some(fuel) = args.fuel {
        anyhow::ensure!(fuel > 0, "--fuel: expected a positive number");
        limits.fuel = Some(fuel);
    }
    if let Some(text) = &args.timeout {
        let nanos = parse_go_duration(text).map_err(|e| anyhow::anyhow!("--timeout: {e}"))?;
        anyhow::ensure!(
            nanos > 0,
            "--timeout: expected a positive duration, got {text}"
        );
        limits.timeout = Some(Duration::from_nanos(nanos as u64));
    }
    Ok(limits)
}

/// Parses `-x` (manifest.md §6) and picks the host.
fn exec_target(
    spec: &str,
    host_flag: Option<&str>,
    manifest: &Manifest,
) -> anyhow::Result<ExecTarget> {
    let (host_part, entry_part) = match spec.split_once('/') {
        Some((host, entry)) => (Some(host.trim()), entry.trim()),
        None => (None, spec.trim()),
    };
    let entry = checked_id(entry_part)?;
    if let Some(host) = host_part {
        return Ok(ExecTarget {
            host: checked_id(host)?,
            entry,
        });
    }
    if let Some(host) = host_flag {
        return Ok(ExecTarget {
            host: host.to_string(),
            entry,
        });
    }
    let terminals = manifest.terminal_hosts();
    match terminals.as_slice() {
        [] => anyhow::bail!("no terminal.host found in registry"),
        [only] => Ok(ExecTarget {
            host: only.id.clone(),
            entry,
        }),
        many => {
            let ids: Vec<&str> = many.iter().map(|entry| entry.id.as_str()).collect();
            anyhow::bail!(
                "multiple terminal hosts found ({}), use --host to specify",
                ids.join(", ")
            )
        }
    }
}

fn checked_id(text: &str) -> anyhow::Result<String> {
    match manifest::parse_entry_id(text) {
        Some((namespace, name)) => Ok(format!("{namespace}:{name}")),
        None if !text.contains(':') => anyhow::bail!(
            "invalid exec spec: missing separator ':', expected format: namespace:entry"
        ),
        None => anyhow::bail!("invalid exec spec: '{text}', expected format: namespace:entry"),
    }
}

async fn serve(
    manifest: Manifest,
    exec: Option<ExecTarget>,
    cli_args: Vec<String>,
    limits: Limits,
    capacity: Capacity,
    shared: SharedLimits,
    log: LogSink,
) -> anyhow::Result<i32> {
    let mut signals = ShutdownSignals::listen()?;
    if !manifest.lock_found {
        log.write(
            Level::Warn,
            None,
            "no lock file found, starting with an empty registry",
            &[],
        );
    }
    let engine = WasmEngine::new(&log, &capacity)?;
    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let runtime = Runtime::new(engine, manifest, log, limits, shared, events_tx);
    let supervisor = Supervisor::boot(&runtime);

    let terminal_run = exec.is_some();
    if let Some(target) = exec {
        start_exec(&runtime, target, cli_args)?;
    }
    let mut code = None;
    let budget = tokio::select! {
        Some(RuntimeEvent::TerminalProcessExited(exit)) = events.recv(), if terminal_run => {
            code = Some(report_exit(&exit));
            supervisor::EXEC_SHUTDOWN_BUDGET
        }
        () = signals.next() => supervisor::SHUTDOWN_BUDGET,
    };
    tokio::select! {
        () = supervisor.shutdown(budget) => {}
        () = signals.next() => {
            // Force exit (manifest.md §7); an `-x` process that has already ended
            // keeps its exit code.
            runtime.log.write(Level::Warn, None, "signal during shutdown: exiting at once", &[]);
            return Ok(code.unwrap_or(1));
        }
    }
    if terminal_run && code.is_none() {
        // The terminal process ended during shutdown: it handled CANCEL, or was
        // force-stopped with `context canceled` (exit 1).
        while let Ok(RuntimeEvent::TerminalProcessExited(exit)) = events.try_recv() {
            code = Some(report_exit(&exit));
        }
    }
    Ok(code.unwrap_or(if terminal_run { 1 } else { 0 }))
}

/// Pool slots big enough for the largest memory ceiling any entry or the flag asks
/// for, and engines for the fuel limits they set.
fn capacity(manifest: &Manifest, limits: &Limits, max_processes: u32) -> Capacity {
    let entry_limits = || {
        manifest
            .entries
            .values()
            .filter_map(|entry| match &entry.kind {
                Kind::ProcessLua(definition) => Some(&definition.limits),
                _ => None,
            })
    };
    let largest_entry = entry_limits()
        .filter_map(|limits| limits.memory)
        .max()
        .unwrap_or(0);
    // An entry can set a budget but not lift the flag's.
    let fuel_limited = if limits.fuel.is_some() {
        FuelLimited::Every
    } else if entry_limits().any(|limits| limits.fuel.is_some()) {
        FuelLimited::Some
    } else {
        FuelLimited::None
    };
    Capacity {
        max_memory_bytes: largest_entry.max(limits.memory_bytes).min(MAX_MEMORY_BYTES),
        max_processes,
        fuel_limited,
    }
}

fn start_exec(
    runtime: &Arc<Runtime>,
    target: ExecTarget,
    cli_args: Vec<String>,
) -> anyhow::Result<()> {
    if runtime.host_kind(&target.host).is_none() {
        let known = runtime.manifest.get(&target.host).is_some_and(|entry| {
            matches!(entry.kind, Kind::TerminalHost(_) | Kind::ProcessHost(_))
        });
        anyhow::bail!(
            "failed to start process on host: {}: {}",
            target.host,
            if known {
                "host is not running (set lifecycle.auto_start: true)"
            } else {
                "host not found"
            }
        );
    }
    let request = SpawnRequest {
        entry: target.entry,
        host: target.host.clone(),
        args: cli_args.iter().map(|arg| Payload::text(arg)).collect(),
        cli_args,
        parent: None,
        options: SpawnOptions::empty(),
    };
    runtime.spawn(request).map_err(|error| {
        anyhow::anyhow!(
            "failed to start process on host: {}: {}",
            target.host,
            error.message
        )
    })?;
    Ok(())
}

/// Prints what the terminal process's result asks for and returns the exit code
/// (manifest.md §7).
fn report_exit(exit: &ExitResult) -> i32 {
    match exit {
        ExitResult::Failure(error) => {
            eprintln!("{}", drop_repeated_prefix(&error.message));
            1
        }
        ExitResult::Value(payload) => match payload.nodes.first() {
            None | Some(Node::Nil) => 0,
            Some(Node::Integer(n)) => i32::try_from(*n).unwrap_or(1),
            Some(Node::Float(n)) if n.is_finite() && n.trunc().abs() <= f64::from(i32::MAX) => {
                n.trunc() as i32
            }
            Some(Node::Float(_)) => 1,
            Some(Node::Boolean(ok)) => i32::from(!ok),
            Some(Node::Text(text)) => {
                use std::io::Write;
                let mut stdout = std::io::stdout().lock();
                let _ = stdout
                    .write_all(text)
                    .and_then(|()| stdout.write_all(b"\n"));
                let _ = stdout.flush();
                0
            }
            Some(_) => 0,
        },
    }
}

/// `P: P: rest` → `P: rest` (manifest.md §7).
fn drop_repeated_prefix(text: &str) -> &str {
    match text.split_once(": ") {
        Some((prefix, rest)) if rest.starts_with(&format!("{prefix}: ")) => rest,
        _ => text,
    }
}

/// SIGINT and SIGTERM. Listened for before boot, so a signal that arrives while
/// hosts and services start is caught instead of killing the process.
struct ShutdownSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    fn listen() -> anyhow::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(ShutdownSignals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(ShutdownSignals {})
        }
    }

    /// Resolves on the next signal.
    async fn next(&mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => {}
                _ = self.terminate.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_error_prefixes_are_dropped_once() {
        assert_eq!(drop_repeated_prefix("P: P: rest"), "P: rest");
        assert_eq!(drop_repeated_prefix("a: b"), "a: b");
        assert_eq!(drop_repeated_prefix("plain"), "plain");
    }
}
