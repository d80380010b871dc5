//! Per-instance limits: memory, CPU (fuel), wall-clock time, and how a trap caused by
//! one of them becomes an error that names the limit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use wasmtime::{ResourceLimiter, Trap};

use crate::duration::format_go_duration;

/// Memory ceiling of a process that sets none (per entry or by flag).
pub const DEFAULT_MEMORY_BYTES: u64 = 64 * 1024 * 1024;
/// Largest memory ceiling a process may ask for; the instance pool reserves this much
/// address space per slot.
pub const MAX_MEMORY_BYTES: u64 = 4 * 1024 * 1024 * 1024 - 64 * 1024;
/// Longest a single `run` slice may take. Slices are bounded by piccolo fuel and last
/// microseconds; one that runs this long is stuck in guest Rust code and would stall
/// the scheduler thread, so it is stopped.
pub const SLICE_LIMIT: Duration = Duration::from_secs(2);

/// The limits one process runs under.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Linear memory ceiling in bytes.
    pub memory_bytes: u64,
    /// Total wasm fuel (instructions, roughly); `None` is unlimited.
    pub fuel: Option<u64>,
    /// Wall-clock lifetime; `None` is unlimited.
    pub timeout: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: DEFAULT_MEMORY_BYTES,
            fuel: None,
            timeout: None,
        }
    }
}

/// What all processes of a runtime may hold on the host together. Each process's
/// own bounds (mailbox, timers) times many processes would not bound the host.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SharedLimits {
    /// Bytes of messages all mailboxes hold (`--message-memory`).
    pub message_memory: usize,
    /// Timers pending in all processes (`--max-timers`); each is a host task of
    /// about 500 bytes.
    pub pending_timers: usize,
}

impl Default for SharedLimits {
    fn default() -> Self {
        SharedLimits {
            message_memory: crate::mailbox::DEFAULT_MESSAGE_MEMORY,
            pending_timers: crate::api::timer::DEFAULT_PENDING_TIMERS,
        }
    }
}

/// An amount several holders draw from together and never beyond its limit: the
/// bytes of messages all mailboxes hold, the timers all processes have pending.
pub struct SharedBudget {
    used: AtomicUsize,
    limit: usize,
}

impl SharedBudget {
    /// A budget of `limit`, none of it used.
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(SharedBudget {
            used: AtomicUsize::new(0),
            limit,
        })
    }

    /// The limit.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Takes `amount`; `false` (taking nothing) if it does not fit.
    pub fn take(&self, amount: usize) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(amount)
                    .filter(|total| *total <= self.limit)
            })
            .is_ok()
    }

    /// Gives back `amount` taken before.
    pub fn give_back(&self, amount: usize) {
        self.used.fetch_sub(amount, Ordering::AcqRel);
    }
}

/// Enforces the memory ceiling and remembers a denied growth, because the guest's
/// allocator then aborts with a trap that names nothing (../shared/notes/stack.md).
pub struct MemoryLimiter {
    limit_bytes: usize,
    /// Set once a growth past the ceiling was refused.
    pub denied: bool,
    /// The size the first refused growth asked for.
    pub refused_bytes: usize,
}

impl MemoryLimiter {
    /// A limiter for `limit_bytes` of linear memory.
    pub fn new(limit_bytes: u64) -> Self {
        MemoryLimiter {
            limit_bytes: usize::try_from(limit_bytes).unwrap_or(usize::MAX),
            denied: false,
            refused_bytes: 0,
        }
    }
}

/// Table elements a guest may grow to; piccolo needs a few hundred.
const MAX_TABLE_ELEMENTS: usize = 100_000;

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = desired <= self.limit_bytes;
        if !allowed && !self.denied {
            self.denied = true;
            self.refused_bytes = desired;
        }
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

/// What the host knows when a guest call fails.
pub struct TrapContext<'a> {
    /// The limits the process ran under.
    pub limits: &'a Limits,
    /// Whether a memory growth was refused.
    pub memory_denied: bool,
    /// Whether the wall-clock deadline has passed.
    pub deadline_passed: bool,
    /// What the guest's panic hook reported.
    pub panic_message: Option<&'a str>,
}

/// The process error for a failed guest call, naming the limit that was hit.
pub fn describe_failure(error: &wasmtime::Error, context: &TrapContext<'_>) -> String {
    if context.memory_denied {
        return format!(
            "memory limit of {} exceeded",
            format_bytes(context.limits.memory_bytes)
        );
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => "fuel exhausted".into(),
        Some(Trap::Interrupt) if context.deadline_passed => match context.limits.timeout {
            Some(timeout) => timeout_message(timeout),
            None => "interrupted".into(),
        },
        Some(Trap::Interrupt) => format!(
            "cpu slice limit of {} exceeded (one step of the guest ran too long)",
            format_duration(SLICE_LIMIT)
        ),
        Some(Trap::StackOverflow) => "stack overflow".into(),
        Some(_) => match context.panic_message {
            Some(message) => format!("guest panicked: {message}"),
            None => format!("guest trapped: {}", root_message(error)),
        },
        // No trap: the host refused what the guest handed over (a dangling pointer,
        // a bad discriminant, invalid UTF-8, ...).
        None => format!("guest broke the ABI: {}", root_message(error)),
    }
}

/// A process could not start because its memory limit is below the memory the
/// guest starts with.
#[derive(Debug)]
pub struct LimitBelowStart {
    limit_bytes: usize,
    start_bytes: usize,
}

impl LimitBelowStart {
    /// What `limiter` refused while the instance was being created.
    pub fn new(limiter: &MemoryLimiter) -> Self {
        LimitBelowStart {
            limit_bytes: limiter.limit_bytes,
            start_bytes: limiter.refused_bytes,
        }
    }
}

impl std::fmt::Display for LimitBelowStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "memory limit of {} exceeded: a process starts with {}",
            format_bytes(self.limit_bytes as u64),
            format_bytes(self.start_bytes as u64)
        )
    }
}

impl std::error::Error for LimitBelowStart {}

/// `timeout after 5s`.
pub fn timeout_message(timeout: Duration) -> String {
    format!("timeout after {}", format_duration(timeout))
}

fn root_message(error: &wasmtime::Error) -> String {
    match error.downcast_ref::<Trap>() {
        Some(trap) => {
            let text = trap.to_string();
            text.strip_prefix("wasm trap: ")
                .unwrap_or(&text)
                .to_string()
        }
        None => error.root_cause().to_string(),
    }
}

/// A duration in Go's notation (`5s`, `1.5s`, `250ms`).
pub fn format_duration(duration: Duration) -> String {
    format_go_duration(i64::try_from(duration.as_nanos()).unwrap_or(i64::MAX))
}

/// `64 MiB`, `512 KiB` or `1000 bytes`.
pub fn format_bytes(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    const GIB: u64 = 1024 * MIB;
    match bytes {
        b if b >= GIB && b % GIB == 0 => format!("{} GiB", b / GIB),
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= KIB && b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_render_for_humans() {
        assert_eq!(format_bytes(64 * 1024 * 1024), "64 MiB");
        assert_eq!(format_bytes(1536 * 1024), "1536 KiB");
        assert_eq!(format_bytes(1000), "1000 bytes");
        assert_eq!(timeout_message(Duration::from_secs(5)), "timeout after 5s");
        assert_eq!(
            timeout_message(Duration::from_millis(1500)),
            "timeout after 1.5s"
        );
    }

    #[test]
    fn a_denied_growth_names_the_memory_limit() {
        let mut limiter = MemoryLimiter::new(1 << 20);
        assert!(limiter.memory_growing(0, 1 << 19, None).unwrap());
        assert!(!limiter.denied);
        assert!(!limiter.memory_growing(0, 2 << 20, None).unwrap());
        let limits = Limits {
            memory_bytes: 1 << 20,
            ..Limits::default()
        };
        let context = TrapContext {
            limits: &limits,
            memory_denied: limiter.denied,
            deadline_passed: false,
            panic_message: None,
        };
        let error = wasmtime::Error::new(Trap::UnreachableCodeReached);
        assert_eq!(
            describe_failure(&error, &context),
            "memory limit of 1 MiB exceeded"
        );
    }
}
