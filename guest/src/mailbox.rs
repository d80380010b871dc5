//! The guest side of the mailbox (process.md §5): signals from the host are routed to
//! the coroutine waiting for them, or wait here, in arrival order, until a
//! subscription (`inbox`, `events`, `listen`) can take them. Nothing is dropped.

use crate::host::Host;
use std::collections::VecDeque;
use std::rc::Rc;

use piccolo::{Context, StashedUserData, Table, Value};
use rustc_hash::FxHashMap;

use crate::api::channel::{ChannelRef, SendOutcome};
use crate::api::{errors, payload, set};
use crate::bindings::{ErrorInfo, ExitEvent, ExitResult, Message, Node, Signal};
use crate::codec;
use crate::env::Env;
use crate::scheduler::{Completion, WaitToken};

/// A channel that receives part of the mailbox.
pub struct Subscription {
    /// The channel's state.
    pub core: ChannelRef,
    /// The channel's userdata, so every call returns the same Lua value.
    pub channel: StashedUserData,
    /// Deliver Message objects (inbox, `listen(t, {message = true})`) rather than the
    /// payload values themselves.
    pub messages: bool,
}

/// A host timer whose fire goes into a channel (`time.after`, `timer`, `ticker`).
pub struct TimerChannel {
    /// Where the Time value goes.
    pub core: ChannelRef,
    /// A ticker's period in nanoseconds; `None` for one-shot timers.
    pub period: Option<u64>,
}

/// Undelivered messages a process holds itself; past this (or [`BACKLOG_BYTES`]) it
/// takes only runtime signals from the host, and further messages wait in the host's
/// bounded mailbox, whose senders then see `mailbox full`.
pub const BACKLOG_MESSAGES: usize = 4096;

/// Bytes of undelivered message payloads a process holds itself (see
/// [`BACKLOG_MESSAGES`]); well under the default memory limit.
pub const BACKLOG_BYTES: usize = 4 << 20;

/// Subscriptions, undelivered signals and the waits that signals complete.
#[derive(Default)]
pub struct Mailbox {
    /// Messages and events no subscription has taken yet, oldest first.
    pending: VecDeque<Signal>,
    /// How many of `pending` are messages, and their payload bytes.
    pending_messages: usize,
    pending_bytes: usize,
    /// `process.inbox()`.
    pub inbox: Option<Subscription>,
    /// `process.events()`.
    pub events: Option<Subscription>,
    /// `process.listen(topic)`, by topic.
    pub topics: FxHashMap<String, Subscription>,
    /// `process.set_options{trap_links = ...}`.
    pub trap_links: bool,
    /// `process.exec` calls waiting for their child's end, by child PID.
    pub exec_waits: FxHashMap<String, WaitToken>,
    /// Timers that fire into channels, by timer ID.
    pub timers: FxHashMap<u64, TimerChannel>,
    /// Set when a LINK_DOWN arrives while links are not trapped: the process dies at
    /// the next [`route`].
    doomed: Option<ErrorInfo>,
}

/// What a mailbox signal is for, once taken out of the queue.
enum Target {
    Inbox,
    Events,
    Topic(String),
}

impl Mailbox {
    fn target(&self, signal: &Signal) -> Option<Target> {
        match signal {
            Signal::Message(message) => {
                if self.topics.contains_key(&message.topic) {
                    Some(Target::Topic(message.topic.clone()))
                } else if !message.topic.starts_with('@') && self.inbox.is_some() {
                    Some(Target::Inbox)
                } else {
                    None
                }
            }
            Signal::Exit(_) | Signal::LinkDown(_) | Signal::Cancel(_) => {
                self.events.is_some().then_some(Target::Events)
            }
            Signal::Timer(_) | Signal::TerminalInput(_) => None,
        }
    }

    fn subscription(&self, target: &Target) -> Option<&Subscription> {
        match target {
            Target::Inbox => self.inbox.as_ref(),
            Target::Events => self.events.as_ref(),
            Target::Topic(topic) => self.topics.get(topic),
        }
    }

    /// Removes the queued signal at `index`.
    fn take(&mut self, index: usize) -> Option<Signal> {
        let signal = self.pending.remove(index)?;
        if let Signal::Message(message) = &signal {
            self.pending_messages -= 1;
            self.pending_bytes -= message_bytes(message);
        }
        Some(signal)
    }

    /// The subscription a queued signal goes to, if it has one now.
    fn subscription_for(&self, signal: &Signal) -> Option<&Subscription> {
        self.subscription(&self.target(signal)?)
    }

    /// The oldest queued signal for a subscription among `cores`: its index in the
    /// queue, which of `cores` it is for, and whether it is delivered as a Message.
    fn oldest_for(&self, cores: &[&ChannelRef]) -> Option<(usize, usize, bool)> {
        self.pending.iter().enumerate().find_map(|(index, signal)| {
            let subscription = self.subscription_for(signal)?;
            let which = cores
                .iter()
                .position(|core| Rc::ptr_eq(&subscription.core, core))?;
            Some((index, which, subscription.messages))
        })
    }

    fn subscriptions(&self) -> impl Iterator<Item = &Subscription> {
        self.inbox
            .iter()
            .chain(self.events.iter())
            .chain(self.topics.values())
    }
}

/// The error a LINK_DOWN kills an untrapping process with (process.md §5 rule 1).
fn linked_process_failed() -> ErrorInfo {
    ErrorInfo {
        kind: String::new(),
        message: "linked process failed".into(),
        retryable: None,
    }
}

/// Takes every signal the host has queued, completes the waits they are for, and hands
/// queued messages and events to subscriptions that can take them now. Returns the
/// error the process must die with, if a signal kills it.
pub fn route<'gc>(ctx: Context<'gc>, env: &Rc<Env>) -> Option<ErrorInfo> {
    deliver_pending(ctx, env);
    pull(ctx, env);
    env.mailbox.borrow().doomed.clone()
}

/// Whether the process's own backlog has room for more messages.
fn backlog_has_room(env: &Env) -> bool {
    let mailbox = env.mailbox.borrow();
    mailbox.pending_messages < BACKLOG_MESSAGES && mailbox.pending_bytes < BACKLOG_BYTES
}

/// Takes the host's queued signals (messages only while the backlog has room).
fn pull<'gc>(ctx: Context<'gc>, env: &Rc<Env>) {
    while env.mailbox.borrow().doomed.is_none() {
        let Some(signal) = env.host.next_signal(backlog_has_room(env)) else {
            return;
        };
        match signal {
            Signal::Timer(id) => {
                let timer = env.mailbox.borrow_mut().timers.remove(&id);
                match timer {
                    Some(timer) => crate::api::time::fire(ctx, env, id, timer),
                    None => env.scheduler.borrow_mut().complete(id, Completion::Timer),
                }
            }
            Signal::TerminalInput(input) => {
                let mut scheduler = env.scheduler.borrow_mut();
                if let Some(token) = scheduler.pop_terminal_read() {
                    scheduler.complete(token, Completion::TerminalInput(input));
                }
            }
            Signal::LinkDown(_) if !env.mailbox.borrow().trap_links => {
                env.mailbox.borrow_mut().doomed = Some(linked_process_failed());
            }
            Signal::Exit(event) if env.mailbox.borrow().exec_waits.contains_key(&event.from) => {
                let token = env.mailbox.borrow_mut().exec_waits.remove(&event.from);
                if let Some(token) = token {
                    let outcome = Completion::Exit(event.outcome);
                    env.scheduler.borrow_mut().complete(token, outcome);
                }
            }
            other => {
                let mut mailbox = env.mailbox.borrow_mut();
                if let Signal::Message(message) = &other {
                    mailbox.pending_messages += 1;
                    mailbox.pending_bytes += message_bytes(message);
                }
                mailbox.pending.push_back(other);
                drop(mailbox);
                // Deliver as we go, so a reader keeps the backlog short.
                deliver_pending(ctx, env);
            }
        }
    }
}

/// Takes the oldest queued signal for any subscription among `cores`, as the value
/// that channel delivers, with the index of its channel in `cores`. `None` if the
/// mailbox holds nothing for them.
pub fn take_for<'gc>(
    ctx: Context<'gc>,
    env: &Rc<Env>,
    cores: &[&ChannelRef],
) -> Option<(usize, Value<'gc>)> {
    let mut mailbox = env.mailbox.borrow_mut();
    let (index, which, messages) = mailbox.oldest_for(cores)?;
    let signal = mailbox.take(index)?;
    drop(mailbox);
    Some((which, signal_value(ctx, env, signal, messages)))
}

/// Takes the host's queued signals if the backlog holds nothing for the subscriptions
/// among `cores` (a receive that would otherwise wait). They may land in those
/// channels' buffers: look there again before [`take_for`].
pub fn pull_for<'gc>(ctx: Context<'gc>, env: &Rc<Env>, cores: &[&ChannelRef]) {
    let holds = env.mailbox.borrow().oldest_for(cores).is_some();
    if !holds && backlog_has_room(env) {
        pull(ctx, env);
    }
}

/// Hands queued signals, oldest first, to subscriptions that can take them without
/// waiting. A signal whose channel cannot take it stays, and so does every later one
/// for that channel, which keeps each channel's order.
fn deliver_pending<'gc>(ctx: Context<'gc>, env: &Rc<Env>) {
    let mut blocked: Vec<*const ()> = Vec::new();
    let mut index = 0;
    loop {
        let mut mailbox = env.mailbox.borrow_mut();
        if index >= mailbox.pending.len() || !any_can_accept(&mailbox, env, &blocked) {
            return;
        }
        if matches!(mailbox.pending[index], Signal::LinkDown(_)) && !mailbox.trap_links {
            // Queued while links were trapped; untrapped since.
            mailbox.doomed = Some(linked_process_failed());
            return;
        }
        let Some(subscription) = mailbox.subscription_for(&mailbox.pending[index]) else {
            index += 1;
            continue;
        };
        let key = Rc::as_ptr(&subscription.core) as *const ();
        if blocked.contains(&key) {
            index += 1;
            continue;
        }
        let core = subscription.core.clone();
        let messages = subscription.messages;
        if !core.borrow_mut().can_accept(&env.scheduler.borrow()) {
            blocked.push(key);
            index += 1;
            continue;
        }
        let Some(signal) = mailbox.take(index) else {
            return;
        };
        drop(mailbox);
        let value = signal_value(ctx, env, signal, messages);
        let outcome = core
            .borrow_mut()
            .try_send(&mut env.scheduler.borrow_mut(), ctx.stash(value));
        debug_assert!(matches!(outcome, SendOutcome::Sent));
    }
}

/// Roughly what a message costs to hold: its text plus a word or two per value.
fn message_bytes(message: &Message) -> usize {
    let nodes = message.payloads.iter().flat_map(|payload| &payload.nodes);
    message.topic.len()
        + nodes
            .map(|node| match node {
                Node::Text(bytes) => 16 + bytes.len(),
                _ => 16,
            })
            .sum::<usize>()
}

fn any_can_accept(mailbox: &Mailbox, env: &Env, blocked: &[*const ()]) -> bool {
    let scheduler = env.scheduler.borrow();
    mailbox.subscriptions().any(|subscription| {
        let key = Rc::as_ptr(&subscription.core) as *const ();
        !blocked.contains(&key) && subscription.core.borrow_mut().can_accept(&scheduler)
    })
}

/// The Lua value a subscription receives for `signal`.
fn signal_value<'gc>(
    ctx: Context<'gc>,
    env: &Rc<Env>,
    signal: Signal,
    messages: bool,
) -> Value<'gc> {
    match signal {
        Signal::Message(message) if messages => payload::message_value(ctx, env, message),
        Signal::Message(Message { payloads, .. }) => raw_value(ctx, env, &payloads),
        Signal::Exit(event) => exit_event(ctx, env, "pid.exit", event).into(),
        Signal::LinkDown(event) => exit_event(ctx, env, "pid.link.down", event).into(),
        Signal::Cancel(event) => {
            let table = Table::new(&ctx);
            set(ctx, table, "kind", "pid.cancel");
            set(ctx, table, "from", crate::api::lua_string(ctx, &event.from));
            set(ctx, table, "at", event.at);
            set(
                ctx,
                table,
                "reason",
                crate::api::lua_string(ctx, &event.reason),
            );
            table.into()
        }
        Signal::Timer(_) | Signal::TerminalInput(_) => Value::Nil,
    }
}

/// A raw `listen` delivery: nothing, the value, or an array of values (process.md §6).
fn raw_value<'gc>(
    ctx: Context<'gc>,
    env: &Rc<Env>,
    payloads: &[crate::bindings::Payload],
) -> Value<'gc> {
    let decode = |payload| codec::decode(ctx, env, payload).unwrap_or(Value::Nil);
    match payloads {
        [] => Value::Nil,
        [one] => decode(one),
        many => {
            let array = Table::new(&ctx);
            for (index, payload) in many.iter().enumerate() {
                let _ = array.set(ctx, index as i64 + 1, decode(payload));
            }
            array.into()
        }
    }
}

/// `{kind, from, at, result = {value = v} | {error = e}}` (process.md §7).
fn exit_event<'gc>(ctx: Context<'gc>, env: &Rc<Env>, kind: &str, event: ExitEvent) -> Table<'gc> {
    let table = Table::new(&ctx);
    set(ctx, table, "kind", crate::api::lua_string(ctx, kind));
    set(ctx, table, "from", crate::api::lua_string(ctx, &event.from));
    set(ctx, table, "at", event.at);
    set(ctx, table, "result", result_table(ctx, env, &event.outcome));
    table
}

/// `{value = v}` on success, `{error = e}` on failure.
pub fn result_table<'gc>(ctx: Context<'gc>, env: &Rc<Env>, outcome: &ExitResult) -> Table<'gc> {
    let result = Table::new(&ctx);
    match outcome {
        ExitResult::Value(payload) => {
            let value = codec::decode(ctx, env, payload).unwrap_or(Value::Nil);
            let _ = result.set(ctx, "value", value);
        }
        ExitResult::Failure(error) => {
            set(ctx, result, "error", errors::new_error(ctx, env, error));
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use crate::bindings::{CancelEvent, ExitEvent, ExitResult, Message, Payload, Signal};
    use crate::testing::{run_process, Recorded};

    fn exit_of(pid: &str) -> Signal {
        Signal::Exit(ExitEvent {
            from: pid.into(),
            at: 1,
            outcome: ExitResult::Value(Payload { nodes: vec![] }),
        })
    }

    fn message(topic: &str) -> Signal {
        Signal::Message(Message {
            from: "{app:test|0x00009}".into(),
            topic: topic.into(),
            payloads: Vec::new(),
        })
    }

    fn run(body: &str, prepare: impl FnOnce(&mut Recorded)) -> String {
        let source = format!(
            "local io = require('io')\nlocal time = require('time')\n\
             local function main()\n{body}\nend\nreturn {{ main = main }}"
        );
        let run = run_process(&source, prepare);
        format!("{}|{}", run.stdout(), run.outcome())
    }

    #[test]
    fn an_event_arriving_while_the_process_waits_wakes_it() {
        let out = run(
            "local e = process.events():receive() io.write(e.kind, ' ', e.from)",
            |host| host.later.push_back(exit_of("{app:test|0x00002}")),
        );
        assert_eq!(out, "pid.exit {app:test|0x00002}|nil");
    }

    #[test]
    fn signals_wait_for_their_subscription_and_keep_their_order() {
        let out = run(
            "time.sleep(10)
            local events, inbox = process.events(), process.inbox()
            for _ = 1, 3 do
                local r = channel.select { events:case_receive(), inbox:case_receive() }
                io.write(r.channel == inbox and r.value:topic() or r.value.kind, ' ')
            end",
            |host| {
                host.signals.push_back(message("first"));
                host.signals.push_back(Signal::Cancel(CancelEvent {
                    from: String::new(),
                    at: 1,
                    reason: "stop".into(),
                }));
                host.signals.push_back(message("second"));
            },
        );
        assert_eq!(out, "first pid.cancel second |nil");
    }

    #[test]
    fn a_message_for_a_busy_channel_holds_back_later_ones_for_it_only() {
        let out = run(
            "local inbox, events = process.inbox(), process.events()
            local e = events:receive()
            io.write(e.kind, ' ')
            io.write(inbox:receive():topic(), ' ', inbox:receive():topic())",
            |host| {
                host.signals.push_back(message("a"));
                host.signals.push_back(message("b"));
                host.signals.push_back(exit_of("{app:test|0x00002}"));
            },
        );
        assert_eq!(out, "pid.exit a b|nil");
    }

    #[test]
    fn the_backlog_limit_leaves_further_messages_with_the_host() {
        let out = run(
            "time.sleep(10)
            local inbox = process.inbox()
            local count = 0
            while true do
                local r = channel.select { inbox:case_receive(), default = true }
                if r.default then break end
                count = count + 1
            end
            io.write(count)",
            |host| {
                for _ in 0..super::BACKLOG_MESSAGES + 10 {
                    host.signals.push_back(message("m"));
                }
            },
        );
        // The first pass holds BACKLOG_MESSAGES; the drain loop then takes the rest
        // as the backlog empties.
        assert_eq!(out, format!("{}|nil", super::BACKLOG_MESSAGES + 10));
    }
}
