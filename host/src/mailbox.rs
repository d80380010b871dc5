//! Mailboxes: every signal a process can receive, in arrival order (process.md §5).
//!
//! Messages and runtime signals (timers, terminal input, EXIT, LINK_DOWN, CANCEL)
//! queue separately but keep one arrival order. A process whose own backlog of
//! undelivered messages is full takes only runtime signals until it catches up, so
//! its timers keep firing while senders see `mailbox full`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use crate::bindings::{Node, Payload, Signal};
use crate::sandbox::SharedBudget;

/// Messages a mailbox holds before further sends fail. process.md §5 says unbounded;
/// a hostile or runaway sender could then exhaust the host's memory, so the bound is
/// explicit and a send over it fails visibly (`mailbox full`) instead of being dropped.
pub const MAILBOX_MESSAGES: usize = 100_000;

/// Bytes of message payloads a mailbox holds before further sends fail.
pub const MAILBOX_BYTES: usize = 16 << 20;

/// Runtime signals a mailbox holds; past this one is lost and the loss is logged.
pub const MAILBOX_SIGNALS: usize = 1 << 20;

/// Bytes of message payloads all mailboxes of a runtime hold together, unless
/// `--message-memory` says otherwise. Each mailbox's own bound does not bound
/// the sum: one sender filling the mailboxes of many processes that do not read
/// would still exhaust the host.
pub const DEFAULT_MESSAGE_MEMORY: usize = 1 << 30;

/// Why a mailbox refused a signal.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The mailbox holds as much as one mailbox may.
    Full,
    /// All mailboxes together hold the runtime's message memory (`limit` bytes).
    OverBudget {
        /// The runtime's message memory.
        limit: usize,
    },
}

/// One process's mailbox; the process task sleeps on it while its coroutines wait.
pub struct Mailbox {
    queues: Mutex<Queues>,
    arrived: Notify,
    /// The bytes of messages all mailboxes of the runtime hold together.
    budget: Arc<SharedBudget>,
}

struct Queues {
    next_arrival: u64,
    messages: VecDeque<(u64, Signal, usize)>,
    message_bytes: usize,
    signals: VecDeque<(u64, Signal)>,
    /// Whether the owner takes messages now (see the module docs).
    taking_messages: bool,
}

impl Drop for Mailbox {
    fn drop(&mut self) {
        self.budget.give_back(self.queues().message_bytes);
    }
}

impl Queues {
    fn has_work(&self) -> bool {
        !self.signals.is_empty() || (self.taking_messages && !self.messages.is_empty())
    }
}

impl Mailbox {
    /// An empty mailbox whose messages' bytes count against `budget`.
    pub fn new(budget: Arc<SharedBudget>) -> Self {
        Mailbox {
            queues: Mutex::new(Queues {
                next_arrival: 0,
                messages: VecDeque::new(),
                message_bytes: 0,
                signals: VecDeque::new(),
                taking_messages: true,
            }),
            arrived: Notify::new(),
            budget,
        }
    }

    fn queues(&self) -> std::sync::MutexGuard<'_, Queues> {
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends a signal and wakes the owner; refused when full.
    pub fn push(&self, signal: Signal) -> Result<(), Refused> {
        let mut queues = self.queues();
        let arrival = queues.next_arrival;
        match signal {
            Signal::Message(ref message) => {
                let bytes =
                    message.topic.len() + message.payloads.iter().map(payload_bytes).sum::<usize>();
                if queues.messages.len() >= MAILBOX_MESSAGES
                    || queues.message_bytes + bytes > MAILBOX_BYTES
                {
                    return Err(Refused::Full);
                }
                if !self.budget.take(bytes) {
                    return Err(Refused::OverBudget {
                        limit: self.budget.limit(),
                    });
                }
                queues.message_bytes += bytes;
                queues.messages.push_back((arrival, signal, bytes));
            }
            _ => {
                if queues.signals.len() >= MAILBOX_SIGNALS {
                    return Err(Refused::Full);
                }
                queues.signals.push_back((arrival, signal));
            }
        }
        queues.next_arrival += 1;
        drop(queues);
        self.arrived.notify_one();
        Ok(())
    }

    /// Takes the oldest signal; messages only if `messages` is set. The choice is
    /// remembered, so [`Mailbox::wait`] does not wake the owner for messages it
    /// will not take.
    pub fn pop(&self, messages: bool) -> Option<Signal> {
        let mut queues = self.queues();
        queues.taking_messages = messages;
        let message_first = match (queues.messages.front(), queues.signals.front()) {
            (Some((message, ..)), Some((signal, _))) => messages && message < signal,
            (Some(_), None) => messages,
            _ => false,
        };
        if message_first {
            let (_, message, bytes) = queues.messages.pop_front()?;
            queues.message_bytes -= bytes;
            self.budget.give_back(bytes);
            Some(message)
        } else {
            queues.signals.pop_front().map(|(_, signal)| signal)
        }
    }

    /// Whether nothing at all is queued.
    pub fn is_empty(&self) -> bool {
        let queues = self.queues();
        queues.signals.is_empty() && queues.messages.is_empty()
    }

    /// Waits until there is something the owner takes (returns at once if there is).
    pub async fn wait(&self) {
        loop {
            let notified = self.arrived.notified();
            if self.queues().has_work() {
                return;
            }
            notified.await;
        }
    }
}

/// Roughly what a payload costs to hold: its bytes plus a word or two per node.
pub fn payload_bytes(payload: &Payload) -> usize {
    payload
        .nodes
        .iter()
        .map(|node| match node {
            Node::Text(bytes) => 16 + bytes.len(),
            Node::Table(entries) => 16 + 8 * entries.len(),
            Node::Error(error) => 32 + error.info.kind.len() + error.info.message.len(),
            _ => 16,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::Message;

    fn message(text: &str) -> Signal {
        Signal::Message(Message {
            from: String::new(),
            topic: "t".into(),
            payloads: vec![Payload::text(text)],
        })
    }

    fn unbudgeted() -> Mailbox {
        Mailbox::new(SharedBudget::new(usize::MAX))
    }

    fn text_of(signal: Signal) -> String {
        match signal {
            Signal::Message(message) => match &message.payloads[0].nodes[0] {
                Node::Text(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                other => format!("{other:?}"),
            },
            Signal::Timer(id) => format!("timer {id}"),
            _ => "other".into(),
        }
    }

    #[test]
    fn messages_and_signals_keep_one_arrival_order() {
        let mailbox = unbudgeted();
        mailbox.push(message("a")).unwrap();
        mailbox.push(Signal::Timer(1)).unwrap();
        mailbox.push(message("b")).unwrap();
        let order: Vec<String> = std::iter::from_fn(|| mailbox.pop(true))
            .map(text_of)
            .collect();
        assert_eq!(order, ["a", "timer 1", "b"]);
    }

    #[test]
    fn an_owner_refusing_messages_still_gets_signals() {
        let mailbox = unbudgeted();
        mailbox.push(message("a")).unwrap();
        mailbox.push(Signal::Timer(7)).unwrap();
        assert_eq!(text_of(mailbox.pop(false).unwrap()), "timer 7");
        assert!(mailbox.pop(false).is_none());
        assert!(
            !mailbox.queues().has_work(),
            "no wake-up for refused messages"
        );
        assert_eq!(text_of(mailbox.pop(true).unwrap()), "a");
    }

    #[test]
    fn a_full_mailbox_refuses_by_count_and_by_bytes_until_drained() {
        let mailbox = unbudgeted();
        let big = "x".repeat(1 << 20);
        let mut accepted = 0;
        while mailbox.push(message(&big)).is_ok() {
            accepted += 1;
        }
        assert_eq!(accepted, 15, "16 MiB of 1 MiB messages, with overhead");
        assert!(
            mailbox.push(Signal::Timer(1)).is_ok(),
            "signals have their own bound"
        );
        mailbox.pop(true).unwrap();
        assert!(
            mailbox.push(message(&big)).is_ok(),
            "room again after a pop"
        );

        let small = unbudgeted();
        for _ in 0..MAILBOX_MESSAGES {
            small.push(message("")).unwrap();
        }
        assert_eq!(small.push(message("")), Err(Refused::Full));
    }

    #[test]
    fn mailboxes_share_the_runtime_budget_and_give_it_back() {
        let budget = SharedBudget::new(3 << 20);
        let first = Mailbox::new(budget.clone());
        let second = Mailbox::new(budget.clone());
        let big = "x".repeat(1 << 20);
        first.push(message(&big)).unwrap();
        second.push(message(&big)).unwrap();
        assert_eq!(
            first.push(message(&big)),
            Err(Refused::OverBudget { limit: 3 << 20 }),
            "three 1 MiB messages and their overhead are over 3 MiB"
        );
        first.pop(true).unwrap();
        first.push(message(&big)).unwrap();
        drop(first);
        second.push(message(&big)).unwrap();
        assert_eq!(
            second.push(message(&big)),
            Err(Refused::OverBudget { limit: 3 << 20 })
        );
    }
}
