//! One process's wasm instance: the store's state and the loop that drives it on
//! tokio (the blocking model in `wit/README.md`).

use std::sync::Arc;
use std::time::Instant;

use wasmtime::Store;
use wasmtime_wasi::random::WasiRandomCtx;

use crate::bindings::{ErrorInfo, ExitResult, ProcessWorld, StartInfo, StartStep, Step};
use crate::engine::{ProcessSlot, EPOCH_TICK};
use crate::runtime::Runtime;
use crate::sandbox::{
    describe_failure, explain_out_of_memory, timeout_message, Limits, MemoryLimiter, TrapContext,
    SLICE_LIMIT,
};
use crate::table::ProcessHandle;

/// Piccolo VM steps per `run` call: 0.1–0.5 ms of Lua, so kills, timeouts and
/// mailbox signals are seen often.
pub const RUN_BUDGET: u32 = 20_000;

/// How long a busy process keeps its worker thread before it yields to the other
/// tasks. Each yield wakes an idle worker (an eventfd write and a context switch,
/// 8–12% of a busy process's time when it yielded after every `run`); yielding at
/// most this often took 5% off `bench/lua.py` (geometric mean; fib 9%).
pub const TURN: std::time::Duration = std::time::Duration::from_millis(2);

/// Epoch ticks covering `budget` (at least one).
pub fn slice_ticks(budget: std::time::Duration) -> u64 {
    u64::try_from(budget.as_nanos() / EPOCH_TICK.as_nanos() + 1).unwrap_or(u64::MAX)
}

/// What a process's store holds.
pub struct ProcessState {
    /// The runtime the process lives in.
    pub runtime: Arc<Runtime>,
    /// The process itself.
    pub process: Arc<ProcessHandle>,
    /// Enforces the memory ceiling.
    pub limiter: MemoryLimiter,
    /// The guest's last words before a panic.
    pub panic_message: Option<String>,
    /// Its place among the live processes, given back with the store.
    pub slot: Option<ProcessSlot>,
    /// What the armed epoch deadline stands for.
    pub slice: SliceDeadline,
    /// The process's random generator, made on its first request (`api::random`).
    pub random: Option<Box<WasiRandomCtx>>,
}

impl ProcessState {
    /// State for `process`. The guest imports nothing from WASI but randomness: no
    /// environment, arguments, files, sockets, clocks or stdio.
    pub fn new(runtime: Arc<Runtime>, process: Arc<ProcessHandle>, limits: &Limits) -> Self {
        let limiter = MemoryLimiter::new(limits.memory_bytes, runtime.guest_memory.clone());
        ProcessState {
            runtime,
            process,
            limiter,
            panic_message: None,
            slot: None,
            slice: SliceDeadline::default(),
            random: None,
        }
    }
}

/// What the armed epoch deadline of a process's store stands for, so that reaching
/// it can be told apart from time the host spent on the process's behalf.
#[derive(Default)]
pub struct SliceDeadline {
    /// Whether the deadline is the wall-clock timeout (not the slice limit), so an
    /// interrupt means the time is up. Epoch ticks are coarse: the clock alone
    /// cannot tell.
    pub armed_for_timeout: bool,
    /// Time the slice spent in host calls running other guests (a spawned child's
    /// chunk top level, process.md §3), which the slice limit does not count.
    pub lent: std::time::Duration,
}

impl SliceDeadline {
    /// What to do when the store reaches its epoch deadline: a slice limit reached
    /// only because time was lent to another guest is pushed back by that time;
    /// anything else interrupts the guest.
    pub fn on_deadline(&mut self) -> wasmtime::UpdateDeadline {
        let lent = std::mem::take(&mut self.lent);
        if self.armed_for_timeout || lent.is_zero() {
            wasmtime::UpdateDeadline::Interrupt
        } else {
            wasmtime::UpdateDeadline::Continue(slice_ticks(lent))
        }
    }
}

/// Runs `work`, which may block its thread for long, after handing the worker
/// thread's other tasks to another thread (tokio's `block_in_place`); outside a
/// multi-threaded runtime it just runs `work`.
fn off_the_scheduler<R>(work: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

/// The outcome of a start call that ended the start; `None` while the top level
/// runs on.
fn start_ended(
    step: wasmtime::Result<Result<StartStep, ErrorInfo>>,
) -> Option<wasmtime::Result<Result<(), ErrorInfo>>> {
    match step {
        Ok(Ok(StartStep::Running)) => None,
        Ok(Ok(StartStep::Started)) => Some(Ok(Ok(()))),
        Ok(Err(error)) => Some(Ok(Err(error))),
        Err(error) => Some(Err(error)),
    }
}

/// A started instance, ready to be driven.
pub struct Instance {
    /// The store.
    pub store: Store<ProcessState>,
    /// The guest's exports.
    pub world: ProcessWorld,
    /// The limits it runs under.
    pub limits: Limits,
    /// When its wall-clock timeout expires.
    pub deadline: Option<Instant>,
}

impl Instance {
    /// Bounds the next guest call: the slice limit, or the timeout if it comes first.
    pub fn arm_epoch(&mut self) {
        self.arm_epoch_for(SLICE_LIMIT);
    }

    /// Bounds the next guest call to `slice`, or to the timeout if it comes first.
    fn arm_epoch_for(&mut self, slice: std::time::Duration) {
        let remaining = self
            .deadline
            .map(|deadline| deadline.saturating_duration_since(Instant::now()));
        let armed_for_timeout = remaining.is_some_and(|remaining| remaining < slice);
        self.store.data_mut().slice = SliceDeadline {
            armed_for_timeout,
            lent: std::time::Duration::ZERO,
        };
        let budget = remaining.map_or(slice, |remaining| remaining.min(slice));
        self.store.set_epoch_deadline(slice_ticks(budget));
    }

    /// Runs the chunk's top level (process.md §3) in slices of [`RUN_BUDGET`] VM
    /// steps, which together may take [`SLICE_LIMIT`], like one guest step. A spawn
    /// runs its child's top level before it returns, on the spawning process's
    /// worker thread; one that outlasts its first slice goes on inside tokio's
    /// `block_in_place`, so the thread's other tasks move to another thread instead
    /// of waiting up to 2 s behind it.
    pub fn start(&mut self, info: &StartInfo) -> wasmtime::Result<Result<(), ErrorInfo>> {
        let top_level_ends = Instant::now() + SLICE_LIMIT;
        self.arm_epoch();
        let first = self
            .world
            .wippy_runtime_guest()
            .call_start(&mut self.store, info, RUN_BUDGET);
        if let Some(ended) = start_ended(first) {
            return ended;
        }
        off_the_scheduler(|| loop {
            // A guest that returns at once is never stopped by an epoch deadline.
            let left = top_level_ends.saturating_duration_since(Instant::now());
            if left.is_zero() || self.deadline_passed() {
                return Err(wasmtime::Error::new(wasmtime::Trap::Interrupt));
            }
            self.arm_epoch_for(left);
            let step = self
                .world
                .wippy_runtime_guest()
                .call_resume_start(&mut self.store, RUN_BUDGET);
            if let Some(ended) = start_ended(step) {
                return ended;
            }
        })
    }

    /// The process error for a failed guest call.
    pub fn failure(&self, error: &wasmtime::Error) -> ErrorInfo {
        let state = self.store.data();
        let context = TrapContext {
            limits: &self.limits,
            memory_denied: state.limiter.denied,
            deadline_passed: state.slice.armed_for_timeout || self.deadline_passed(),
            panic_message: state.panic_message.as_deref(),
        };
        ErrorInfo::crash("Internal", describe_failure(error, &context))
    }

    fn deadline_passed(&self) -> bool {
        self.deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
    }

    fn timeout_error(&self) -> ErrorInfo {
        let message = self
            .limits
            .timeout
            .map_or_else(|| "timeout".into(), timeout_message);
        ErrorInfo::crash("Timeout", message)
    }

    /// Runs the process until it ends: slices while it has work, sleeps on its
    /// mailbox while every coroutine waits.
    pub async fn drive(mut self) -> ExitResult {
        let process = self.store.data().process.clone();
        let mut turn_started = Instant::now();
        loop {
            if let Some(reason) = process.kill_reason() {
                return ExitResult::Failure(reason);
            }
            if self.deadline_passed() {
                return ExitResult::Failure(self.timeout_error());
            }
            self.arm_epoch();
            let step = self
                .world
                .wippy_runtime_guest()
                .call_run(&mut self.store, RUN_BUDGET);
            match step {
                Err(error) => return ExitResult::Failure(self.failure(&error)),
                Ok(Step::Finished(ExitResult::Failure(mut error))) => {
                    let state = self.store.data();
                    explain_out_of_memory(&mut error.message, state.limiter.denied, &self.limits);
                    return ExitResult::Failure(error);
                }
                Ok(Step::Finished(exit)) => return exit,
                Ok(Step::Runnable) => {
                    if turn_started.elapsed() >= TURN {
                        tokio::task::yield_now().await;
                        turn_started = Instant::now();
                    }
                }
                Ok(Step::Waiting) => {
                    let timeout = async {
                        match self.deadline {
                            Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
                            None => std::future::pending().await,
                        }
                    };
                    tokio::select! {
                        () = process.mailbox.wait() => {}
                        () = process.wait_killed() => {}
                        () = timeout => {}
                    }
                    turn_started = Instant::now();
                }
            }
        }
    }
}
