//! `wippy:runtime/timer`: one-shot timers on tokio's clock; a fired timer is a
//! signal in the owner's mailbox.

use std::time::Duration;

use crate::bindings::wippy::runtime::timer::Host;
use crate::bindings::Signal;
use crate::instance::ProcessState;

impl Host for ProcessState {
    fn start(&mut self, id: u64, nanoseconds: u64) {
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
}
