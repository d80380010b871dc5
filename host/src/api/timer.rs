//! `wippy:runtime/timer`: one-shot timers on tokio's clock; a fired timer is a
//! signal in the owner's mailbox.

use std::time::Duration;

use crate::bindings::wippy::runtime::timer::Host;
use crate::bindings::{ErrorInfo, Signal};
use crate::instance::ProcessState;

/// Timers one process may have pending. Each costs the host a task; past this a
/// guest is hostile or broken, and it is stopped rather than allowed to grow the
/// host without bound.
pub const MAX_PENDING_TIMERS: usize = 65_536;

impl Host for ProcessState {
    fn start(&mut self, id: u64, nanoseconds: u64) {
        if self.process.pending_timers() >= MAX_PENDING_TIMERS {
            self.process.kill(ErrorInfo::crash(
                "Internal",
                format!("timer limit of {MAX_PENDING_TIMERS} pending timers exceeded"),
            ));
            return;
        }
        let process = self.process.clone();
        let runtime = self.runtime.clone();
        let timer = tokio::spawn(async move {
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
