//! `tostring` and `tonumber` (manual §6.1), and Lua's string-to-number conversion
//! (§3.4.3) that `tonumber` and the string functions' number arguments share.

use gc_arena::Collect;
use piccolo::{
    meta_ops, BoxSequence, Callback, CallbackReturn, Context, Error, Execution, Function,
    MetaMethod, Sequence, SequencePoll, Stack, Value,
};

use crate::api::{display, set};
use crate::lua_std::check::{arg_error, check_integer, lua_error, number_text, type_name};

/// A Lua number: the two subtypes stay apart (§2.1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A 64-bit integer.
    Integer(i64),
    /// A double.
    Float(f64),
}

/// Installs the `tostring` and `tonumber` globals.
pub fn install(ctx: Context<'_>) {
    let globals = ctx.globals();
    set(ctx, globals, "tostring", Callback::from_fn(&ctx, tostring));
    set(ctx, globals, "tonumber", Callback::from_fn(&ctx, tonumber));
}

/// Whitespace as C's `isspace` sees it in the C locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn trim(text: &[u8]) -> &[u8] {
    let start = text
        .iter()
        .position(|&c| !is_space(c))
        .unwrap_or(text.len());
    let end = text
        .iter()
        .rposition(|&c| !is_space(c))
        .map_or(start, |i| i + 1);
    &text[start..end]
}

/// Splits an optional sign off `text`; true when it was `-`.
fn split_sign(text: &[u8]) -> (bool, &[u8]) {
    match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

/// A numeral as Lua reads it (`luaO_str2num`): a decimal or hex integer when it fits
/// (hex wraps around), otherwise a float; surrounding whitespace is allowed, `inf`
/// and `nan` are not.
pub fn parse_number(text: &[u8]) -> Option<Number> {
    let body = trim(text);
    if let Some(n) = parse_integer(body) {
        return Some(Number::Integer(n));
    }
    parse_float(body).map(Number::Float)
}

/// `l_str2int` of `lobject.c`: `None` when not an integer numeral or when a decimal
/// one overflows (it then reads as a float).
fn parse_integer(body: &[u8]) -> Option<i64> {
    let (negative, digits) = split_sign(body);
    let value = if let Some(hex) = digits
        .strip_prefix(b"0x")
        .or_else(|| digits.strip_prefix(b"0X"))
    {
        if hex.is_empty() || !hex.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        hex.iter().fold(0u64, |n, &d| {
            n.wrapping_mul(16).wrapping_add(u64::from(hex_value(d)))
        })
    } else {
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let limit = if negative {
            i64::MIN.unsigned_abs()
        } else {
            i64::MAX as u64
        };
        let mut n = 0u64;
        for &d in digits {
            n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
            if n > limit {
                return None;
            }
        }
        n
    };
    Some(if negative {
        0u64.wrapping_sub(value) as i64
    } else {
        value as i64
    })
}

fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        _ => digit.to_ascii_lowercase() - b'a' + 10,
    }
}

/// A float numeral (C's `strtod`, without `inf`/`nan`), decimal or hex.
fn parse_float(body: &[u8]) -> Option<f64> {
    let (negative, rest) = split_sign(body);
    let magnitude = match rest
        .strip_prefix(b"0x")
        .or_else(|| rest.strip_prefix(b"0X"))
    {
        Some(hex) => parse_hex_float(hex)?,
        None => parse_decimal_float(rest)?,
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// Splits `digits[.digits]` off the front of `text` by `is_digit`; `None` when there
/// is no digit at all.
fn split_mantissa(text: &[u8], is_digit: fn(&u8) -> bool) -> Option<(&[u8], &[u8], &[u8])> {
    let int_len = text.iter().take_while(|c| is_digit(c)).count();
    let (int, rest) = text.split_at(int_len);
    let (fraction, rest) = match rest.strip_prefix(b".") {
        Some(after) => {
            let len = after.iter().take_while(|c| is_digit(c)).count();
            after.split_at(len)
        }
        None => (&rest[..0], rest),
    };
    (!int.is_empty() || !fraction.is_empty()).then_some((int, fraction, rest))
}

/// An exponent `[+-]digits` (after its letter) as a saturated integer.
fn parse_exponent(text: &[u8]) -> Option<i64> {
    let (negative, digits) = split_sign(text);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits.iter().fold(0i64, |n, &d| {
        n.saturating_mul(10).saturating_add(i64::from(d - b'0'))
    });
    Some(if negative { -value } else { value })
}

fn parse_decimal_float(text: &[u8]) -> Option<f64> {
    let (int, fraction, rest) = split_mantissa(text, u8::is_ascii_digit)?;
    let exponent = match rest.first() {
        None => 0,
        Some(b'e' | b'E') => parse_exponent(&rest[1..])?,
        Some(_) => return None,
    };
    // A normalised numeral Rust's exact parser accepts (it rejects `1.e5`).
    let int = if int.is_empty() { b"0".as_slice() } else { int };
    let fraction = if fraction.is_empty() {
        b"0".as_slice()
    } else {
        fraction
    };
    let numeral = format!(
        "{}.{}e{exponent}",
        String::from_utf8_lossy(int),
        String::from_utf8_lossy(fraction)
    );
    numeral.parse().ok()
}

/// A hex float after its `0x`: hex digits, optional fraction, optional binary
/// exponent `p±n`. The first 16 significant digits are kept exactly and any
/// further non-zero digit is folded into a sticky bit, so rounding is right.
fn parse_hex_float(text: &[u8]) -> Option<f64> {
    let (int, fraction, rest) = split_mantissa(text, u8::is_ascii_hexdigit)?;
    let mut exponent = match rest.first() {
        None => 0,
        Some(b'p' | b'P') => parse_exponent(&rest[1..])?,
        Some(_) => return None,
    };
    let mut mantissa = 0u64;
    let mut sticky = false;
    let mut kept = 0;
    for (i, &digit) in int.iter().chain(fraction).enumerate() {
        let value = u64::from(hex_value(digit));
        let in_fraction = i >= int.len();
        if kept < 16 {
            if mantissa != 0 || value != 0 {
                kept += 1;
            }
            mantissa = mantissa * 16 + value;
            if in_fraction {
                exponent = exponent.saturating_sub(4);
            }
        } else {
            sticky |= value != 0;
            if !in_fraction {
                exponent = exponent.saturating_add(4);
            }
        }
    }
    if mantissa == 0 {
        return Some(0.0);
    }
    // With 16 digits kept the mantissa has at least 61 bits, so a sticky bit at
    // bit 0 lies far below the 53 that survive and only breaks ties.
    let bits = if sticky { mantissa | 1 } else { mantissa };
    Some(scale_by_power_of_two(bits as f64, exponent))
}

/// `x * 2^exponent` without overflowing the intermediate power (C's `ldexp`).
fn scale_by_power_of_two(mut x: f64, exponent: i64) -> f64 {
    let mut exponent = exponent.clamp(-2200, 2200);
    while exponent > 1000 {
        x *= 2f64.powi(1000);
        exponent -= 1000;
    }
    while exponent < -1000 {
        x *= 2f64.powi(-1000);
        exponent += 1000;
    }
    x * 2f64.powi(exponent as i32)
}

/// `tonumber(v [, base])`.
fn tonumber<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let value = stack.get(0);
    let result = if stack.get(1).is_nil() {
        if stack.is_empty() {
            return Err(arg_error(ctx, 0, "tonumber", "value expected"));
        }
        match value {
            Value::Integer(_) | Value::Number(_) => value,
            Value::String(s) => match parse_number(s.as_bytes()) {
                Some(Number::Integer(i)) => Value::Integer(i),
                Some(Number::Float(n)) => Value::Number(n),
                None => Value::Nil,
            },
            _ => Value::Nil,
        }
    } else {
        let base = check_integer(ctx, &stack, 1, "tonumber")?;
        let Value::String(text) = value else {
            let message = format!("string expected, got {}", type_name(&stack, 0));
            return Err(arg_error(ctx, 0, "tonumber", message));
        };
        if !(2..=36).contains(&base) {
            return Err(arg_error(ctx, 1, "tonumber", "base out of range"));
        }
        parse_in_base(text.as_bytes(), base as u32).map_or(Value::Nil, Value::Integer)
    };
    stack.replace(ctx, result);
    Ok(CallbackReturn::Return)
}

/// An integer numeral in `base` (2..=36) with optional sign and surrounding
/// whitespace; wraps around on overflow like Lua's.
pub fn parse_in_base(text: &[u8], base: u32) -> Option<i64> {
    let (negative, digits) = split_sign(trim(text));
    if digits.is_empty() {
        return None;
    }
    let mut n = 0u64;
    for &c in digits {
        let digit = char::from(c).to_digit(base)?;
        n = n
            .wrapping_mul(u64::from(base))
            .wrapping_add(u64::from(digit));
    }
    Some(if negative {
        0u64.wrapping_sub(n) as i64
    } else {
        n as i64
    })
}

/// What converting a value to text needs: the text, or a `__tostring` call.
pub enum ToText<'gc> {
    /// The text, known without calling Lua.
    Text(piccolo::String<'gc>),
    /// `__tostring` to call with the value; check its result with [`tostring_result`].
    Call(Function<'gc>),
}

/// `luaL_tolstring`: `__tostring` first, then `__name`, then the plain text.
pub fn to_text<'gc>(ctx: Context<'gc>, value: Value<'gc>) -> Result<ToText<'gc>, Error<'gc>> {
    let metatable = match value {
        Value::Table(t) => t.metatable(),
        Value::UserData(u) => u.metatable(),
        _ => None,
    };
    if let Some(metatable) = metatable {
        let method = metatable.get(ctx, MetaMethod::ToString);
        if !method.is_nil() {
            return Ok(ToText::Call(meta_ops::call(ctx, method)?));
        }
        if let Value::String(name) = metatable.get(ctx, "__name") {
            let text = display(value);
            let address = text.split_once(": ").map_or(text.as_str(), |(_, a)| a);
            let mut named = name.as_bytes().to_vec();
            named.extend_from_slice(b": ");
            named.extend_from_slice(address.as_bytes());
            return Ok(ToText::Text(piccolo::String::from_slice(&ctx, named)));
        }
    }
    Ok(ToText::Text(match value {
        Value::String(s) => s,
        _ => piccolo::String::from_slice(&ctx, display(value)),
    }))
}

/// What `__tostring` returned, as text: a string, or a number made one.
pub fn tostring_result<'gc>(
    ctx: Context<'gc>,
    value: Value<'gc>,
) -> Result<piccolo::String<'gc>, Error<'gc>> {
    match value {
        Value::String(s) => Ok(s),
        _ => match number_text(value) {
            Some(text) => Ok(piccolo::String::from_slice(&ctx, text)),
            None => Err(lua_error(ctx, "'__tostring' must return a string")),
        },
    }
}

/// `tostring(v)`.
fn tostring<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    if stack.is_empty() {
        return Err(arg_error(ctx, 0, "tostring", "value expected"));
    }
    let value = stack.get(0);
    match to_text(ctx, value)? {
        ToText::Text(text) => {
            stack.replace(ctx, text);
            Ok(CallbackReturn::Return)
        }
        ToText::Call(function) => {
            stack.replace(ctx, value);
            Ok(CallbackReturn::Call {
                function,
                then: Some(BoxSequence::new(&ctx, CheckToStringResult)),
            })
        }
    }
}

/// Checks what `__tostring` returned: a string, or a number made one.
#[derive(Collect)]
#[collect(require_static)]
struct CheckToStringResult;

impl<'gc> Sequence<'gc> for CheckToStringResult {
    fn poll(
        &mut self,
        ctx: Context<'gc>,
        _: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        let result = tostring_result(ctx, stack.get(0))?;
        stack.replace(ctx, result);
        Ok(SequencePoll::Return)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run_lua;

    #[test]
    fn numerals_read_like_lua() {
        let n = |s: &str| parse_number(s.as_bytes());
        assert_eq!(n(" 10 "), Some(Number::Integer(10)));
        assert_eq!(n("0x10"), Some(Number::Integer(16)));
        assert_eq!(n("-0x1"), Some(Number::Integer(-1)));
        assert_eq!(n("0xffffffffffffffffff"), Some(Number::Integer(-1)));
        assert_eq!(n("9223372036854775807"), Some(Number::Integer(i64::MAX)));
        assert_eq!(n("-9223372036854775808"), Some(Number::Integer(i64::MIN)));
        assert_eq!(
            n("9223372036854775808"),
            Some(Number::Float(9.223372036854776e18))
        );
        assert_eq!(n("1e2"), Some(Number::Float(100.0)));
        assert_eq!(n(".5"), Some(Number::Float(0.5)));
        assert_eq!(n("5."), Some(Number::Float(5.0)));
        assert_eq!(n("1.e1"), Some(Number::Float(10.0)));
        assert_eq!(n("0x1p4"), Some(Number::Float(16.0)));
        assert_eq!(n("0x.8"), Some(Number::Float(0.5)));
        assert_eq!(n("0xA.8p-1"), Some(Number::Float(5.25)));
        for bad in [
            "", " ", "inf", "nan", "1e", "0x", "1 2", "--1", "0x1p", "1.5x", ".",
        ] {
            assert_eq!(n(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn tonumber_with_a_base() {
        assert_eq!(
            run_lua(
                "return tonumber('ff', 16), tonumber(' -ZZ ', 36), tonumber('8', 8), tonumber('')"
            ),
            "255\t-1295\tnil\tnil"
        );
        assert_eq!(
            run_lua(
                "return select(2, pcall(tonumber, 10, 16)), select(2, pcall(tonumber, '1', 1))"
            ),
            "bad argument #1 to 'tonumber' (string expected, got number)\t\
             bad argument #2 to 'tonumber' (base out of range)"
        );
    }

    #[test]
    fn tostring_uses_metamethods_and_names() {
        assert_eq!(
            run_lua(
                "local t = setmetatable({}, {__tostring = function() return 42 end})
                 local n = setmetatable({}, {__name = 'Point'})
                 return tostring(t), string.match(tostring(n), '^Point: ') ~= nil, tostring(1e100), tostring(-0.0)"
            ),
            "42\ttrue\t1e+100\t-0.0"
        );
        assert_eq!(
            run_lua(
                "local t = setmetatable({}, {__tostring = function() return {} end})
                 return pcall(tostring, t)"
            ),
            "false\t'__tostring' must return a string"
        );
    }
}
