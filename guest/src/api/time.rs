//! The `time` module (time.md). This issue ships `sleep`; timers, tickers and Time
//! values come with the process model.

use crate::host::Host;
use std::rc::Rc;

use std::cell::Cell;

use piccolo::{Callback, CallbackReturn, Context, Error, StashedUserData, Table, UserData, Value};

use crate::api::channel::{self, ChannelCore, ChannelRef};
use crate::api::time_types::{self, duration_arg};
use crate::api::{errors, invalid, lua_string, metatable, return_result, set};
use crate::env::Env;
use crate::mailbox::TimerChannel;
use crate::scheduler::wait_for;

/// Builds the `time` module table.
pub fn module<'gc>(ctx: Context<'gc>, env: &Rc<Env>) -> Table<'gc> {
    let time = Table::new(&ctx);
    let e = env.clone();
    let sleep = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let nanoseconds = match duration_arg(stack.get(0)) {
            Ok(ns) => ns,
            Err(message) => {
                return_result(ctx, &e, &mut stack, Err(invalid(&message)));
                return Ok(CallbackReturn::Return);
            }
        };
        stack.clear();
        if nanoseconds <= 0 {
            return Ok(CallbackReturn::Return);
        }
        let token = e.scheduler.borrow_mut().new_token();
        e.host.timer_start(token, nanoseconds as u64);
        Ok(wait_for(ctx, &e, token))
    });
    set(ctx, time, "sleep", sleep);
    install_timers(ctx, env, time);
    for (name, ns) in [
        ("NANOSECOND", 1i64),
        ("MICROSECOND", 1_000),
        ("MILLISECOND", 1_000_000),
        ("SECOND", 1_000_000_000),
        ("MINUTE", 60_000_000_000),
        ("HOUR", 3_600_000_000_000),
    ] {
        set(ctx, time, name, ns);
    }
    time_types::install(ctx, env, time);
    time
}

/// Buffer of a ticker's channel; ticks that find it full are dropped (time.md §2).
const TICKER_BUFFER: usize = 16;

/// The Rust side of a Timer or Ticker userdata.
struct TimerObject {
    /// The host timer currently armed for it; a new one on every `reset`.
    id: Cell<u64>,
    core: ChannelRef,
    channel: StashedUserData,
}

/// What `time.after`, `time.timer` and `time.ticker` make.
#[derive(Clone, Copy, PartialEq)]
enum TimerKind {
    After,
    Timer,
    Ticker,
}

impl TimerKind {
    fn name(self) -> &'static str {
        match self {
            TimerKind::After => "time.after",
            TimerKind::Timer => "time.timer",
            TimerKind::Ticker => "time.ticker",
        }
    }
}

/// Arms host timer `id` to fire into `core` after `nanoseconds` (and every
/// `nanoseconds` for a ticker).
fn arm(env: &Env, id: u64, core: ChannelRef, nanoseconds: u64, ticker: bool) {
    let period = ticker.then_some(nanoseconds);
    env.mailbox
        .borrow_mut()
        .timers
        .insert(id, TimerChannel { core, period });
    env.host.timer_start(id, nanoseconds);
}

/// Delivers a fired channel timer: a Time value into its channel, then a one-shot
/// timer's channel closes and a ticker re-arms. A tick that finds the buffer full is
/// dropped, as Go's tickers do.
pub fn fire<'gc>(ctx: Context<'gc>, env: &Rc<Env>, id: u64, timer: TimerChannel) {
    let now = time_types::time_value(ctx, env, env.host.now());
    let mut scheduler = env.scheduler.borrow_mut();
    let _ = timer
        .core
        .borrow_mut()
        .try_send(&mut scheduler, ctx.stash(now));
    match timer.period {
        Some(period) => {
            drop(scheduler);
            arm(env, id, timer.core, period, true);
        }
        None => timer.core.borrow_mut().close(&mut scheduler),
    }
}

fn install_timers<'gc>(ctx: Context<'gc>, env: &Rc<Env>, time: Table<'gc>) {
    for kind in [TimerKind::After, TimerKind::Timer, TimerKind::Ticker] {
        let e = env.clone();
        let start = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
            let nanoseconds = match duration_arg(stack.get(0)) {
                Ok(ns) if ns > 0 => ns as u64,
                Ok(_) => {
                    let message = format!("{}: duration must be > 0", kind.name());
                    return_result(ctx, &e, &mut stack, Err(invalid(&message)));
                    return Ok(CallbackReturn::Return);
                }
                Err(message) => {
                    return_result(ctx, &e, &mut stack, Err(invalid(&message)));
                    return Ok(CallbackReturn::Return);
                }
            };
            let capacity = if kind == TimerKind::Ticker {
                TICKER_BUFFER
            } else {
                1
            };
            let core = ChannelCore::new(capacity);
            let channel = channel::new_channel(ctx, &e, core.clone());
            let id = e.scheduler.borrow_mut().new_token();
            arm(&e, id, core.clone(), nanoseconds, kind == TimerKind::Ticker);
            let value: Value = match kind {
                TimerKind::After => channel.into(),
                TimerKind::Timer | TimerKind::Ticker => {
                    let object = TimerObject {
                        id: Cell::new(id),
                        core,
                        channel: ctx.stash(channel),
                    };
                    let userdata = UserData::new_static(&ctx, object);
                    let metatable = if kind == TimerKind::Timer {
                        metatable(ctx, &e, "timer", timer_metatable)
                    } else {
                        metatable(ctx, &e, "ticker", ticker_metatable)
                    };
                    userdata.set_metatable(&ctx, Some(metatable));
                    userdata.into()
                }
            };
            stack.replace(ctx, value);
            Ok(CallbackReturn::Return)
        });
        let name = match kind {
            TimerKind::After => "after",
            TimerKind::Timer => "timer",
            TimerKind::Ticker => "ticker",
        };
        set(ctx, time, name, start);
    }
}

fn timer_arg<'gc>(
    ctx: Context<'gc>,
    value: Value<'gc>,
    method: &str,
) -> Result<&'gc TimerObject, Error<'gc>> {
    match value {
        Value::UserData(userdata) => userdata.downcast_static::<TimerObject>().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        lua_string(
            ctx,
            &format!("bad argument #1 to '{method}' (timer expected)"),
        )
        .into()
    })
}

/// Disarms the timer; `true` if it had not fired yet. Its channel closes.
fn stop_timer(env: &Env, timer: &TimerObject) -> bool {
    let id = timer.id.get();
    let armed = env.mailbox.borrow_mut().timers.remove(&id).is_some();
    if armed {
        env.host.timer_cancel(id);
    }
    timer
        .core
        .borrow_mut()
        .close(&mut env.scheduler.borrow_mut());
    armed
}

/// Methods shared by timers and tickers: `response`/`channel` and `stop`.
fn timer_methods<'gc>(ctx: Context<'gc>, env: &Rc<Env>, always_true_stop: bool) -> Table<'gc> {
    let methods = Table::new(&ctx);
    for name in ["response", "channel"] {
        let channel = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
            let timer = timer_arg(ctx, stack.get(0), name)?;
            stack.replace(ctx, ctx.fetch(&timer.channel));
            Ok(CallbackReturn::Return)
        });
        set(ctx, methods, name, channel);
    }
    let e = env.clone();
    let stop = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let timer = timer_arg(ctx, stack.get(0), "stop")?;
        let stopped = stop_timer(&e, timer) || always_true_stop;
        stack.replace(ctx, stopped);
        Ok(CallbackReturn::Return)
    });
    set(ctx, methods, "stop", stop);
    methods
}

fn timer_metatable<'gc>(ctx: Context<'gc>, env: &Rc<Env>) -> Table<'gc> {
    let methods = timer_methods(ctx, env, false);
    let e = env.clone();
    let reset = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let timer = timer_arg(ctx, stack.get(0), "reset")?;
        let nanoseconds = match duration_arg(stack.get(1)) {
            Ok(ns) if ns > 0 => ns as u64,
            Ok(_) => return Err(lua_string(ctx, "timer:reset: duration must be > 0").into()),
            Err(message) => {
                let error = errors::new_error(ctx, &e, &invalid(&message));
                return Err(Error::from_value(error));
            }
        };
        let old = timer.id.get();
        let was_armed = e.mailbox.borrow_mut().timers.remove(&old).is_some();
        if was_armed {
            e.host.timer_cancel(old);
        }
        // A fire from the old arming can no longer find its timer: it is discarded.
        let id = e.scheduler.borrow_mut().new_token();
        timer.id.set(id);
        timer.core.borrow_mut().reopen();
        arm(&e, id, timer.core.clone(), nanoseconds, false);
        stack.replace(ctx, was_armed);
        Ok(CallbackReturn::Return)
    });
    set(ctx, methods, "reset", reset);
    let metatable = Table::new(&ctx);
    set(ctx, metatable, "__index", methods);
    set(ctx, metatable, "__name", "time.Timer");
    metatable
}

fn ticker_metatable<'gc>(ctx: Context<'gc>, env: &Rc<Env>) -> Table<'gc> {
    let metatable = Table::new(&ctx);
    set(ctx, metatable, "__index", timer_methods(ctx, env, true));
    set(ctx, metatable, "__name", "time.Ticker");
    metatable
}
