//! The `io` module: the terminal's stdin/stdout/stderr (io.md).

use crate::host::Host;
use std::rc::Rc;

use piccolo::{Callback, CallbackReturn, Context, Stack, Table, Value};

use crate::api::{return_result, set, text_or_empty};
use crate::bindings::Output;
use crate::env::Env;
use crate::scheduler::wait_for;

/// Bytes asked for by `io.read()` without a size.
const DEFAULT_READ_SIZE: u32 = 1024;

/// Builds the `io` module table.
pub fn module<'gc>(ctx: Context<'gc>, env: &Rc<Env>) -> Table<'gc> {
    let io = Table::new(&ctx);

    let e = env.clone();
    let write = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let data = join(&stack, b"");
        let result = e
            .host
            .write(Output::Stdout, &data)
            .map(|()| Value::Boolean(true));
        return_result(ctx, &e, &mut stack, result);
        Ok(CallbackReturn::Return)
    });
    set(ctx, io, "write", write);

    for (name, stream) in [("print", Output::Stdout), ("eprint", Output::Stderr)] {
        let e = env.clone();
        let print = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
            let mut line = join(&stack, b"\t");
            line.push(b'\n');
            // io.md: print reports success even when the write fails.
            let _ = e.host.write(stream, &line);
            stack.replace(ctx, true);
            Ok(CallbackReturn::Return)
        });
        set(ctx, io, name, print);
    }

    let e = env.clone();
    let readline = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let started = e.host.request_line();
        start_read(ctx, &e, &mut stack, started)
    });
    set(ctx, io, "readline", readline);

    let e = env.clone();
    let read = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let size = match stack.get(0).to_integer() {
            Some(n) if n > 0 => u32::try_from(n).unwrap_or(u32::MAX),
            _ => DEFAULT_READ_SIZE,
        };
        let started = e.host.request_read(size);
        start_read(ctx, &e, &mut stack, started)
    });
    set(ctx, io, "read", read);

    let e = env.clone();
    let flush = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let result = e.host.flush().map(|()| Value::Boolean(true));
        return_result(ctx, &e, &mut stack, result);
        Ok(CallbackReturn::Return)
    });
    set(ctx, io, "flush", flush);

    let e = env.clone();
    let args = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let list = Table::new(&ctx);
        for (i, arg) in e.host.args().into_iter().enumerate() {
            let _ = list.set(ctx, i as i64 + 1, piccolo::String::from_slice(&ctx, arg));
        }
        stack.replace(ctx, list);
        Ok(CallbackReturn::Return)
    });
    set(ctx, io, "args", args);
    io
}

/// Parks the coroutine on a terminal read the host accepted, or returns `nil, err`.
fn start_read<'gc>(
    ctx: Context<'gc>,
    env: &Rc<Env>,
    stack: &mut Stack<'gc, '_>,
    started: Result<(), crate::bindings::ErrorInfo>,
) -> Result<CallbackReturn<'gc>, piccolo::Error<'gc>> {
    match started {
        Ok(()) => {
            let mut scheduler = env.scheduler.borrow_mut();
            let token = scheduler.new_token();
            scheduler.push_terminal_read(token);
            drop(scheduler);
            stack.clear();
            Ok(wait_for(ctx, env, token))
        }
        Err(error) => {
            return_result(ctx, env, stack, Err(error));
            Ok(CallbackReturn::Return)
        }
    }
}

/// The arguments' "string or number" texts joined by `separator`.
fn join(stack: &Stack<'_, '_>, separator: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..stack.len() {
        if i > 0 {
            out.extend_from_slice(separator);
        }
        out.extend(text_or_empty(stack.get(i)));
    }
    out
}
