//! What the base, table, math and os libraries need beyond `check.rs`: typed argument
//! errors, numbers that keep their integer/float subtype, error values, chunk names,
//! and `luaL_error`'s caller position.

use piccolo::{
    thread::LuaCallSite, Callback, CallbackReturn, Context, Error, Execution, IntoValue, Stack,
    Table, Value,
};

use super::convert::Number;

pub use super::check::type_error;

/// Argument `index` as a table.
pub fn check_table<'gc>(
    ctx: Context<'gc>,
    stack: &Stack<'gc, '_>,
    index: usize,
    function: &str,
) -> Result<Table<'gc>, Error<'gc>> {
    match stack.get(index) {
        Value::Table(table) => Ok(table),
        _ => Err(type_error(ctx, stack, index, function, "table")),
    }
}

/// A number or numeric string as a number value, keeping integers integers.
pub fn to_numeric<'gc>(value: Value<'gc>) -> Option<Value<'gc>> {
    match super::check::to_number(value)? {
        Number::Integer(i) => Some(Value::Integer(i)),
        Number::Float(n) => Some(Value::Number(n)),
    }
}

/// `luaL_checknumber` keeping the integer/float subtype.
pub fn check_numeric<'gc>(
    ctx: Context<'gc>,
    stack: &Stack<'gc, '_>,
    index: usize,
    function: &str,
) -> Result<Value<'gc>, Error<'gc>> {
    to_numeric(stack.get(index)).ok_or_else(|| type_error(ctx, stack, index, function, "number"))
}

/// A number value as a float.
pub fn as_float(value: Value<'_>) -> f64 {
    match value {
        Value::Integer(i) => i as f64,
        Value::Number(n) => n,
        _ => f64::NAN,
    }
}

/// How an error reaches Lua code: errors raised by Lua keep their value, errors of
/// the VM itself become their message text (in Lua 5.4 they are strings).
pub fn error_value<'gc>(ctx: Context<'gc>, error: Error<'gc>) -> Value<'gc> {
    match error {
        Error::Lua(value) => value.0,
        Error::Runtime(error) => error.to_string().into_value(ctx),
    }
}

/// How Lua 5.4 shows a chunk name in messages (`luaO_chunkid`): `=name` and `@file`
/// without their mark (shortened to fit 60 bytes), any other source as
/// `[string "first line..."]`.
pub fn chunk_id(source: &[u8]) -> String {
    const ID_SIZE: usize = 60;
    let text = String::from_utf8_lossy(source);
    match source.first() {
        Some(b'=') => text[1..].chars().take(ID_SIZE - 1).collect(),
        Some(b'@') if text.len() <= ID_SIZE => text[1..].to_string(),
        Some(b'@') => {
            let tail: String = text.chars().rev().take(ID_SIZE - 4).collect();
            format!("...{}", tail.chars().rev().collect::<String>())
        }
        _ => {
            // Room left for `[string "`, `..."]` and C's terminator.
            const ROOM: usize = ID_SIZE - 15;
            if text.len() < ROOM && !text.contains('\n') {
                format!("[string \"{text}\"]")
            } else {
                let first_line = text.split('\n').next().unwrap_or("");
                let kept: String = first_line.chars().take(ROOM).collect();
                format!("[string \"{kept}...\"]")
            }
        }
    }
}

/// A library function: like `luaL_error`, the errors it raises itself start with the
/// position of the Lua line that called it (none when it is called from Rust, e.g.
/// as `pcall(f, ...)`), and like `luaL_argerror` its argument errors name it as that
/// line called it ([`as_called`]).
pub fn library_fn<'gc, F>(ctx: Context<'gc>, function: F) -> Callback<'gc>
where
    F: 'static
        + Fn(
            Context<'gc>,
            Execution<'gc, '_>,
            Stack<'gc, '_>,
        ) -> Result<CallbackReturn<'gc>, Error<'gc>>,
{
    Callback::from_fn(&ctx, move |ctx, exec, stack| {
        let call_site = exec.lua_call_site();
        function(ctx, exec, stack).map_err(|error| match (error, call_site) {
            (Error::Lua(value), Some(site)) => match value.0 {
                Value::String(message) => {
                    let message = message.to_str_lossy();
                    let message = site
                        .called_as()
                        .and_then(|(what, name)| as_called(&message, what, &name))
                        .unwrap_or_else(|| message.into_owned());
                    located(&site, message).into_value(ctx).into()
                }
                other => Error::Lua(other.into()),
            },
            (error, _) => error,
        })
    })
}

/// `message` prefixed with the position of the Lua call `site`, as `luaL_error` does.
pub fn located(site: &LuaCallSite<'_>, message: impl std::fmt::Display) -> String {
    format!(
        "{}:{}: {message}",
        site.chunk_name().to_str_lossy(),
        site.current_line()
    )
}

/// An argument error as `luaL_argerror` words it for a function its caller called
/// `name` (`local 'f'`, `method 'rep'`): named as called, and for a method call `self`
/// is not counted, so `#n` becomes `#n-1` and an error in `self` itself reads `calling
/// 'rep' on bad self (...)`. `None` when `message` is not an argument error.
fn as_called(message: &str, what: &str, name: &str) -> Option<String> {
    let rest = message.strip_prefix("bad argument #")?;
    let (number, rest) = rest.split_once(" to '")?;
    let number: u32 = number.parse().ok()?;
    let (_, detail) = rest.split_once("' ")?;
    Some(match (what, number) {
        ("method", 1) => format!("calling '{name}' on bad self {detail}"),
        ("method", _) => format!("bad argument #{} to '{name}' {detail}", number - 1),
        _ => format!("bad argument #{number} to '{name}' {detail}"),
    })
}

#[cfg(test)]
mod tests {
    use super::{as_called, chunk_id};

    #[test]
    fn argument_errors_name_the_function_as_called_and_methods_do_not_count_self() {
        let error = "bad argument #2 to 'rep' (number expected, got nil)";
        assert_eq!(
            as_called(error, "method", "rep").as_deref(),
            Some("bad argument #1 to 'rep' (number expected, got nil)")
        );
        assert_eq!(
            as_called(error, "local", "repeat").as_deref(),
            Some("bad argument #2 to 'repeat' (number expected, got nil)")
        );
        assert_eq!(
            as_called(
                "bad argument #1 to 'rep' (string expected, got table)",
                "method",
                "rep"
            )
            .as_deref(),
            Some("calling 'rep' on bad self (string expected, got table)")
        );
        assert_eq!(as_called("unfinished capture", "method", "find"), None);
    }

    #[test]
    fn chunk_names_are_shown_like_lua_5_4() {
        assert_eq!(chunk_id(b"=stdin"), "stdin");
        assert_eq!(chunk_id(b"@main.lua"), "main.lua");
        assert_eq!(chunk_id(b"return 1"), "[string \"return 1\"]");
        assert_eq!(chunk_id(b"x = 1\ny = 2"), "[string \"x = 1...\"]");
        let long = "a".repeat(50);
        assert_eq!(
            chunk_id(long.as_bytes()),
            format!("[string \"{}...\"]", "a".repeat(45))
        );
    }
}
