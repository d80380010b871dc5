//! `wippy:runtime/mailbox`: sending, and taking signals in arrival order.

use crate::bindings::wippy::runtime::mailbox::Host;
use crate::bindings::{ErrorInfo, Payload, Signal};
use crate::instance::ProcessState;

impl Host for ProcessState {
    fn send(
        &mut self,
        dest: String,
        topic: String,
        payloads: Vec<Payload>,
    ) -> Result<(), ErrorInfo> {
        if topic.starts_with('@') {
            return Err(ErrorInfo::new("Invalid", "cannot send to @ topics"));
        }
        self.runtime.send(&self.process, &dest, topic, payloads)
    }

    fn next(&mut self, messages: bool) -> Option<Signal> {
        self.process.mailbox.pop(messages)
    }
}
