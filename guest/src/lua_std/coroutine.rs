//! The coroutine functions piccolo lacks or gets wrong (Lua 5.4 manual §6.2): `wrap`,
//! `close`, `isyieldable`, and `resume`/`status` on dead and running coroutines.

use gc_arena::Collect;
use piccolo::{
    BoxSequence, Callback, CallbackReturn, Context, Error, Execution, IntoValue, Sequence,
    SequencePoll, Stack, Table, Thread, ThreadMode, Value,
};

use super::args::{self, error_value, library_fn, type_error};
use crate::api::set;

/// Completes the `coroutine` table piccolo installed.
pub fn install(ctx: Context<'_>) {
    let coroutine = match ctx.globals().get(ctx, "coroutine") {
        Value::Table(table) => table,
        _ => Table::new(&ctx),
    };
    set(ctx, coroutine, "create", create(ctx));
    set(ctx, coroutine, "resume", resume(ctx));
    set(ctx, coroutine, "status", status(ctx));
    set(ctx, coroutine, "wrap", wrap(ctx));
    set(ctx, coroutine, "close", close(ctx));
    set(ctx, coroutine, "isyieldable", isyieldable(ctx));
    set(ctx, ctx.globals(), "coroutine", coroutine);
}

/// A suspended coroutine that will run `stack[index]`, which must be a function.
fn new_thread<'gc>(
    ctx: Context<'gc>,
    stack: &Stack<'gc, '_>,
    function: &str,
) -> Result<Thread<'gc>, Error<'gc>> {
    let Value::Function(body) = stack.get(0) else {
        return Err(type_error(ctx, stack, 0, function, "function"));
    };
    let thread = Thread::new(ctx);
    thread
        .start_suspended(&ctx, body)
        .map_err(|e| e.to_string().into_value(ctx))?;
    Ok(thread)
}

fn create(ctx: Context<'_>) -> Callback<'_> {
    library_fn(ctx, |ctx, _, mut stack| {
        let thread = new_thread(ctx, &stack, "create")?;
        stack.replace(ctx, thread);
        Ok(CallbackReturn::Return)
    })
}

/// Argument `index` as a coroutine.
fn check_thread<'gc>(
    ctx: Context<'gc>,
    stack: &Stack<'gc, '_>,
    function: &str,
) -> Result<Thread<'gc>, Error<'gc>> {
    match stack.get(0) {
        Value::Thread(thread) => Ok(thread),
        _ => Err(type_error(ctx, stack, 0, function, "coroutine")),
    }
}

/// What `coroutine.status` says about `thread`, seen from the running `exec`.
fn status_of<'gc>(exec: &Execution<'gc, '_>, thread: Thread<'gc>) -> &'static str {
    if exec.current_thread().thread == thread {
        return "running";
    }
    match thread.mode() {
        ThreadMode::Stopped => "dead",
        ThreadMode::Suspended => "suspended",
        ThreadMode::Running => "running",
        ThreadMode::Normal | ThreadMode::Waiting | ThreadMode::Result => "normal",
    }
}

/// The error for resuming a coroutine that is not suspended.
fn cannot_resume(status: &str) -> String {
    if status == "dead" {
        "cannot resume dead coroutine".into()
    } else {
        "cannot resume non-suspended coroutine".into()
    }
}

fn status(ctx: Context<'_>) -> Callback<'_> {
    library_fn(ctx, |ctx, exec, mut stack| {
        let thread = check_thread(ctx, &stack, "status")?;
        stack.replace(ctx, status_of(&exec, thread));
        Ok(CallbackReturn::Return)
    })
}

/// `coroutine.resume(co, ...)`: `true, values...` or `false, error`.
fn resume(ctx: Context<'_>) -> Callback<'_> {
    library_fn(ctx, |ctx, exec, mut stack| {
        let thread = check_thread(ctx, &stack, "resume")?;
        let status = status_of(&exec, thread);
        if status != "suspended" {
            stack.replace(ctx, (false, cannot_resume(status)));
            return Ok(CallbackReturn::Return);
        }
        stack.pop_front();
        Ok(CallbackReturn::Resume {
            thread,
            then: Some(BoxSequence::new(&ctx, Resumed)),
        })
    })
}

/// Prefixes `true` to a coroutine's values, or turns its error into `false, error`.
#[derive(Collect)]
#[collect(require_static)]
struct Resumed;

impl<'gc> Sequence<'gc> for Resumed {
    fn poll(
        &mut self,
        _: Context<'gc>,
        _: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        stack.push_front(Value::Boolean(true));
        Ok(SequencePoll::Return)
    }

    fn error(
        &mut self,
        ctx: Context<'gc>,
        _: Execution<'gc, '_>,
        error: Error<'gc>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        stack.replace(ctx, (false, error_value(ctx, error)));
        Ok(SequencePoll::Return)
    }
}

/// `coroutine.wrap(f)`: a function that resumes a new coroutine and returns its values;
/// its errors propagate, a string error prefixed with the caller's position (as
/// `luaL_where(L, 1)` does in Lua 5.4).
fn wrap(ctx: Context<'_>) -> Callback<'_> {
    library_fn(ctx, |ctx, _, mut stack| {
        let thread = new_thread(ctx, &stack, "wrap")?;
        let resumer = Callback::from_fn_with(&ctx, thread, |&thread, ctx, exec, _| {
            let status = status_of(&exec, thread);
            if status != "suspended" {
                let message = located(&exec, cannot_resume(status));
                return Err(message.into_value(ctx).into());
            }
            Ok(CallbackReturn::Resume {
                thread,
                then: Some(BoxSequence::new(&ctx, Wrapped)),
            })
        });
        stack.replace(ctx, resumer);
        Ok(CallbackReturn::Return)
    })
}

/// `message` prefixed with the calling Lua line, when the caller is Lua.
fn located(exec: &Execution<'_, '_>, message: String) -> String {
    match exec.lua_call_site() {
        Some(site) => args::located(&site, message),
        None => message,
    }
}

/// Passes a wrapped coroutine's values through and locates its string errors.
#[derive(Collect)]
#[collect(require_static)]
struct Wrapped;

impl<'gc> Sequence<'gc> for Wrapped {
    fn poll(
        &mut self,
        _: Context<'gc>,
        _: Execution<'gc, '_>,
        _: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        Ok(SequencePoll::Return)
    }

    fn error(
        &mut self,
        ctx: Context<'gc>,
        exec: Execution<'gc, '_>,
        error: Error<'gc>,
        _: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        match error_value(ctx, error) {
            Value::String(message) => {
                let message = located(&exec, message.to_str_lossy().into_owned());
                Err(message.into_value(ctx).into())
            }
            other => Err(Error::Lua(other.into())),
        }
    }
}

/// `coroutine.close(co)`: a suspended or dead coroutine becomes dead.
fn close(ctx: Context<'_>) -> Callback<'_> {
    library_fn(ctx, |ctx, exec, mut stack| {
        let thread = check_thread(ctx, &stack, "close")?;
        match status_of(&exec, thread) {
            "suspended" | "dead" => {
                thread
                    .reset(&ctx)
                    .map_err(|e| e.to_string().into_value(ctx))?;
                stack.replace(ctx, true);
                Ok(CallbackReturn::Return)
            }
            status => Err(format!("cannot close a {status} coroutine")
                .into_value(ctx)
                .into()),
        }
    })
}

/// `coroutine.isyieldable()`: whether the running code is inside a coroutine.
fn isyieldable(ctx: Context<'_>) -> Callback<'_> {
    Callback::from_fn(&ctx, |ctx, exec, mut stack| {
        stack.replace(ctx, !exec.current_thread().is_main);
        Ok(CallbackReturn::Return)
    })
}
