//! The `channel` global (channel.md): Go-style FIFO queues between the coroutines of
//! one process, and `channel.select`.
//!
//! A channel is a userdata around a shared [`ChannelCore`]. A coroutine that must wait
//! registers its [`WaitToken`] on every channel it waits on and parks (see
//! [`crate::scheduler`]); whichever operation completes first completes the token, which
//! makes every other registration of that token stale. Stale registrations are skipped
//! when met and withdrawn by the waiter when it resumes, so a `select` that loops over
//! the same channels leaves nothing behind.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use piccolo::{
    Callback, CallbackReturn, Context, Error, StashedUserData, StaticValue, Table, UserData, Value,
};

use crate::api::{lua_string, metatable, set};
use crate::env::Env;
use crate::scheduler::{wait_with, Completion, Scheduler, WaitToken};

/// A coroutine parked on a channel: its wait token and which case of its wait this is.
#[derive(Clone, Copy)]
struct Waiter {
    token: WaitToken,
    case: usize,
}

/// What a send that must not wait achieved.
pub enum SendOutcome {
    /// A receiver took the value, or it went into the buffer.
    Sent,
    /// Nobody is receiving and the buffer is full: the value comes back.
    WouldBlock(StaticValue),
    /// The channel is closed.
    Closed,
}

/// The state of one channel.
pub struct ChannelCore {
    capacity: usize,
    buffer: VecDeque<StaticValue>,
    closed: bool,
    receivers: VecDeque<Waiter>,
    senders: VecDeque<(Waiter, StaticValue)>,
}

/// A channel as its userdata, timers and subscriptions share it.
pub type ChannelRef = Rc<RefCell<ChannelCore>>;

impl ChannelCore {
    /// An open, empty channel holding up to `capacity` values (0: unbuffered).
    pub fn new(capacity: usize) -> ChannelRef {
        Rc::new(RefCell::new(ChannelCore {
            capacity,
            buffer: VecDeque::new(),
            closed: false,
            receivers: VecDeque::new(),
            senders: VecDeque::new(),
        }))
    }

    /// Receives without waiting: `Some((value, ok))` when a value (or the end of a
    /// closed channel) is there, `None` when a receiver would have to wait.
    pub fn try_receive(
        &mut self,
        scheduler: &mut Scheduler,
    ) -> Option<(Option<StaticValue>, bool)> {
        if let Some(value) = self.buffer.pop_front() {
            // The freed slot goes to the longest-waiting sender.
            if let Some((sender, pending)) = self.pop_live_sender(scheduler) {
                self.buffer.push_back(pending);
                complete_send(scheduler, sender);
            }
            return Some((Some(value), true));
        }
        if let Some((sender, value)) = self.pop_live_sender(scheduler) {
            complete_send(scheduler, sender);
            return Some((Some(value), true));
        }
        self.closed.then_some((None, false))
    }

    /// Sends without waiting.
    pub fn try_send(&mut self, scheduler: &mut Scheduler, value: StaticValue) -> SendOutcome {
        if self.closed {
            return SendOutcome::Closed;
        }
        if let Some(receiver) = self.pop_live_receiver(scheduler) {
            scheduler.complete(
                receiver.token,
                Completion::Channel {
                    case: receiver.case,
                    value: Some(value),
                    ok: true,
                },
            );
            return SendOutcome::Sent;
        }
        if self.buffer.len() < self.capacity {
            self.buffer.push_back(value);
            return SendOutcome::Sent;
        }
        SendOutcome::WouldBlock(value)
    }

    /// Whether a send would succeed without waiting (used to route mailbox messages,
    /// which must never wait: process.md §5).
    pub fn can_accept(&mut self, scheduler: &Scheduler) -> bool {
        if self.closed {
            return false;
        }
        while let Some(front) = self.receivers.front() {
            if scheduler.is_parked(front.token) {
                return true;
            }
            self.receivers.pop_front();
        }
        self.buffer.len() < self.capacity
    }

    /// Closes the channel: waiting receivers get `nil, false`, waiting senders raise,
    /// buffered values stay receivable. Closing twice does nothing.
    pub fn close(&mut self, scheduler: &mut Scheduler) {
        if self.closed {
            return;
        }
        self.closed = true;
        while let Some(receiver) = self.pop_live_receiver(scheduler) {
            scheduler.complete(
                receiver.token,
                Completion::Channel {
                    case: receiver.case,
                    value: None,
                    ok: false,
                },
            );
        }
        while let Some((sender, _)) = self.pop_live_sender(scheduler) {
            scheduler.complete(sender.token, Completion::SendOnClosed);
        }
    }

    /// Whether the channel was closed.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Opens a closed channel again (a timer re-armed after it fired).
    pub fn reopen(&mut self) {
        self.closed = false;
    }

    fn wait_receive(&mut self, token: WaitToken, case: usize) {
        self.receivers.push_back(Waiter { token, case });
    }

    fn wait_send(&mut self, token: WaitToken, case: usize, value: StaticValue) {
        self.senders.push_back((Waiter { token, case }, value));
    }

    /// Removes every registration of `token`.
    fn withdraw(&mut self, token: WaitToken) {
        self.receivers.retain(|waiter| waiter.token != token);
        self.senders.retain(|(waiter, _)| waiter.token != token);
    }

    fn pop_live_receiver(&mut self, scheduler: &Scheduler) -> Option<Waiter> {
        while let Some(receiver) = self.receivers.pop_front() {
            if scheduler.is_parked(receiver.token) {
                return Some(receiver);
            }
        }
        None
    }

    fn pop_live_sender(&mut self, scheduler: &Scheduler) -> Option<(Waiter, StaticValue)> {
        while let Some((sender, value)) = self.senders.pop_front() {
            if scheduler.is_parked(sender.token) {
                return Some((sender, value));
            }
        }
        None
    }
}

fn complete_send(scheduler: &mut Scheduler, sender: Waiter) {
    scheduler.complete(
        sender.token,
        Completion::Channel {
            case: sender.case,
            value: None,
            ok: true,
        },
    );
}

/// The Rust side of a channel userdata.
pub struct ChannelObject {
    /// The channel's state.
    pub core: ChannelRef,
}

/// What a case object asks for.
enum CaseOp {
    Receive,
    Send(StaticValue),
}

/// The Rust side of a `ch:case_send(v)` / `ch:case_receive()` userdata.
struct CaseObject {
    core: ChannelRef,
    channel: StashedUserData,
    op: CaseOp,
}

/// A new channel userdata around `core`.
pub fn new_channel<'gc>(ctx: Context<'gc>, env: &Rc<Env>, core: ChannelRef) -> UserData<'gc> {
    let userdata = UserData::new_static(&ctx, ChannelObject { core });
    userdata.set_metatable(&ctx, Some(metatable(ctx, env, "channel", build_metatable)));
    userdata
}

/// The channel behind `value`, if it is a channel userdata.
pub fn as_channel(value: Value<'_>) -> Option<&ChannelRef> {
    match value {
        Value::UserData(userdata) => userdata
            .downcast_static::<ChannelObject>()
            .ok()
            .map(|object| &object.core),
        _ => None,
    }
}

fn channel_arg<'gc>(
    ctx: Context<'gc>,
    value: Value<'gc>,
    method: &str,
) -> Result<ChannelRef, Error<'gc>> {
    as_channel(value).cloned().ok_or_else(|| {
        lua_string(
            ctx,
            &format!("bad argument #1 to '{method}' (channel expected)"),
        )
        .into()
    })
}

fn closed_send_error(ctx: Context<'_>) -> Error<'_> {
    lua_string(ctx, "send on closed channel").into()
}

fn build_metatable<'gc>(ctx: Context<'gc>, env: &Rc<Env>) -> Table<'gc> {
    let methods = Table::new(&ctx);

    let e = env.clone();
    let send = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let core = channel_arg(ctx, stack.get(0), "send")?;
        let value = ctx.stash(stack.get(1));
        let mut scheduler = e.scheduler.borrow_mut();
        let outcome = core.borrow_mut().try_send(&mut scheduler, value);
        stack.clear();
        match outcome {
            SendOutcome::Sent => {
                stack.push_back(Value::Boolean(true));
                Ok(CallbackReturn::Return)
            }
            SendOutcome::Closed => Err(closed_send_error(ctx)),
            SendOutcome::WouldBlock(value) => {
                let token = scheduler.new_token();
                scheduler.park(token);
                core.borrow_mut().wait_send(token, 0, value);
                drop(scheduler);
                Ok(wait_with(
                    ctx,
                    &e,
                    token,
                    Box::new(move |ctx, completion, stack| {
                        core.borrow_mut().withdraw(token);
                        match completion {
                            Completion::SendOnClosed => Err(closed_send_error(ctx)),
                            _ => {
                                stack.push_back(Value::Boolean(true));
                                Ok(())
                            }
                        }
                    }),
                ))
            }
        }
    });
    set(ctx, methods, "send", send);

    let e = env.clone();
    let receive = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let core = channel_arg(ctx, stack.get(0), "receive")?;
        stack.clear();
        if let Some((value, ok)) = receive_now(ctx, &e, &core) {
            stack.push_back(value);
            stack.push_back(Value::Boolean(ok));
            return Ok(CallbackReturn::Return);
        }
        let mut scheduler = e.scheduler.borrow_mut();
        let token = scheduler.new_token();
        scheduler.park(token);
        core.borrow_mut().wait_receive(token, 0);
        drop(scheduler);
        Ok(wait_with(
            ctx,
            &e,
            token,
            Box::new(move |ctx, completion, stack| {
                core.borrow_mut().withdraw(token);
                if let Completion::Channel { value, ok, .. } = completion {
                    stack.push_back(value.map_or(Value::Nil, |v| ctx.fetch(&v)));
                    stack.push_back(Value::Boolean(ok));
                }
                Ok(())
            }),
        ))
    });
    set(ctx, methods, "receive", receive);

    let e = env.clone();
    let close = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let core = channel_arg(ctx, stack.get(0), "close")?;
        core.borrow_mut().close(&mut e.scheduler.borrow_mut());
        stack.clear();
        Ok(CallbackReturn::Return)
    });
    set(ctx, methods, "close", close);

    for (name, receive) in [("case_receive", true), ("case_send", false)] {
        let e = env.clone();
        let case = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
            let core = channel_arg(ctx, stack.get(0), name)?;
            let Value::UserData(channel) = stack.get(0) else {
                return Err(lua_string(ctx, "channel expected").into());
            };
            let op = if receive {
                CaseOp::Receive
            } else {
                CaseOp::Send(ctx.stash(stack.get(1)))
            };
            let object = CaseObject {
                core,
                channel: ctx.stash(channel),
                op,
            };
            let userdata = UserData::new_static(&ctx, object);
            userdata.set_metatable(&ctx, Some(metatable(ctx, &e, "case", build_case_metatable)));
            stack.replace(ctx, userdata);
            Ok(CallbackReturn::Return)
        });
        set(ctx, methods, name, case);
    }

    let metatable = Table::new(&ctx);
    set(ctx, metatable, "__index", methods);
    set(ctx, metatable, "__name", "channel");
    metatable
}

fn build_case_metatable<'gc>(ctx: Context<'gc>, _env: &Rc<Env>) -> Table<'gc> {
    let metatable = Table::new(&ctx);
    set(ctx, metatable, "__name", "channel.case");
    metatable
}

/// Builds the `channel` global.
pub fn module<'gc>(ctx: Context<'gc>, env: &Rc<Env>) -> Table<'gc> {
    let channel = Table::new(&ctx);

    let e = env.clone();
    let new = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let capacity = match stack.get(0) {
            Value::Nil => 0,
            Value::Integer(n) => n.max(0),
            Value::Number(n) if n.is_finite() => (n as i64).max(0),
            Value::Number(_) => 0,
            other => {
                return Err(lua_string(
                    ctx,
                    &format!(
                        "bad argument #1 to 'new' (number expected, got {})",
                        other.type_name()
                    ),
                )
                .into())
            }
        };
        let capacity = usize::try_from(capacity).unwrap_or(usize::MAX);
        stack.replace(ctx, new_channel(ctx, &e, ChannelCore::new(capacity)));
        Ok(CallbackReturn::Return)
    });
    set(ctx, channel, "new", new);

    let e = env.clone();
    let select = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let Value::Table(cases) = stack.get(0) else {
            return Err(lua_string(ctx, "bad argument #1 to 'select' (table expected)").into());
        };
        let has_default = stack.get(1).to_bool() || cases.get(ctx, "default").to_bool();
        stack.clear();
        select(ctx, &e, cases, has_default, &mut stack)
    });
    set(ctx, channel, "select", select);
    channel
}

/// Receives without waiting from the buffer or a waiting sender.
fn try_receive<'gc>(ctx: Context<'gc>, env: &Env, core: &ChannelRef) -> Option<(Value<'gc>, bool)> {
    let ready = core
        .borrow_mut()
        .try_receive(&mut env.scheduler.borrow_mut());
    ready.map(|(value, ok)| (value.map_or(Value::Nil, |v| ctx.fetch(&v)), ok))
}

/// Receives without waiting: [`try_receive`], else, for a subscription channel, the
/// oldest message or event the mailbox holds for it. The mailbox thus acts as a sender
/// waiting on every subscription, so `select` with `default` can drain an inbox.
fn receive_now<'gc>(
    ctx: Context<'gc>,
    env: &Rc<Env>,
    core: &ChannelRef,
) -> Option<(Value<'gc>, bool)> {
    try_receive(ctx, env, core).or_else(|| {
        crate::mailbox::pull_for(ctx, env, &[core]);
        try_receive(ctx, env, core)
            .or_else(|| crate::mailbox::take_for(ctx, env, &[core]).map(|(_, value)| (value, true)))
    })
}

/// One case of a `select`, copied out of its userdata.
struct SelectCase {
    core: ChannelRef,
    channel: StashedUserData,
    send: Option<StaticValue>,
}

fn select<'gc>(
    ctx: Context<'gc>,
    env: &Rc<Env>,
    cases_table: Table<'gc>,
    has_default: bool,
    stack: &mut piccolo::Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let mut cases = Vec::new();
    for index in 1..=cases_table.length() {
        let Value::UserData(userdata) = cases_table.get(ctx, index) else {
            continue;
        };
        // Entries that are not case objects are ignored (channel.md §2).
        let Ok(case) = userdata.downcast_static::<CaseObject>() else {
            continue;
        };
        cases.push(SelectCase {
            core: case.core.clone(),
            channel: case.channel.clone(),
            send: match &case.op {
                CaseOp::Receive => None,
                CaseOp::Send(value) => Some(value.clone()),
            },
        });
    }

    // The first ready case, in array order, wins. If none is, the host's queued
    // signals are taken (they may fill buffers) and the cases are tried once more.
    let receiving: Vec<&ChannelRef> = cases
        .iter()
        .filter(|case| case.send.is_none())
        .map(|case| &case.core)
        .collect();
    for pass in 0..2 {
        if pass == 1 {
            crate::mailbox::pull_for(ctx, env, &receiving);
        }
        for case in &cases {
            match &case.send {
                None => {
                    if let Some((value, ok)) = try_receive(ctx, env, &case.core) {
                        stack.push_back(select_result(ctx, &case.channel, value, ok).into());
                        return Ok(CallbackReturn::Return);
                    }
                }
                Some(value) => match case
                    .core
                    .borrow_mut()
                    .try_send(&mut env.scheduler.borrow_mut(), value.clone())
                {
                    SendOutcome::Sent => {
                        let value = ctx.fetch(value);
                        stack.push_back(select_result(ctx, &case.channel, value, true).into());
                        return Ok(CallbackReturn::Return);
                    }
                    SendOutcome::Closed => return Err(closed_send_error(ctx)),
                    SendOutcome::WouldBlock(_) => {}
                },
            }
        }
    }
    // Then the mailbox, oldest signal first across the cases' subscriptions, as the
    // process would have routed it to this select had it been waiting already.
    if let Some((which, value)) = crate::mailbox::take_for(ctx, env, &receiving) {
        let case = cases
            .iter()
            .filter(|case| case.send.is_none())
            .nth(which)
            .ok_or_else(|| closed_send_error(ctx))?;
        stack.push_back(select_result(ctx, &case.channel, value, true).into());
        return Ok(CallbackReturn::Return);
    }
    let mut scheduler = env.scheduler.borrow_mut();
    if has_default {
        let result = Table::new(&ctx);
        set(ctx, result, "default", true);
        set(ctx, result, "ok", true);
        stack.push_back(result.into());
        return Ok(CallbackReturn::Return);
    }

    let token = scheduler.new_token();
    scheduler.park(token);
    for (index, case) in cases.iter().enumerate() {
        let mut core = case.core.borrow_mut();
        match &case.send {
            None => core.wait_receive(token, index),
            Some(value) => core.wait_send(token, index, value.clone()),
        }
    }
    drop(scheduler);
    Ok(wait_with(
        ctx,
        env,
        token,
        Box::new(move |ctx, completion, stack| {
            for case in &cases {
                case.core.borrow_mut().withdraw(token);
            }
            let (index, value, ok) = match completion {
                Completion::Channel { case, value, ok } => (case, value, ok),
                _ => return Err(closed_send_error(ctx)),
            };
            let Some(case) = cases.get(index) else {
                return Ok(());
            };
            let value = match (&case.send, value) {
                (Some(sent), _) => ctx.fetch(sent),
                (None, Some(received)) => ctx.fetch(&received),
                (None, None) => Value::Nil,
            };
            stack.push_back(select_result(ctx, &case.channel, value, ok).into());
            Ok(())
        }),
    ))
}

/// `{channel = ch, value = v, ok = ok}` (channel.md §2).
fn select_result<'gc>(
    ctx: Context<'gc>,
    channel: &StashedUserData,
    value: Value<'gc>,
    ok: bool,
) -> Table<'gc> {
    let result = Table::new(&ctx);
    set(ctx, result, "channel", ctx.fetch(channel));
    let _ = result.set(ctx, "value", value);
    set(ctx, result, "ok", ok);
    result
}

#[cfg(test)]
mod tests {
    use crate::testing::run_process;

    fn run(body: &str) -> String {
        let source = format!(
            "local io = require('io')\nlocal time = require('time')\n\
             local function main()\n{body}\nend\nreturn {{ main = main }}"
        );
        let run = run_process(&source, |_| {});
        format!("{}|{}", run.stdout(), run.outcome())
    }

    #[test]
    fn a_buffered_channel_keeps_fifo_order_and_drains_after_close() {
        let out = run("local ch = channel.new(3)
            ch:send(1) ch:send('two') ch:send(nil)
            ch:close()
            for _ = 1, 4 do local v, ok = ch:receive() io.write(tostring(v), ':', tostring(ok), ' ') end");
        assert_eq!(out, "1:true two:true nil:true nil:false |nil");
    }

    #[test]
    fn an_unbuffered_send_waits_for_a_receiver_in_another_coroutine() {
        let out = run("local ch = channel.new()
            coroutine.spawn(function()
                io.write('sender starts ')
                ch:send('hello')
                io.write('sender done ')
            end)
            io.write('main receives ')
            local v = ch:receive()
            io.write('got ', v, ' ')
            coroutine.yield()
            return 7");
        assert_eq!(out, "sender starts main receives got hello sender done |7");
    }

    #[test]
    fn receivers_and_senders_queue_in_fifo_order() {
        let out = run("local ch = channel.new()
            for i = 1, 3 do
                coroutine.spawn(function() local v = ch:receive() io.write('r', i, '=', v, ' ') end)
            end
            for _, v in ipairs({'a', 'b', 'c'}) do ch:send(v) end
            coroutine.yield()");
        assert_eq!(out, "r1=a r2=b r3=c |nil");
    }

    #[test]
    fn closing_wakes_receivers_with_nil_false_and_makes_waiting_senders_raise() {
        let out = run("local ch = channel.new()
            coroutine.spawn(function() local v, ok = ch:receive() io.write('recv ', tostring(v), ' ', tostring(ok), ' ') end)
            coroutine.yield()
            ch:close()
            ch:close()
            local ok, err = pcall(function() ch:send(1) end)
            io.write(tostring(ok), ' ', err, ' ')
            local blocked = channel.new()
            coroutine.spawn(function()
                local sent, why = pcall(function() blocked:send('x') end)
                io.write('waiting sender: ', tostring(sent), ' ', why, ' ')
            end)
            coroutine.yield()
            blocked:close()
            coroutine.yield()");
        assert_eq!(
            out,
            "false send on closed channel recv nil false waiting sender: false send on closed channel |nil"
        );
    }

    #[test]
    fn select_takes_the_first_ready_case_in_array_order() {
        let out = run("local a, b = channel.new(1), channel.new(1)
            a:send('A') b:send('B')
            local r = channel.select { b:case_receive(), a:case_receive() }
            io.write(tostring(r.channel == b), ' ', r.value, ' ', tostring(r.ok), ' ')
            r = channel.select { b:case_receive(), a:case_receive() }
            io.write(tostring(r.channel == a), ' ', r.value, ' ')");
        assert_eq!(out, "true B true true A |nil");
    }

    #[test]
    fn select_default_returns_at_once_in_both_forms() {
        let out = run("local a = channel.new()
            local r = channel.select { a:case_receive(), default = true }
            io.write(tostring(r.default), ' ', tostring(r.ok), ' ', tostring(r.channel), ' ')
            r = channel.select({ a:case_receive() }, true)
            io.write(tostring(r.default), ' ')
            r = channel.select { 'ignored', 42, default = true }
            io.write(tostring(r.default))");
        assert_eq!(out, "true true nil true true|nil");
    }

    #[test]
    fn a_waiting_select_completes_exactly_one_case_and_withdraws_the_others() {
        let out = run("local a, b = channel.new(), channel.new()
            coroutine.spawn(function()
                local r = channel.select { a:case_receive(), b:case_receive() }
                io.write('select got ', r.value, ' ')
            end)
            coroutine.yield()
            b:send('from b')
            local r = channel.select { a:case_send('late'), default = true }
            io.write('a still has a receiver: ', tostring(not r.default), ' ')
            coroutine.yield()");
        assert_eq!(out, "a still has a receiver: false select got from b |nil");
    }

    #[test]
    fn select_send_cases_deliver_and_report_the_sent_value() {
        let out = run("local ch = channel.new()
            coroutine.spawn(function() io.write('received ', ch:receive(), ' ') end)
            coroutine.yield()
            local r = channel.select { ch:case_send(99) }
            io.write(tostring(r.channel == ch), ' ', r.value, ' ', tostring(r.ok))
            coroutine.yield()");
        // Completing a send does not yield: the receiver runs at the next yield point.
        assert_eq!(out, "true 99 truereceived 99 |nil");
    }

    #[test]
    fn select_on_a_closed_channel_is_ready_with_ok_false() {
        let out = run("local ch = channel.new(1)
            ch:close()
            local r = channel.select { ch:case_receive() }
            io.write(tostring(r.value), ' ', tostring(r.ok))");
        assert_eq!(out, "nil false|nil");
    }

    #[test]
    fn channel_new_rejects_non_numbers_and_clamps_negative_sizes() {
        let out = run("local ok, err = pcall(channel.new, 'big')
            io.write(tostring(ok), ' ', err, ' ')
            local ch = channel.new(-5)
            local r = channel.select { ch:case_send(1), default = true }
            io.write(tostring(r.default))");
        assert_eq!(
            out,
            "false bad argument #1 to 'new' (number expected, got string) true|nil"
        );
    }

    #[test]
    fn main_returning_discards_other_coroutines() {
        let out = run(
            "coroutine.spawn(function() while true do time.sleep(1000) io.write('tick ') end end)
            time.sleep(2500)
            return 'done'",
        );
        assert_eq!(out, "tick tick |done");
    }

    #[test]
    fn an_error_in_a_spawned_coroutine_fails_the_process() {
        let out = run("coroutine.spawn(function() error('boom', 0) end)
            time.sleep(1000)
            return 'unreached'");
        assert_eq!(out, "|error: boom");
    }

    #[test]
    fn select_with_no_cases_and_no_default_waits_forever() {
        let out = run("channel.select {}");
        assert_eq!(out, "|deadlock");
    }
}
