//! `wippy:runtime/timer`: one-shot timers on tokio's clock; a fired timer is a
//! signal in the owner's mailbox.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::bindings::wippy::runtime::timer::Host;
use crate::bindings::{ErrorInfo, Signal};
use crate::instance::ProcessState;

/// Timers one process may have pending. Each costs the host a task; past this a
/// guest is hostile or broken, and it is stopped rather than allowed to grow the
/// host without bound.
pub const MAX_PENDING_TIMERS: usize = 65_536;

/// Timers all processes of a runtime may have pending together, unless
/// `--max-timers` says otherwise: about 500 MiB of host tasks.
pub const DEFAULT_PENDING_TIMERS: usize = 1 << 20;

/// The timers all processes of a runtime may have pending together.
pub struct TimerBudget {
    pending: AtomicUsize,
    limit: usize,
}

impl TimerBudget {
    /// A budget of `limit` timers, none pending.
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(TimerBudget {
            pending: AtomicUsize::new(0),
            limit,
        })
    }

    /// A place for one more pending timer, if there is one.
    fn take(self: &Arc<Self>) -> Option<TimerPermit> {
        self.pending
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |pending| {
                (pending < self.limit).then_some(pending + 1)
            })
            .ok()?;
        Some(TimerPermit {
            budget: self.clone(),
        })
    }
}

/// One pending timer's place in the [`TimerBudget`], given back when the timer's
/// task ends: it fired, was cancelled, or its process ended.
struct TimerPermit {
    budget: Arc<TimerBudget>,
}

impl Drop for TimerPermit {
    fn drop(&mut self) {
        self.budget.pending.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Host for ProcessState {
    fn start(&mut self, id: u64, nanoseconds: u64) {
        if self.process.pending_timers() >= MAX_PENDING_TIMERS {
            self.process.kill(ErrorInfo::crash(
                "Internal",
                format!("timer limit of {MAX_PENDING_TIMERS} pending timers exceeded"),
            ));
            return;
        }
        let Some(permit) = self.runtime.timers.take() else {
            self.process.kill(ErrorInfo::crash(
                "Internal",
                format!(
                    "runtime timer limit of {} pending timers exceeded",
                    self.runtime.timers.limit
                ),
            ));
            return;
        };
        let process = self.process.clone();
        let runtime = self.runtime.clone();
        let timer = tokio::spawn(async move {
            let _permit = permit;
            tokio::time::sleep(Duration::from_nanos(nanoseconds)).await;
            process.timer_fired(id);
            runtime.deliver(&process, Signal::Timer(id));
        });
        self.process.add_timer(id, timer.abort_handle());
    }

    fn cancel(&mut self, id: u64) -> bool {
        self.process.cancel_timer(id)
    }

    fn now(&mut self) -> i64 {
        crate::clock::unix_nanos()
    }

    fn local_offset(&mut self, seconds: i64) -> (i32, String) {
        crate::clock::local_offset(seconds)
    }
}
