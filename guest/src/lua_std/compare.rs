//! Lua 5.4's `<` (manual §3.4.4) for library code: numbers by mathematical value
//! (integers and floats exactly), strings bytewise, anything else through `__lt`.

use piccolo::{meta_ops, Context, Error, Function, Value};

/// The outcome of `a < b`: known now, or a call of `__lt` with `(a, b)`.
pub enum Comparison<'gc> {
    /// The answer.
    Known(bool),
    /// The `__lt` metamethod to call with `(a, b)`; its first result, as a boolean, is
    /// the answer.
    Call(Function<'gc>),
}

/// `a < b`.
pub fn less_than<'gc>(
    ctx: Context<'gc>,
    a: Value<'gc>,
    b: Value<'gc>,
) -> Result<Comparison<'gc>, Error<'gc>> {
    let known = match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x < y,
        (Value::Number(x), Value::Number(y)) => x < y,
        (Value::Integer(i), Value::Number(f)) => integer_less_than_float(i, f),
        (Value::Number(f), Value::Integer(i)) => float_less_than_integer(f, i),
        (Value::String(x), Value::String(y)) => x.as_bytes() < y.as_bytes(),
        _ => return metamethod(ctx, a, b),
    };
    Ok(Comparison::Known(known))
}

/// 2^63 as a float: the first float above every i64.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

fn integer_less_than_float(i: i64, f: f64) -> bool {
    if f.is_nan() {
        false
    } else if f >= TWO_POW_63 {
        true
    } else if f > -TWO_POW_63 {
        // i < f exactly when i < ceil(f), and ceil(f) is an exact i64 here.
        i < f.ceil() as i64
    } else {
        false
    }
}

fn float_less_than_integer(f: f64, i: i64) -> bool {
    if f.is_nan() || f >= TWO_POW_63 {
        false
    } else if f >= -TWO_POW_63 {
        // f < i exactly when floor(f) < i.
        (f.floor() as i64) < i
    } else {
        true
    }
}

fn metamethod<'gc>(
    ctx: Context<'gc>,
    a: Value<'gc>,
    b: Value<'gc>,
) -> Result<Comparison<'gc>, Error<'gc>> {
    for operand in [a, b] {
        let metatable = match operand {
            Value::Table(t) => t.metatable(),
            Value::UserData(u) => u.metatable(),
            _ => None,
        };
        if let Some(metatable) = metatable {
            let lt = metatable.get(ctx, "__lt");
            if !lt.is_nil() {
                return Ok(Comparison::Call(meta_ops::call(ctx, lt)?));
            }
        }
    }
    let (ta, tb) = (a.type_name(), b.type_name());
    let message = if ta == tb {
        format!("attempt to compare two {ta} values")
    } else {
        format!("attempt to compare {ta} with {tb}")
    };
    // A VM error, as in Lua, where it carries no position of the library caller.
    Err(Error::from(VmError(message)))
}

/// An error the VM itself would raise (Lua's `luaG_runerror` from a C function): it
/// reaches Lua code as its text, without a caller position.
#[derive(Debug)]
pub struct VmError(pub String);

impl std::fmt::Display for VmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for VmError {}
