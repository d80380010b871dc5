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
/// own bounds (memory, mailbox, timers) times many processes would not bound the host.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SharedLimits {
    /// Bytes of linear memory all processes may grow into together, beyond what
    /// each starts with (`--total-memory`).
    pub total_memory: usize,
    /// Bytes of messages all mailboxes hold (`--message-memory`).
    pub message_memory: usize,
    /// Timers pending in all processes (`--max-timers`); each is a host task of
    /// about 500 bytes.
    pub pending_timers: usize,
}

impl Default for SharedLimits {
    fn default() -> Self {
        SharedLimits {
            total_memory: default_total_memory(),
            message_memory: crate::mailbox::DEFAULT_MESSAGE_MEMORY,
            pending_timers: crate::api::timer::DEFAULT_PENDING_TIMERS,
        }
    }
}

/// Half of the machine's physical memory (8 GiB when it cannot be read): a process
/// ceiling of 64 MiB times 20,000 live processes is far more than any machine has,
/// so without a bound for them together a few hundred processes growing to their
/// ceilings would get the whole host killed by the kernel.
pub fn default_total_memory() -> usize {
    const FALLBACK: usize = 8 << 30;
    // SAFETY: sysconf only reads system configuration.
    let (pages, page_bytes) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    match (usize::try_from(pages), usize::try_from(page_bytes)) {
        (Ok(pages), Ok(page_bytes)) if pages > 0 && page_bytes > 0 => {
            pages.saturating_mul(page_bytes) / 2
        }
        _ => FALLBACK,
    }
}

/// An amount several holders draw from together and never beyond its limit: the
/// memory all processes grow into, the bytes of messages all mailboxes hold, the
/// timers all processes have pending.
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

/// Which memory limit refused a growth.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MemoryDenial {
    /// The process's own ceiling.
    Process,
    /// What all processes may grow into together; the limit in bytes.
    Total(usize),
}

/// Enforces the memory ceiling and the runtime's total, and remembers a denied
/// growth, because the guest's allocator then aborts with a trap that names
/// nothing (../shared/notes/stack.md).
pub struct MemoryLimiter {
    limit_bytes: usize,
    /// The runtime's memory for all processes' growth.
    total: Arc<SharedBudget>,
    /// The size the memory was created with: not counted in `total`, as an idle
    /// process touches a few pages of it and 10,000 of them must fit.
    start_bytes: Option<usize>,
    /// What this process holds of `total`, given back when the limiter is dropped
    /// with the process's store.
    held_bytes: usize,
    /// Set once a growth was refused.
    pub denied: Option<MemoryDenial>,
    /// The size the first refused growth asked for.
    pub refused_bytes: usize,
}

impl MemoryLimiter {
    /// A limiter for `limit_bytes` of linear memory, whose growth beyond its start
    /// is also taken from `total`.
    pub fn new(limit_bytes: u64, total: Arc<SharedBudget>) -> Self {
        MemoryLimiter {
            limit_bytes: usize::try_from(limit_bytes).unwrap_or(usize::MAX),
            total,
            start_bytes: None,
            held_bytes: 0,
            denied: None,
            refused_bytes: 0,
        }
    }

    fn deny(&mut self, denial: MemoryDenial, desired: usize) -> bool {
        if self.denied.is_none() {
            self.denied = Some(denial);
            self.refused_bytes = desired;
        }
        false
    }
}

impl Drop for MemoryLimiter {
    fn drop(&mut self) {
        // Most processes never grow: no write to the budget shared by all threads.
        if self.held_bytes > 0 {
            self.total.give_back(self.held_bytes);
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
        if desired > self.limit_bytes {
            return Ok(self.deny(MemoryDenial::Process, desired));
        }
        // The first call is the memory's creation.
        let start = *self.start_bytes.get_or_insert(desired);
        let wanted = desired.saturating_sub(start);
        if wanted > self.held_bytes {
            if !self.total.take(wanted - self.held_bytes) {
                let limit = self.total.limit();
                return Ok(self.deny(MemoryDenial::Total(limit), desired));
            }
            self.held_bytes = wanted;
        }
        Ok(true)
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
    /// Which memory limit refused a growth, if one did.
    pub memory_denied: Option<MemoryDenial>,
    /// Whether the wall-clock deadline has passed.
    pub deadline_passed: bool,
    /// What the guest's panic hook reported.
    pub panic_message: Option<&'a str>,
}

/// The process error for a failed guest call, naming the limit that was hit.
pub fn describe_failure(error: &wasmtime::Error, context: &TrapContext<'_>) -> String {
    if let Some(denial) = context.memory_denied {
        return denial_message(denial, context.limits);
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

/// `memory limit of 64 MiB exceeded`, or the same for the total of all processes.
fn denial_message(denial: MemoryDenial, limits: &Limits) -> String {
    match denial {
        MemoryDenial::Process => format!(
            "memory limit of {} exceeded",
            format_bytes(limits.memory_bytes)
        ),
        MemoryDenial::Total(limit) => format!(
            "total memory limit of {} exceeded (what all processes may grow into together)",
            format_bytes(limit as u64)
        ),
    }
}

/// Lua's catchable `not enough memory` error, when it ends a process after a
/// growth was refused, also says which limit refused it: a process far below its
/// own ceiling may have met the runtime's total.
pub fn explain_out_of_memory(message: &mut String, denial: Option<MemoryDenial>, limits: &Limits) {
    if let Some(denial) = denial {
        if message.ends_with("not enough memory") {
            message.push_str(&format!(": {}", denial_message(denial, limits)));
        }
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

    /// The error a process that trapped after `limiter` refused a growth dies with.
    fn failure_after(limiter: &MemoryLimiter, limits: &Limits) -> String {
        let context = TrapContext {
            limits,
            memory_denied: limiter.denied,
            deadline_passed: false,
            panic_message: None,
        };
        describe_failure(
            &wasmtime::Error::new(Trap::UnreachableCodeReached),
            &context,
        )
    }

    #[test]
    fn a_denied_growth_names_the_memory_limit() {
        let mut limiter = MemoryLimiter::new(1 << 20, SharedBudget::new(usize::MAX));
        assert!(limiter.memory_growing(0, 1 << 19, None).unwrap());
        assert_eq!(limiter.denied, None);
        assert!(!limiter.memory_growing(1 << 19, 2 << 20, None).unwrap());
        let limits = Limits {
            memory_bytes: 1 << 20,
            ..Limits::default()
        };
        assert_eq!(
            failure_after(&limiter, &limits),
            "memory limit of 1 MiB exceeded"
        );
    }

    #[test]
    fn growth_beyond_the_start_is_drawn_from_the_total_and_given_back_at_the_end() {
        let total = SharedBudget::new(4 << 20);
        let mut first = MemoryLimiter::new(64 << 20, total.clone());
        let mut second = MemoryLimiter::new(64 << 20, total.clone());
        // What each starts with is not counted.
        assert!(first.memory_growing(0, 1 << 20, None).unwrap());
        assert!(second.memory_growing(0, 1 << 20, None).unwrap());
        assert!(first.memory_growing(1 << 20, 4 << 20, None).unwrap());
        assert!(!second.memory_growing(1 << 20, 3 << 20, None).unwrap());
        assert_eq!(second.denied, Some(MemoryDenial::Total(4 << 20)));
        assert_eq!(
            failure_after(&second, &Limits::default()),
            "total memory limit of 4 MiB exceeded (what all processes may grow into together)"
        );
        drop(first);
        let mut third = MemoryLimiter::new(64 << 20, total);
        assert!(third.memory_growing(0, 1 << 20, None).unwrap());
        assert!(third.memory_growing(1 << 20, 5 << 20, None).unwrap());
    }
}
