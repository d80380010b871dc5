//! `wippy:runtime/timer`: one-shot timers on tokio's clock; a fired timer is a
//! signal in the owner's mailbox.

use std::sync::Arc;
use std::time::Duration;

use crate::bindings::wippy::runtime::timer::Host;
use crate::bindings::{ErrorInfo, Signal};
use crate::instance::ProcessState;
use crate::sandbox::SharedBudget;

/// Timers one process may have pending. Each costs the host a task; past this a
/// guest is hostile or broken, and it is stopped rather than allowed to grow the
/// host without bound.
pub const MAX_PENDING_TIMERS: usize = 65_536;

/// Timers all processes of a runtime may have pending together, unless
/// `--max-timers` says otherwise: about 500 MiB of host tasks.
pub const DEFAULT_PENDING_TIMERS: usize = 1 << 20;

/// One pending timer's place in the runtime's timer budget, given back when the
/// timer's task ends: it fired, was cancelled, or its process ended.
struct TimerPermit {
    budget: Arc<SharedBudget>,
}

impl TimerPermit {
    /// A place for one more pending timer, if `budget` has one.
    fn take(budget: &Arc<SharedBudget>) -> Option<Self> {
        budget.take(1).then(|| TimerPermit {
            budget: budget.clone(),
        })
    }
}

impl Drop for TimerPermit {
    fn drop(&mut self) {
        self.budget.give_back(1);
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
        let Some(permit) = TimerPermit::take(&self.runtime.timers) else {
            self.process.kill(ErrorInfo::crash(
                "Internal",
                format!(
                    "runtime timer limit of {} pending timers exceeded",
                    self.runtime.timers.limit()
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
