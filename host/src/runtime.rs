//! The runtime: everything processes share, spawning, and what happens when a
//! process ends (process.md §3, §7, §8).

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::Notify;

use crate::bindings::{
    CancelEvent, ErrorInfo, ExitEvent, ExitResult, Level, Message, Payload, Signal, SpawnOptions,
    StartInfo,
};
use crate::chunks::CompiledChunks;
use crate::engine::{WasmEngine, MAX_WASM_STACK};
use crate::instance::{Instance, ProcessState};
use crate::logging::{field, LogSink};
use crate::mailbox::{Mailbox, Refused};
use crate::manifest::{Kind, Manifest, ProcessLua};
use crate::pid::{Pid, PidCounter};
use crate::registry::NameRegistry;
use crate::sandbox::{Limits, SharedBudget, SharedLimits};
use crate::table::{ProcessHandle, ProcessTable, Relations};
use crate::terminal::Terminal;

/// How deep chunk top levels may spawn processes whose top levels spawn again. Each
/// level runs on the thread's stack above the last (process.md §3: the top level
/// runs inside `spawn`), so without a bound a chunk that spawns its own entry
/// overflows the host's stack.
pub const MAX_NESTED_STARTS: usize = 4;

/// Stack for threads that run processes: the guest calls of the deepest nesting of
/// top levels, [`MAX_NESTED_STARTS`] on top of a process's own call, each with room
/// for the host's frames around it.
pub const THREAD_STACK_BYTES: usize = (MAX_NESTED_STARTS + 1) * (MAX_WASM_STACK + 512 * 1024);

thread_local! {
    /// Chunk top levels running on this thread, one inside the other.
    static NESTED_STARTS: Cell<usize> = const { Cell::new(0) };
}

/// One chunk top level running on this thread; counted in [`NESTED_STARTS`] while
/// it lives.
struct NestedStart;

impl NestedStart {
    fn enter() -> Result<Self, ErrorInfo> {
        NESTED_STARTS.with(|depth| {
            if depth.get() >= MAX_NESTED_STARTS {
                return Err(ErrorInfo::new(
                    "Invalid",
                    format!(
                        "spawn nested too deeply: chunk top levels may spawn processes \
                         {MAX_NESTED_STARTS} levels deep"
                    ),
                ));
            }
            depth.set(depth.get() + 1);
            Ok(NestedStart)
        })
    }
}

impl Drop for NestedStart {
    fn drop(&mut self) {
        NESTED_STARTS.with(|depth| depth.set(depth.get() - 1));
    }
}

/// The kinds of host a process can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostKind {
    /// A `process.host`.
    Process,
    /// A `terminal.host`: its processes own the terminal.
    Terminal,
}

/// Something the CLI must react to.
#[derive(Debug)]
pub enum RuntimeEvent {
    /// A process on a terminal host ended; the runtime shuts down with its result.
    TerminalProcessExited(ExitResult),
}

/// What a spawn asks for.
pub struct SpawnRequest {
    /// Entry ID of a `process.lua`.
    pub entry: String,
    /// Host ID.
    pub host: String,
    /// Arguments for `main`.
    pub args: Vec<Payload>,
    /// `io.args()` of the process (the `-x` process's command line).
    pub cli_args: Vec<String>,
    /// The spawning process, if any.
    pub parent: Option<Arc<ProcessHandle>>,
    /// Monitor and/or link the parent.
    pub options: SpawnOptions,
}

/// Everything processes share.
pub struct Runtime {
    /// The wasm engine and pre-linked guest.
    pub engine: WasmEngine,
    /// The loaded entries.
    pub manifest: Manifest,
    /// Live processes.
    pub processes: ProcessTable,
    /// Registered names.
    pub names: NameRegistry,
    /// PID counter.
    pub pids: PidCounter,
    /// The terminal.
    pub terminal: Terminal,
    /// Log output.
    pub log: LogSink,
    /// Limits for processes whose entry sets none.
    pub default_limits: Limits,
    /// Each entry's compiled chunk, for its later processes.
    pub chunks: CompiledChunks,
    /// What all mailboxes may hold together.
    messages: Arc<SharedBudget>,
    /// The linear memory all processes may grow into together.
    pub guest_memory: Arc<SharedBudget>,
    /// The timers all processes may have pending together.
    pub timers: Arc<SharedBudget>,
    hosts: Mutex<HashMap<String, HostKind>>,
    events: UnboundedSender<RuntimeEvent>,
    /// Woken whenever the last live process ends.
    idle: Notify,
}

impl Runtime {
    /// A runtime with no host started yet, whose processes together stay within
    /// `shared`.
    pub fn new(
        engine: WasmEngine,
        manifest: Manifest,
        log: LogSink,
        default_limits: Limits,
        shared: SharedLimits,
        events: UnboundedSender<RuntimeEvent>,
    ) -> Arc<Self> {
        Arc::new(Runtime {
            engine,
            manifest,
            processes: ProcessTable::default(),
            names: NameRegistry::default(),
            pids: PidCounter::default(),
            terminal: Terminal::default(),
            log,
            default_limits,
            chunks: CompiledChunks::default(),
            guest_memory: SharedBudget::new(shared.total_memory),
            messages: SharedBudget::new(shared.message_memory),
            timers: SharedBudget::new(shared.pending_timers),
            hosts: Mutex::default(),
            events,
            idle: Notify::new(),
        })
    }

    /// An empty mailbox, counted against the runtime's message memory.
    pub fn mailbox(&self) -> Mailbox {
        Mailbox::new(self.messages.clone())
    }

    /// Marks a host as running, so processes can be spawned on it.
    pub fn start_host(&self, id: &str, kind: HostKind) {
        self.hosts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_string(), kind);
    }

    /// The kind of a running host.
    pub fn host_kind(&self, id: &str) -> Option<HostKind> {
        self.hosts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .copied()
    }

    /// Starts a process: mints its PID, runs its chunk's top level in a fresh
    /// instance and schedules `main`. Errors come back before any EXIT is possible.
    pub fn spawn(self: &Arc<Self>, request: SpawnRequest) -> Result<Arc<ProcessHandle>, ErrorInfo> {
        self.start_process(request, false)
    }

    /// Starts a service's child: like [`Self::spawn`], but the process is marked
    /// supervised before it runs, so its supervisor alone reports how it ended and
    /// its end never stops the runtime.
    pub fn spawn_supervised(
        self: &Arc<Self>,
        request: SpawnRequest,
    ) -> Result<Arc<ProcessHandle>, ErrorInfo> {
        self.start_process(request, true)
    }

    fn start_process(
        self: &Arc<Self>,
        request: SpawnRequest,
        supervised: bool,
    ) -> Result<Arc<ProcessHandle>, ErrorInfo> {
        let host_kind = self
            .host_kind(&request.host)
            .ok_or_else(|| ErrorInfo::new("NotFound", "host not found"))?;
        let definition = match self.manifest.get(&request.entry).map(|entry| &entry.kind) {
            Some(Kind::ProcessLua(definition)) => definition,
            _ => return Err(ErrorInfo::new("NotFound", "factory not found")),
        };
        let limits = self.limits_for(definition);
        let nested = NestedStart::enter()?;
        let pid = self.pids.mint(&request.host);
        let process = Arc::new(ProcessHandle::new(
            pid,
            request.entry.clone(),
            host_kind == HostKind::Terminal,
            request.cli_args,
            self.mailbox(),
        ));
        if supervised {
            process.mark_supervised();
        }

        let mut instance = self.instantiate(&process, limits)?;
        self.processes.insert(process.clone());
        if let Some(parent) = &request.parent {
            relate(parent, &process, request.options);
        }
        let info = StartInfo {
            compiled: self.chunks.get(&request.entry),
            entry_id: request.entry,
            source: definition.source.clone(),
            method: definition.method.clone(),
            modules: definition.modules.clone(),
            args: request.args,
            memory_limit: limits.memory_bytes,
        };
        let started = instance.start(&info);
        drop(nested);
        let failure = match started {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(error),
            Err(failed) => {
                let mut error = instance.failure(&failed);
                // A trap stopped the chunk's top level; a broken ABI is said as it is.
                if failed.downcast_ref::<wasmtime::Trap>().is_some() {
                    error.message = format!("failed to execute script: {}", error.message);
                }
                Some(error)
            }
        };
        if let Some(error) = failure {
            self.forget(&process);
            return Err(error);
        }

        let runtime = self.clone();
        let running = process.clone();
        tokio::spawn(async move {
            let exit = instance.drive().await;
            runtime.exited(&running, exit);
        });
        Ok(process)
    }

    fn limits_for(&self, definition: &ProcessLua) -> Limits {
        Limits {
            memory_bytes: definition
                .limits
                .memory
                .unwrap_or(self.default_limits.memory_bytes),
            fuel: definition.limits.fuel.or(self.default_limits.fuel),
            timeout: definition.limits.timeout.or(self.default_limits.timeout),
        }
    }

    fn instantiate(
        self: &Arc<Self>,
        process: &Arc<ProcessHandle>,
        limits: Limits,
    ) -> Result<Instance, ErrorInfo> {
        let state = ProcessState::new(self.clone(), process.clone(), &limits);
        let (store, world) = self
            .engine
            .instantiate(state, &limits)
            .map_err(|e| self.instantiation_error(&e))?;
        Ok(Instance {
            store,
            world,
            limits,
            deadline: limits.timeout.map(|timeout| Instant::now() + timeout),
        })
    }

    /// A spawn that found no free instance slot, or whose memory limit is below what
    /// a process starts with, says so; anything else is internal.
    fn instantiation_error(&self, error: &wasmtime::Error) -> ErrorInfo {
        if let Some(below) = error.downcast_ref::<crate::sandbox::LimitBelowStart>() {
            return ErrorInfo::new("Invalid", below.to_string());
        }
        let text = format!("{error:#}");
        if text.contains("maximum concurrent") || text.contains("pooling") {
            ErrorInfo::new(
                "Unavailable",
                format!(
                    "process limit reached: {} processes are alive",
                    self.processes.len()
                ),
            )
        } else {
            ErrorInfo::new(
                "Internal",
                format!("cannot create the process instance: {text}"),
            )
        }
    }

    /// Finds the live process `dest` names: a PID or a registered name.
    pub fn resolve(&self, dest: &str) -> Result<Arc<ProcessHandle>, ErrorInfo> {
        let pid = if Pid::looks_like_pid(dest) {
            let pid =
                Pid::parse(dest).ok_or_else(|| ErrorInfo::new("NotFound", "process not found"))?;
            if self.host_kind(&pid.host).is_none() {
                return Err(ErrorInfo::new("NotFound", "host not found"));
            }
            pid
        } else {
            self.names.lookup(dest).ok_or_else(|| {
                ErrorInfo::new(
                    "NotFound",
                    format!("could not resolve '{dest}' as PID or registered name"),
                )
            })?
        };
        self.processes
            .get(&pid)
            .ok_or_else(|| ErrorInfo::new("NotFound", "process not found"))
    }

    /// Delivers a message; a full mailbox is an error the sender sees.
    pub fn send(
        &self,
        from: &ProcessHandle,
        dest: &str,
        topic: String,
        payloads: Vec<Payload>,
    ) -> Result<(), ErrorInfo> {
        let target = self.resolve(dest)?;
        let message = Signal::Message(Message {
            from: from.pid_text.clone(),
            topic,
            payloads,
        });
        target.mailbox.push(message).map_err(refusal)
    }

    /// Puts a CANCEL event in the target's mailbox.
    pub fn cancel(&self, from: &str, dest: &str, reason: String) -> Result<(), ErrorInfo> {
        let target = self
            .resolve(dest)
            .map_err(|_| ErrorInfo::new("Internal", "process not found"))?;
        let event = Signal::Cancel(CancelEvent {
            from: from.to_string(),
            at: unix_now(),
            reason,
        });
        target.mailbox.push(event).map_err(refusal)
    }

    /// Removes a process whose start failed: no EXIT, no LINK_DOWN.
    fn forget(&self, process: &ProcessHandle) {
        for linked in self.detach(process).links {
            if let Some(other) = self.processes.get(&linked) {
                other.relations().links.remove(&process.pid);
            }
        }
    }

    /// Takes a process out of the table, releases its names (before any EXIT is
    /// sent, process.md §9) and timers, and hands back its relations.
    fn detach(&self, process: &ProcessHandle) -> Relations {
        self.processes.remove(&process.pid);
        self.names.release_all(&process.pid);
        process.cancel_all_timers();
        std::mem::take(&mut *process.relations())
    }

    /// A process ended: release its names, tell monitors and links (process.md §3.6).
    pub fn exited(&self, process: &ProcessHandle, exit: ExitResult) {
        let relations = self.detach(process);
        let failed = matches!(exit, ExitResult::Failure(_));
        let event = ExitEvent {
            from: process.pid_text.clone(),
            at: unix_now(),
            outcome: exit.clone(),
        };
        for monitor in &relations.monitors {
            if let Some(watcher) = self.processes.get(monitor) {
                self.deliver(&watcher, Signal::Exit(event.clone()));
            }
        }
        for linked in &relations.links {
            if let Some(other) = self.processes.get(linked) {
                other.relations().links.remove(&process.pid);
                if failed {
                    self.deliver(&other, Signal::LinkDown(event.clone()));
                }
            }
        }
        if let ExitResult::Failure(error) = &exit {
            if relations.monitors.is_empty() && !process.on_terminal && !process.is_supervised() {
                self.log.write(
                    Level::Error,
                    None,
                    "process failed",
                    &[
                        field("pid", &process.pid_text),
                        field("entry", &process.entry_id),
                        field("error", &error.message),
                    ],
                );
            }
        }
        if process.on_terminal && !process.is_supervised() {
            let _ = self
                .events
                .send(RuntimeEvent::TerminalProcessExited(exit.clone()));
        }
        process.record_exit(exit);
        if self.processes.is_empty() {
            self.idle.notify_waiters();
        }
    }

    /// Waits until no process is alive.
    pub async fn wait_idle(&self) {
        loop {
            let idle = self.idle.notified();
            if self.processes.is_empty() {
                return;
            }
            idle.await;
        }
    }

    /// Delivers a runtime signal; a mailbox too full to take it is reported in the log,
    /// never dropped silently.
    pub fn deliver(&self, target: &ProcessHandle, signal: Signal) {
        if target.mailbox.push(signal).is_err() {
            self.log.write(
                Level::Error,
                None,
                "event lost: mailbox full",
                &[field("pid", &target.pid_text)],
            );
        }
    }

    /// Kills every process (shutdown).
    pub fn kill_all(&self, error: &ErrorInfo) {
        for process in self.processes.all() {
            process.kill(error.clone());
        }
    }
}

/// Sets up the monitor/link a `spawn_*` variant asks for, before the child can end.
fn relate(parent: &Arc<ProcessHandle>, child: &Arc<ProcessHandle>, options: SpawnOptions) {
    if options.contains(SpawnOptions::MONITOR) {
        child.relations().monitors.insert(parent.pid.clone());
    }
    if options.contains(SpawnOptions::LINK) {
        child.relations().links.insert(parent.pid.clone());
        parent.relations().links.insert(child.pid.clone());
    }
}

/// Unix time in whole seconds.
pub fn unix_now() -> i64 {
    crate::clock::unix_seconds()
}

/// The error a sender sees for a refused signal.
fn refusal(refused: Refused) -> ErrorInfo {
    match refused {
        Refused::Full => ErrorInfo::new("Unavailable", "mailbox full"),
        Refused::OverBudget { limit } => ErrorInfo::new(
            "Unavailable",
            format!(
                "message memory full: the mailboxes of all processes hold {} together",
                crate::sandbox::format_bytes(limit as u64)
            ),
        ),
    }
}
