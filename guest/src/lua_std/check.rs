//! Argument checks with the messages of Lua's auxiliary library (`luaL_check*`).

use piccolo::{Context, Error, IntoValue, Stack, Value};

use crate::api::format_float;
use crate::lua_std::convert::{parse_number, Number};

/// `bad argument #N to 'function' (message)`; `index` is 0-based.
pub fn arg_error<'gc>(
    ctx: Context<'gc>,
    index: usize,
    function: &str,
    message: impl std::fmt::Display,
) -> Error<'gc> {
    format!("bad argument #{} to '{function}' ({message})", index + 1)
        .into_value(ctx)
        .into()
}

/// A plain Lua error with `message`.
pub fn lua_error<'gc>(ctx: Context<'gc>, message: impl std::fmt::Display) -> Error<'gc> {
    message.to_string().into_value(ctx).into()
}

/// The type of argument `index`, or `no value` past the last one.
pub fn type_name(stack: &Stack<'_, '_>, index: usize) -> &'static str {
    if index >= stack.len() {
        "no value"
    } else {
        stack.get(index).type_name()
    }
}

/// The "X expected, got Y" error for argument `index` (0-based).
pub fn type_error<'gc>(
    ctx: Context<'gc>,
    stack: &Stack<'gc, '_>,
    index: usize,
    function: &str,
    expected: &str,
) -> Error<'gc> {
    let message = format!("{expected} expected, got {}", type_name(stack, index));
    arg_error(ctx, index, function, message)
}

/// The text of a number as Lua converts it to a string (`%d`, or `%.14g` for floats).
pub fn number_text(value: Value<'_>) -> Option<Vec<u8>> {
    match value {
        Value::Integer(i) => Some(i.to_string().into_bytes()),
        Value::Number(n) => Some(format_float(n).into_bytes()),
        _ => None,
    }
}

/// A string argument; numbers are converted (`luaL_checklstring`).
pub fn check_string<'gc>(
    ctx: Context<'gc>,
    stack: &Stack<'gc, '_>,
    index: usize,
    function: &str,
) -> Result<piccolo::String<'gc>, Error<'gc>> {
    let value = stack.get(index);
    match value {
        Value::String(s) => Ok(s),
        _ => match number_text(value) {
            Some(text) => Ok(piccolo::String::from_slice(&ctx, text)),
            None => Err(type_error(ctx, stack, index, function, "string")),
        },
    }
}

/// A number argument as a float; numeric strings are converted (`luaL_checknumber`).
pub fn check_number<'gc>(
    ctx: Context<'gc>,
    stack: &Stack<'gc, '_>,
    index: usize,
    function: &str,
) -> Result<f64, Error<'gc>> {
    match to_number(stack.get(index)) {
        Some(Number::Integer(i)) => Ok(i as f64),
        Some(Number::Float(n)) => Ok(n),
        None => Err(type_error(ctx, stack, index, function, "number")),
    }
}

/// A number or a string that reads as one (the arithmetic coercion).
pub fn to_number(value: Value<'_>) -> Option<Number> {
    match value {
        Value::Integer(i) => Some(Number::Integer(i)),
        Value::Number(n) => Some(Number::Float(n)),
        Value::String(s) => parse_number(s.as_bytes()),
        _ => None,
    }
}

/// A float's value as an integer when it has one exactly (`lua_numbertointeger`).
pub fn float_to_integer(n: f64) -> Option<i64> {
    // 2^63 is exact as a float; every float in [-2^63, 2^63) fits an i64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (n.fract() == 0.0 && (-LIMIT..LIMIT).contains(&n)).then_some(n as i64)
}

/// An integer argument; floats with an exact integer value and numeric strings are
/// converted (`luaL_checkinteger`).
pub fn check_integer<'gc>(
    ctx: Context<'gc>,
    stack: &Stack<'gc, '_>,
    index: usize,
    function: &str,
) -> Result<i64, Error<'gc>> {
    match to_number(stack.get(index)) {
        Some(Number::Integer(i)) => Ok(i),
        Some(Number::Float(n)) => float_to_integer(n)
            .ok_or_else(|| arg_error(ctx, index, function, "number has no integer representation")),
        None => Err(type_error(ctx, stack, index, function, "number")),
    }
}

/// An optional integer argument: `default` when absent or nil (`luaL_optinteger`).
pub fn opt_integer<'gc>(
    ctx: Context<'gc>,
    stack: &Stack<'gc, '_>,
    index: usize,
    function: &str,
    default: i64,
) -> Result<i64, Error<'gc>> {
    if stack.get(index).is_nil() {
        Ok(default)
    } else {
        check_integer(ctx, stack, index, function)
    }
}

/// A new Lua string owning `bytes`; long ones are not copied again.
pub fn new_string<'gc>(ctx: Context<'gc>, bytes: Vec<u8>) -> piccolo::String<'gc> {
    const INLINE_LIMIT: usize = 64;
    if bytes.len() <= INLINE_LIMIT {
        piccolo::String::from_slice(&ctx, bytes)
    } else {
        piccolo::String::from_buffer(&ctx, bytes.into_boxed_slice())
    }
}

/// An empty buffer for `capacity` bytes, or a Lua error when memory runs out, so a
/// large result fails as a catchable error instead of aborting the process.
pub fn buffer<'gc>(ctx: Context<'gc>, capacity: usize) -> Result<Vec<u8>, Error<'gc>> {
    let mut buffer = Vec::new();
    buffer
        .try_reserve_exact(capacity)
        .map_err(|_| lua_error(ctx, "not enough memory"))?;
    Ok(buffer)
}
