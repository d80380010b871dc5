//! The guest side of the mailbox (process.md §5): signals from the host are routed to
//! the coroutine waiting for them, or wait here, in arrival order, until a
//! subscription (`inbox`, `events`, `listen`) can take them. Nothing is dropped.

use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use piccolo::{Context, StashedUserData, Table, Value};

use crate::api::channel::{ChannelRef, SendOutcome};
use crate::api::{errors, payload, set};
use crate::bindings::{ErrorInfo, ExitEvent, ExitResult, Message, Signal};
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

/// Subscriptions, undelivered signals and the waits that signals complete.
#[derive(Default)]
pub struct Mailbox {
    /// Messages and events no subscription has taken yet, oldest first.
    pending: VecDeque<Signal>,
    /// `process.inbox()`.
    pub inbox: Option<Subscription>,
    /// `process.events()`.
    pub events: Option<Subscription>,
    /// `process.listen(topic)`, by topic.
    pub topics: HashMap<String, Subscription>,
    /// `process.set_options{trap_links = ...}`.
    pub trap_links: bool,
    /// `process.exec` calls waiting for their child's end, by child PID.
    pub exec_waits: HashMap<String, WaitToken>,
    /// Timers that fire into channels, by timer ID.
    pub timers: HashMap<u64, TimerChannel>,
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
    while let Some(signal) = env.host.next_signal() {
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
                return Some(linked_process_failed());
            }
            Signal::Exit(event) => {
                let exec = env.mailbox.borrow_mut().exec_waits.remove(&event.from);
                match exec {
                    Some(token) => env
                        .scheduler
                        .borrow_mut()
                        .complete(token, Completion::Exit(event.outcome)),
                    None => env
                        .mailbox
                        .borrow_mut()
                        .pending
                        .push_back(Signal::Exit(event)),
                }
            }
            other => env.mailbox.borrow_mut().pending.push_back(other),
        }
    }
    deliver_pending(ctx, env)
}

/// Hands queued signals, oldest first, to subscriptions that can take them without
/// waiting. A signal whose channel cannot take it stays, and so does every later one
/// for that channel, which keeps each channel's order.
fn deliver_pending<'gc>(ctx: Context<'gc>, env: &Rc<Env>) -> Option<ErrorInfo> {
    let mut blocked: Vec<*const ()> = Vec::new();
    let mut index = 0;
    loop {
        let mut mailbox = env.mailbox.borrow_mut();
        if index >= mailbox.pending.len() || !any_can_accept(&mailbox, env, &blocked) {
            return None;
        }
        if matches!(mailbox.pending[index], Signal::LinkDown(_)) && !mailbox.trap_links {
            return Some(linked_process_failed());
        }
        let Some(target) = mailbox.target(&mailbox.pending[index]) else {
            index += 1;
            continue;
        };
        let Some(subscription) = mailbox.subscription(&target) else {
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
        let signal = mailbox.pending.remove(index)?;
        drop(mailbox);
        let value = signal_value(ctx, env, signal, messages);
        let outcome = core
            .borrow_mut()
            .try_send(&mut env.scheduler.borrow_mut(), ctx.stash(value));
        debug_assert!(matches!(outcome, SendOutcome::Sent));
    }
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
