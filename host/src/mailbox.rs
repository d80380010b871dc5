//! Mailboxes: every signal a process can receive, in arrival order (process.md §5).

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::Notify;

use crate::bindings::Signal;

/// Signals a mailbox holds before further sends fail. process.md §5 says unbounded;
/// a hostile sender could then exhaust the host's memory, so the bound is explicit
/// and a send over it fails visibly (`mailbox full`) instead of being dropped.
pub const MAILBOX_CAPACITY: usize = 1 << 20;

/// One process's mailbox; the process task sleeps on it while its coroutines wait.
#[derive(Default)]
pub struct Mailbox {
    queue: Mutex<VecDeque<Signal>>,
    arrived: Notify,
}

impl Mailbox {
    /// Appends a signal and wakes the owner. `Err` gives the signal back when full.
    pub fn push(&self, signal: Signal) -> Result<(), Signal> {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if queue.len() >= MAILBOX_CAPACITY {
            return Err(signal);
        }
        queue.push_back(signal);
        drop(queue);
        self.arrived.notify_one();
        Ok(())
    }

    /// Takes the oldest signal.
    pub fn pop(&self) -> Option<Signal> {
        self.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
    }

    /// Whether no signal is queued.
    pub fn is_empty(&self) -> bool {
        self.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// Waits until a signal is queued (returns at once if one already is).
    pub async fn wait(&self) {
        loop {
            let notified = self.arrived.notified();
            if !self.is_empty() {
                return;
            }
            notified.await;
        }
    }
}
