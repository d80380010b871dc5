use std::hash::{Hash, Hasher};

use gc_arena::Collect;

use crate::compiler::lexer::{read_float, read_integer};

#[derive(Debug, Copy, Clone, Collect)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[collect(no_drop)]
pub enum Constant<S> {
    Nil,
    Boolean(bool),
    Integer(i64),
    Number(f64),
    String(S),
}

impl<S> Constant<S> {
    pub fn to_bool(&self) -> bool {
        match self {
            Self::Nil => false,
            Self::Boolean(false) => false,
            _ => true,
        }
    }

    pub fn not(&self) -> Constant<S> {
        Constant::Boolean(!self.to_bool())
    }

    pub fn as_string_ref(&self) -> Constant<&S> {
        match self {
            Constant::Nil => Constant::Nil,
            Constant::Boolean(b) => Constant::Boolean(*b),
            Constant::Integer(i) => Constant::Integer(*i),
            Constant::Number(n) => Constant::Number(*n),
            Constant::String(s) => Constant::String(s),
        }
    }

    pub fn map_string<S2>(self, f: impl FnOnce(S) -> S2) -> Constant<S2> {
        match self {
            Constant::Nil => Constant::Nil,
            Constant::Boolean(b) => Constant::Boolean(b),
            Constant::Integer(i) => Constant::Integer(i),
            Constant::Number(n) => Constant::Number(n),
            Constant::String(s) => Constant::String(f(s)),
        }
    }
}

impl<S: AsRef<[u8]>> Constant<S> {
    /// Interprets Numbers, Integers, and Strings as a Number, if possible.
    pub fn to_number(&self) -> Option<f64> {
        match self {
            &Self::Integer(a) => Some(a as f64),
            &Self::Number(a) => Some(a),
            Self::String(a) => read_float(a.as_ref()),
            _ => None,
        }
    }

    /// Interprets Numbers, Integers, and Strings as an Integer, if possible.
    pub fn to_integer(&self) -> Option<i64> {
        match self {
            &Self::Integer(a) => Some(a),
            &Self::Number(a) => {
                if ((a as i64) as f64) == a {
                    Some(a as i64)
                } else {
                    None
                }
            }
            Self::String(a) => {
                if let Some(i) = read_integer(a.as_ref()) {
                    Some(i)
                } else if let Some(n) = read_float(a.as_ref()) {
                    if ((n as i64) as f64) == n {
                        Some(n as i64)
                    } else {
                        None
                    }
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// The number an arithmetic operand stands for: integers and floats as they are,
    /// strings converted by the lexer's rules (an integer if the text is one), as in
    /// Lua 5.4 (manual §3.4.3).
    fn arith(&self) -> Option<Self> {
        match self {
            &Self::Integer(a) => Some(Self::Integer(a)),
            &Self::Number(a) => Some(Self::Number(a)),
            Self::String(a) => {
                let text = trim_space(a.as_ref());
                read_integer(text)
                    .map(Self::Integer)
                    .or_else(|| read_float(text).map(Self::Number))
            }
            _ => None,
        }
    }

    fn arith_float(&self) -> Option<f64> {
        match self.arith()? {
            Self::Integer(a) => Some(a as f64),
            Self::Number(a) => Some(a),
            _ => None,
        }
    }

    fn integer_op(
        &self,
        rhs: &Self,
        int: impl FnOnce(i64, i64) -> Option<i64>,
        float: impl FnOnce(f64, f64) -> f64,
    ) -> Option<Self> {
        match (self.arith()?, rhs.arith()?) {
            (Self::Integer(a), Self::Integer(b)) => int(a, b).map(Self::Integer),
            (a, b) => Some(Self::Number(float(a.arith_float()?, b.arith_float()?))),
        }
    }

    // Mathematical operators

    pub fn add(&self, rhs: &Self) -> Option<Self> {
        self.integer_op(rhs, |a, b| Some(a.wrapping_add(b)), |a, b| a + b)
    }

    pub fn subtract(&self, rhs: &Self) -> Option<Self> {
        self.integer_op(rhs, |a, b| Some(a.wrapping_sub(b)), |a, b| a - b)
    }

    pub fn multiply(&self, rhs: &Self) -> Option<Self> {
        self.integer_op(rhs, |a, b| Some(a.wrapping_mul(b)), |a, b| a * b)
    }

    /// This operation always returns a Number, even when called with Integer arguments.
    pub fn float_divide(&self, rhs: &Self) -> Option<Self> {
        Some(Self::Number(self.arith_float()? / rhs.arith_float()?))
    }

    /// This operation returns an Integer only if both arguments are Integers. Rounding is towards
    /// negative infinity.
    pub fn floor_divide(&self, rhs: &Self) -> Option<Self> {
        self.integer_op(
            rhs,
            |a, b| {
                if b == 0 {
                    return None;
                }
                let quotient = a.wrapping_div(b);
                Some(if a.wrapping_rem(b) != 0 && (a ^ b) < 0 {
                    quotient - 1
                } else {
                    quotient
                })
            },
            |a, b| (a / b).floor(),
        )
    }

    /// Computes the Lua modulus (`%`) operator. This is unlike Rust's `%` operator which computes
    /// the remainder.
    pub fn modulo(&self, rhs: &Self) -> Option<Self> {
        self.integer_op(
            rhs,
            |a, b| (b != 0).then(|| integer_modulo(a, b)),
            |a, b| {
                // C's fmod, then the sign of the divisor (lvm.c `luai_nummod`).
                let m = a % b;
                if (m > 0.0 && b < 0.0) || (m < 0.0 && b != m && b > 0.0) {
                    m + b
                } else {
                    m
                }
            },
        )
    }

    /// This operation always returns a Number, even when called with Integer arguments.
    pub fn exponentiate(&self, rhs: &Self) -> Option<Self> {
        Some(Self::Number(self.arith_float()?.powf(rhs.arith_float()?)))
    }

    pub fn negate(&self) -> Option<Self> {
        match self.arith()? {
            Self::Integer(a) => Some(Self::Integer(a.wrapping_neg())),
            Self::Number(a) => Some(Self::Number(-a)),
            _ => None,
        }
    }

    // Bitwise operators

    /// The integer a bitwise operand stands for: floats only with an exact integer
    /// value in range, strings by the same rule.
    fn bit_operand(&self) -> Option<i64> {
        match self.arith()? {
            Self::Integer(a) => Some(a),
            Self::Number(a) => float_to_integer(a),
            _ => None,
        }
    }

    pub fn bitwise_not(&self) -> Option<Self> {
        Some(Self::Integer(!self.bit_operand()?))
    }

    pub fn bitwise_and(&self, rhs: &Self) -> Option<Self> {
        Some(Self::Integer(self.bit_operand()? & rhs.bit_operand()?))
    }

    pub fn bitwise_or(&self, rhs: &Self) -> Option<Self> {
        Some(Self::Integer(self.bit_operand()? | rhs.bit_operand()?))
    }

    pub fn bitwise_xor(&self, rhs: &Self) -> Option<Self> {
        Some(Self::Integer(self.bit_operand()? ^ rhs.bit_operand()?))
    }

    pub fn shift_left(&self, rhs: &Self) -> Option<Self> {
        Some(Self::Integer(shift_left(
            self.bit_operand()?,
            rhs.bit_operand()?,
        )))
    }

    pub fn shift_right(&self, rhs: &Self) -> Option<Self> {
        Some(Self::Integer(shift_left(
            self.bit_operand()?,
            rhs.bit_operand()?.wrapping_neg(),
        )))
    }

    // Comparison operators

    pub fn is_equal(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Nil, Self::Nil) => true,
            (Self::Nil, _) => false,

            (Self::Boolean(a), Self::Boolean(b)) => a == b,
            (Self::Boolean(_), _) => false,

            (Self::Integer(a), Self::Integer(b)) => a == b,
            (Self::Integer(a), Self::Number(b)) => float_to_integer(*b) == Some(*a),
            (Self::Integer(_), _) => false,

            (Self::Number(a), Self::Number(b)) => a == b,
            (Self::Number(a), Self::Integer(b)) => float_to_integer(*a) == Some(*b),
            (Self::Number(_), _) => false,

            (Self::String(a), Self::String(b)) => a.as_ref() == b.as_ref(),
            (Self::String(_), _) => false,
        }
    }

    /// `<` on numbers (exact between integers and floats, as lvm.c `LTnum`) and on
    /// strings; `None` for anything else (strings are not coerced).
    pub fn less_than(&self, rhs: &Self) -> Option<bool> {
        Some(match (self, rhs) {
            (Self::Integer(a), Self::Integer(b)) => a < b,
            (Self::Number(a), Self::Number(b)) => a < b,
            (&Self::Integer(i), &Self::Number(f)) => integer_less_than_float(i, f, false),
            (&Self::Number(f), &Self::Integer(i)) => float_less_than_integer(f, i, false),
            (Self::String(a), Self::String(b)) => a.as_ref() < b.as_ref(),
            _ => return None,
        })
    }

    /// `<=`, as [`Constant::less_than`].
    pub fn less_equal(&self, rhs: &Self) -> Option<bool> {
        Some(match (self, rhs) {
            (Self::Integer(a), Self::Integer(b)) => a <= b,
            (Self::Number(a), Self::Number(b)) => a <= b,
            (&Self::Integer(i), &Self::Number(f)) => integer_less_than_float(i, f, true),
            (&Self::Number(f), &Self::Integer(i)) => float_less_than_integer(f, i, true),
            (Self::String(a), Self::String(b)) => a.as_ref() <= b.as_ref(),
            _ => return None,
        })
    }
}

/// Lua's integer `a % b` for `b != 0`: the remainder takes the divisor's sign, and
/// `math.mininteger % -1` is 0 instead of an overflow.
#[inline(always)]
pub(crate) fn integer_modulo(a: i64, b: i64) -> i64 {
    let remainder = a.wrapping_rem(b);
    if remainder != 0 && (remainder ^ b) < 0 {
        remainder + b
    } else {
        remainder
    }
}

/// 2^63 as a float: the first float above every `i64`.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// The integer a float equals exactly, if it has one in range.
pub(crate) fn float_to_integer(f: f64) -> Option<i64> {
    (f.fract() == 0.0 && (-TWO_POW_63..TWO_POW_63).contains(&f)).then_some(f as i64)
}

/// `i < f` (or `i <= f` with `or_equal`), exactly.
fn integer_less_than_float(i: i64, f: f64, or_equal: bool) -> bool {
    if f.is_nan() {
        false
    } else if f >= TWO_POW_63 {
        true
    } else if f < -TWO_POW_63 {
        false
    } else if or_equal {
        i <= f.floor() as i64
    } else {
        i < f.ceil() as i64
    }
}

/// `f < i` (or `f <= i` with `or_equal`), exactly.
fn float_less_than_integer(f: f64, i: i64, or_equal: bool) -> bool {
    if f.is_nan() {
        false
    } else if f >= TWO_POW_63 {
        false
    } else if f < -TWO_POW_63 {
        true
    } else if or_equal {
        f.ceil() as i64 <= i
    } else {
        (f.floor() as i64) < i
    }
}

/// Lua's logical shift: negative counts shift right, counts past 63 give 0.
fn shift_left(value: i64, count: i64) -> i64 {
    if count <= -64 || count >= 64 {
        0
    } else if count >= 0 {
        ((value as u64) << count) as i64
    } else {
        ((value as u64) >> -count) as i64
    }
}

/// Lua accepts spaces around a number in a string (`" 10 " + 1`).
fn trim_space(text: &[u8]) -> &[u8] {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let start = text.iter().position(|b| !is_space(b)).unwrap_or(text.len());
    let end = text.iter().rposition(|b| !is_space(b)).map_or(start, |i| i + 1);
    &text[start..end]
}

impl<S: AsRef<[u8]>> PartialEq for Constant<S> {
    fn eq(&self, other: &Self) -> bool {
        self.is_equal(other)
    }
}

/// Wrapper for a `Constant` that implements Hash and Eq, and only compares equal when the types are
/// bit for bit identical.
#[derive(Debug, Copy, Clone, Collect)]
#[collect(no_drop)]
pub struct IdenticalConstant<S>(pub Constant<S>);

impl<S> From<Constant<S>> for IdenticalConstant<S> {
    fn from(value: Constant<S>) -> Self {
        Self(value)
    }
}

impl<S: AsRef<[u8]>> PartialEq for IdenticalConstant<S> {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Constant::Nil, Constant::Nil) => true,
            (Constant::Nil, _) => false,

            (Constant::Boolean(a), Constant::Boolean(b)) => a == b,
            (Constant::Boolean(_), _) => false,

            (Constant::Integer(a), Constant::Integer(b)) => a == b,
            (Constant::Integer(_), _) => false,

            (Constant::Number(a), Constant::Number(b)) => a.to_bits() == b.to_bits(),
            (Constant::Number(_), _) => false,

            (Constant::String(a), Constant::String(b)) => a.as_ref() == b.as_ref(),
            (Constant::String(_), _) => false,
        }
    }
}

impl<S: AsRef<[u8]>> Eq for IdenticalConstant<S> {}

impl<S: AsRef<[u8]>> Hash for IdenticalConstant<S> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match &self.0 {
            Constant::Nil => {
                Hash::hash(&0, state);
            }
            Constant::Boolean(b) => {
                Hash::hash(&1, state);
                b.hash(state);
            }
            Constant::Integer(i) => {
                Hash::hash(&2, state);
                i.hash(state);
            }
            Constant::Number(n) => {
                Hash::hash(&3, state);
                n.to_bits().hash(state);
            }
            Constant::String(s) => {
                Hash::hash(&4, state);
                s.as_ref().hash(state);
            }
        }
    }
}
