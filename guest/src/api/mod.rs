//! The Lua APIs of a process, one module per global or `require`-able module.

pub mod channel;
pub mod errors;
pub mod io;
pub mod json;
pub mod logger;
pub mod payload;
pub mod process;
pub mod time;
pub mod time_types;

use std::rc::Rc;

use piccolo::{Context, Error, IntoValue, Stack, Table, Value};

use crate::bindings::ErrorInfo;
use crate::env::Env;

/// Sets `table[key] = value` in a table the guest is building.
pub fn set<'gc>(ctx: Context<'gc>, table: Table<'gc>, key: &str, value: impl IntoValue<'gc>) {
    let result = table.set(ctx, ctx.intern(key.as_bytes()), value);
    // A string key is always valid: only a read-only table refuses it, and the guest
    // builds its tables before it makes them read-only.
    debug_assert!(result.is_ok(), "set {key:?} in a read-only table");
}

/// The metatable named `name` of this process, built by `build` on first use.
pub fn metatable<'gc>(
    ctx: Context<'gc>,
    env: &Rc<Env>,
    name: &'static str,
    build: fn(Context<'gc>, &Rc<Env>) -> Table<'gc>,
) -> Table<'gc> {
    if let Some(stashed) = env.metatables.borrow().get(name) {
        return ctx.fetch(stashed);
    }
    let table = build(ctx, env);
    env.metatables.borrow_mut().insert(name, ctx.stash(table));
    table
}

/// A Lua string with `text`'s bytes.
pub fn lua_string<'gc>(ctx: Context<'gc>, text: &str) -> Value<'gc> {
    Value::String(piccolo::String::from_slice(&ctx, text))
}

/// What `tostring` shows for values that need no metamethod call.
pub fn display(value: Value<'_>) -> String {
    match value {
        Value::Nil => "nil".into(),
        Value::Boolean(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Number(n) => format_float(n),
        Value::String(s) => s.to_str_lossy().into_owned(),
        Value::UserData(_) => match errors::as_error(value) {
            Some(error) => error.info.message.clone(),
            None => format!("userdata: {:p}", value_ptr(value)),
        },
        Value::Table(_) => format!("table: {:p}", value_ptr(value)),
        Value::Function(_) => format!("function: {:p}", value_ptr(value)),
        Value::Thread(_) => format!("thread: {:p}", value_ptr(value)),
    }
}

fn value_ptr(value: Value<'_>) -> *const () {
    match value {
        Value::Table(t) => gc_arena::Gc::as_ptr(t.into_inner()) as *const (),
        Value::UserData(u) => gc_arena::Gc::as_ptr(u.into_inner()) as *const (),
        Value::Thread(t) => gc_arena::Gc::as_ptr(t.into_inner()) as *const (),
        Value::Function(piccolo::Function::Closure(c)) => {
            gc_arena::Gc::as_ptr(c.into_inner()) as *const ()
        }
        Value::Function(piccolo::Function::Callback(c)) => {
            gc_arena::Gc::as_ptr(c.into_inner()) as *const ()
        }
        _ => std::ptr::null(),
    }
}

/// The "string or number, else empty" coercion of `io.print` and `print` (io.md).
pub fn text_or_empty(value: Value<'_>) -> Vec<u8> {
    match value {
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Integer(_) | Value::Number(_) => display(value).into_bytes(),
        _ => Vec::new(),
    }
}

/// A float as Lua 5.4 prints it: `%.14g`, with `.0` added when it looks like an
/// integer (the vendored piccolo's formatting, which `..` uses too).
pub fn format_float(n: f64) -> String {
    piccolo::string::format_number(n)
}

/// Leaves `value` (success) or `nil, err` (failure) on the stack, the return convention
/// of every runtime function (spec README, "Return convention").
pub fn return_result<'gc>(
    ctx: Context<'gc>,
    env: &Env,
    stack: &mut Stack<'gc, '_>,
    result: Result<Value<'gc>, ErrorInfo>,
) {
    stack.clear();
    match result {
        Ok(value) => stack.push_back(value),
        Err(error) => {
            stack.push_back(Value::Nil);
            stack.push_back(errors::new_error(ctx, env, &error));
        }
    }
}

/// Argument `index` (0-based) as a string, or the standard "bad argument" error.
pub fn string_arg<'gc>(
    ctx: Context<'gc>,
    stack: &Stack<'gc, '_>,
    index: usize,
    function: &str,
) -> Result<String, Error<'gc>> {
    match stack.get(index) {
        Value::String(s) => Ok(s.to_str_lossy().into_owned()),
        value @ (Value::Integer(_) | Value::Number(_)) => Ok(display(value)),
        value => Err(format!(
            "bad argument #{} to '{function}' (string expected, got {})",
            index + 1,
            value.type_name()
        )
        .into_value(ctx)
        .into()),
    }
}

/// An error with kind `Invalid`.
pub fn invalid(message: &str) -> ErrorInfo {
    ErrorInfo {
        kind: "Invalid".into(),
        message: message.into(),
        retryable: Some(false),
    }
}

#[cfg(test)]
mod tests {
    use super::format_float;

    #[test]
    fn floats_print_like_lua_5_4() {
        assert_eq!(format_float(1.0), "1.0");
        assert_eq!(format_float(0.1), "0.1");
        assert_eq!(format_float(-2.5), "-2.5");
        assert_eq!(format_float(1e100), "1e+100");
        assert_eq!(format_float(2f64.powi(53)), "9.007199254741e+15");
        assert_eq!(format_float(1e15), "1e+15");
        assert_eq!(format_float(123456.0), "123456.0");
        assert_eq!(format_float(1.5e-7), "1.5e-07");
        assert_eq!(format_float(1.0 / 3.0), "0.33333333333333");
        assert_eq!(format_float(f64::INFINITY), "inf");
        assert_eq!(format_float(-0.0), "-0.0");
    }
}
