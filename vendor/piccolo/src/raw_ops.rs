use crate::Value;

// TODO: This module should be entirely replaced by `meta_ops` as they are added.

// The common cases first, inline: two integers or two floats (and, for `%`, a non-zero
// integer divisor). The general path converts both operands to `Constant`s, coerces
// strings and picks the operation through closures, several calls that were more than
// half the time of an arithmetic loop (wippy-wasm; `bench/lua` loops). The fast paths
// compute what `Constant`'s operations compute for the same operands.

/// An integer and a float, either way round, as two floats: how Lua computes `+ - * /`
/// on them. Checked first on the general path, where converting both operands to
/// `Constant`s cost a loop like `x = x + i * 0.5` a tenth of its time (wippy-wasm).
#[inline(always)]
fn integer_and_float(lhs: Value<'_>, rhs: Value<'_>) -> Option<(f64, f64)> {
    match (lhs, rhs) {
        (Value::Integer(a), Value::Number(b)) => Some((a as f64, b)),
        (Value::Number(a), Value::Integer(b)) => Some((a, b as f64)),
        _ => None,
    }
}

#[inline(always)]
pub fn add<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<Value<'gc>> {
    match (lhs, rhs) {
        (Value::Integer(a), Value::Integer(b)) => Some(Value::Integer(a.wrapping_add(b))),
        (Value::Number(a), Value::Number(b)) => Some(Value::Number(a + b)),
        _ => add_general(lhs, rhs),
    }
}

#[inline(never)]
fn add_general<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<Value<'gc>> {
    if let Some((a, b)) = integer_and_float(lhs, rhs) {
        return Some(Value::Number(a + b));
    }
    Some(lhs.to_constant()?.add(&rhs.to_constant()?)?.into())
}

#[inline(always)]
pub fn subtract<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<Value<'gc>> {
    match (lhs, rhs) {
        (Value::Integer(a), Value::Integer(b)) => Some(Value::Integer(a.wrapping_sub(b))),
        (Value::Number(a), Value::Number(b)) => Some(Value::Number(a - b)),
        _ => subtract_general(lhs, rhs),
    }
}

#[inline(never)]
fn subtract_general<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<Value<'gc>> {
    if let Some((a, b)) = integer_and_float(lhs, rhs) {
        return Some(Value::Number(a - b));
    }
    Some(lhs.to_constant()?.subtract(&rhs.to_constant()?)?.into())
}

#[inline(always)]
pub fn multiply<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<Value<'gc>> {
    match (lhs, rhs) {
        (Value::Integer(a), Value::Integer(b)) => Some(Value::Integer(a.wrapping_mul(b))),
        (Value::Number(a), Value::Number(b)) => Some(Value::Number(a * b)),
        _ => multiply_general(lhs, rhs),
    }
}

#[inline(never)]
fn multiply_general<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<Value<'gc>> {
    if let Some((a, b)) = integer_and_float(lhs, rhs) {
        return Some(Value::Number(a * b));
    }
    Some(lhs.to_constant()?.multiply(&rhs.to_constant()?)?.into())
}

#[inline(always)]
pub fn float_divide<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<Value<'gc>> {
    match (lhs, rhs) {
        (Value::Integer(a), Value::Integer(b)) => Some(Value::Number(a as f64 / b as f64)),
        (Value::Number(a), Value::Number(b)) => Some(Value::Number(a / b)),
        _ => float_divide_general(lhs, rhs),
    }
}

#[inline(never)]
fn float_divide_general<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<Value<'gc>> {
    if let Some((a, b)) = integer_and_float(lhs, rhs) {
        return Some(Value::Number(a / b));
    }
    Some(lhs.to_constant()?.float_divide(&rhs.to_constant()?)?.into())
}

pub fn floor_divide<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<Value<'gc>> {
    Some(lhs.to_constant()?.floor_divide(&rhs.to_constant()?)?.into())
}

#[inline(always)]
pub fn modulo<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<Value<'gc>> {
    match (lhs, rhs) {
        (Value::Integer(a), Value::Integer(b)) if b != 0 => {
            Some(Value::Integer(crate::constant::integer_modulo(a, b)))
        }
        _ => modulo_general(lhs, rhs),
    }
}

#[inline(never)]
fn modulo_general<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<Value<'gc>> {
    Some(lhs.to_constant()?.modulo(&rhs.to_constant()?)?.into())
}

pub fn exponentiate<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<Value<'gc>> {
    Some(lhs.to_constant()?.exponentiate(&rhs.to_constant()?)?.into())
}

#[inline(always)]
pub fn negate<'gc>(lhs: Value<'gc>) -> Option<Value<'gc>> {
    match lhs {
        Value::Integer(a) => Some(Value::Integer(a.wrapping_neg())),
        Value::Number(a) => Some(Value::Number(-a)),
        _ => negate_general(lhs),
    }
}

#[inline(never)]
fn negate_general<'gc>(lhs: Value<'gc>) -> Option<Value<'gc>> {
    Some(lhs.to_constant()?.negate()?.into())
}

pub fn bitwise_not<'gc>(v: Value<'gc>) -> Option<Value<'gc>> {
    Some(v.to_constant()?.bitwise_not()?.into())
}

pub fn bitwise_and<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<Value<'gc>> {
    Some(lhs.to_constant()?.bitwise_and(&rhs.to_constant()?)?.into())
}

pub fn bitwise_or<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<Value<'gc>> {
    Some(lhs.to_constant()?.bitwise_or(&rhs.to_constant()?)?.into())
}

pub fn bitwise_xor<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<Value<'gc>> {
    Some(lhs.to_constant()?.bitwise_xor(&rhs.to_constant()?)?.into())
}

pub fn shift_left<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<Value<'gc>> {
    Some(lhs.to_constant()?.shift_left(&rhs.to_constant()?)?.into())
}

pub fn shift_right<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<Value<'gc>> {
    Some(lhs.to_constant()?.shift_right(&rhs.to_constant()?)?.into())
}

#[inline(always)]
pub fn less_than<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<bool> {
    match (lhs, rhs) {
        (Value::Integer(a), Value::Integer(b)) => Some(a < b),
        (Value::Number(a), Value::Number(b)) => Some(a < b),
        _ => less_than_general(lhs, rhs),
    }
}

#[inline(never)]
fn less_than_general<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<bool> {
    Some(lhs.to_constant()?.less_than(&rhs.to_constant()?)?.into())
}

#[inline(always)]
pub fn less_equal<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<bool> {
    match (lhs, rhs) {
        (Value::Integer(a), Value::Integer(b)) => Some(a <= b),
        (Value::Number(a), Value::Number(b)) => Some(a <= b),
        _ => less_equal_general(lhs, rhs),
    }
}

#[inline(never)]
fn less_equal_general<'gc>(lhs: Value<'gc>, rhs: Value<'gc>) -> Option<bool> {
    Some(lhs.to_constant()?.less_equal(&rhs.to_constant()?)?.into())
}
