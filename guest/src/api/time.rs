//! The `time` module (time.md). This issue ships `sleep`; timers, tickers and Time
//! values come with the process model.

use std::rc::Rc;

use piccolo::{Callback, CallbackReturn, Context, Table, Value};

use crate::api::{invalid, return_result, set};
use crate::duration::parse_go_duration;
use crate::env::Env;
use crate::scheduler::wait_for;

/// A duration argument: a number of nanoseconds or a Go duration string (time.md §1).
pub fn duration_arg(value: Value<'_>) -> Result<i64, String> {
    match value {
        Value::Integer(ns) => Ok(ns),
        Value::Number(ns) => Ok(ns as i64),
        Value::String(text) => parse_go_duration(&text.to_str_lossy()),
        _ => Err("duration must be number or string".into()),
    }
}

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
    time
}
