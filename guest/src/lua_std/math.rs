//! The `math` library (Lua 5.4 manual §6.7): integer/float results as Lua 5.4 gives
//! them, and Lua's own xoshiro256** generator so seeded sequences match `lua5.4`.

use std::cell::RefCell;
use std::rc::Rc;

use piccolo::{CallbackReturn, Context, Error, IntoValue, Stack, Table, Value};

use super::args::{as_float, check_numeric, library_fn, to_numeric};
use super::check::{
    arg_error, check_integer, check_number as check_float, float_to_integer, opt_integer,
};
use super::compare::{less_than, Comparison};
use crate::api::set;

/// A `math` function of one float.
type FloatFunction = fn(f64) -> f64;

/// Installs the `math` table.
pub fn install(ctx: Context<'_>) {
    let math = Table::new(&ctx);
    set(ctx, math, "pi", std::f64::consts::PI);
    set(ctx, math, "huge", f64::INFINITY);
    set(ctx, math, "maxinteger", i64::MAX);
    set(ctx, math, "mininteger", i64::MIN);

    let float_functions: [(&str, FloatFunction); 9] = [
        ("sqrt", f64::sqrt),
        ("sin", f64::sin),
        ("cos", f64::cos),
        ("tan", f64::tan),
        ("asin", f64::asin),
        ("acos", f64::acos),
        ("exp", f64::exp),
        ("deg", |x| x * (180.0 / std::f64::consts::PI)),
        ("rad", |x| x * (std::f64::consts::PI / 180.0)),
    ];
    for (name, function) in float_functions {
        let callback = library_fn(ctx, move |ctx, _, mut stack| {
            let x = check_float(ctx, &stack, 0, name)?;
            stack.replace(ctx, function(x));
            Ok(CallbackReturn::Return)
        });
        set(ctx, math, name, callback);
    }

    set(
        ctx,
        math,
        "atan",
        library_fn(ctx, |ctx, _, mut stack| {
            let y = check_float(ctx, &stack, 0, "atan")?;
            let x = match stack.get(1) {
                Value::Nil => 1.0,
                _ => check_float(ctx, &stack, 1, "atan")?,
            };
            stack.replace(ctx, y.atan2(x));
            Ok(CallbackReturn::Return)
        }),
    );
    set(
        ctx,
        math,
        "log",
        library_fn(ctx, |ctx, _, mut stack| {
            let x = check_float(ctx, &stack, 0, "log")?;
            let result = match stack.get(1) {
                Value::Nil => x.ln(),
                _ => match check_float(ctx, &stack, 1, "log")? {
                    2.0 => x.log2(),
                    10.0 => x.log10(),
                    base => x.ln() / base.ln(),
                },
            };
            stack.replace(ctx, result);
            Ok(CallbackReturn::Return)
        }),
    );
    set(
        ctx,
        math,
        "abs",
        library_fn(ctx, |ctx, _, mut stack| {
            let result = match check_numeric(ctx, &stack, 0, "abs")? {
                Value::Integer(i) => Value::Integer(i.wrapping_abs()),
                other => Value::Number(as_float(other).abs()),
            };
            stack.replace(ctx, result);
            Ok(CallbackReturn::Return)
        }),
    );
    set(ctx, math, "floor", rounding(ctx, "floor", f64::floor));
    set(ctx, math, "ceil", rounding(ctx, "ceil", f64::ceil));
    set(ctx, math, "fmod", library_fn(ctx, fmod));
    set(
        ctx,
        math,
        "modf",
        library_fn(ctx, |ctx, _, mut stack| {
            let result = match check_numeric(ctx, &stack, 0, "modf")? {
                Value::Integer(i) => (Value::Integer(i), Value::Number(0.0)),
                other => {
                    let n = as_float(other);
                    let whole = if n < 0.0 { n.ceil() } else { n.floor() };
                    let fraction = if n == whole { 0.0 } else { n - whole };
                    (float_or_integer(whole), Value::Number(fraction))
                }
            };
            stack.replace(ctx, result);
            Ok(CallbackReturn::Return)
        }),
    );
    set(
        ctx,
        math,
        "tointeger",
        library_fn(ctx, |ctx, _, mut stack| {
            let result = match to_numeric(stack.get(0)) {
                Some(Value::Integer(i)) => Value::Integer(i),
                Some(Value::Number(n)) => float_to_integer(n).map_or(Value::Nil, Value::Integer),
                _ if stack.is_empty() => {
                    return Err(arg_error(ctx, 0, "tointeger", "value expected"))
                }
                _ => Value::Nil,
            };
            stack.replace(ctx, result);
            Ok(CallbackReturn::Return)
        }),
    );
    set(
        ctx,
        math,
        "type",
        library_fn(ctx, |ctx, _, mut stack| {
            let result = match stack.get(0) {
                Value::Integer(_) => "integer".into_value(ctx),
                Value::Number(_) => "float".into_value(ctx),
                _ if stack.is_empty() => return Err(arg_error(ctx, 0, "type", "value expected")),
                _ => Value::Nil,
            };
            stack.replace(ctx, result);
            Ok(CallbackReturn::Return)
        }),
    );
    set(
        ctx,
        math,
        "ult",
        library_fn(ctx, |ctx, _, mut stack| {
            let a = check_integer(ctx, &stack, 0, "ult")?;
            let b = check_integer(ctx, &stack, 1, "ult")?;
            stack.replace(ctx, (a as u64) < (b as u64));
            Ok(CallbackReturn::Return)
        }),
    );
    set(ctx, math, "max", extremum(ctx, "max", true));
    set(ctx, math, "min", extremum(ctx, "min", false));
    install_random(ctx, math);
    set(ctx, ctx.globals(), "math", math);
}

/// A float with an integral value as an integer when it fits (`lua_Number` → "pushnumint").
fn float_or_integer<'gc>(n: f64) -> Value<'gc> {
    float_to_integer(n).map_or(Value::Number(n), Value::Integer)
}

/// `math.floor` / `math.ceil`: integers unchanged, floats rounded to an integer when
/// it fits.
fn rounding<'gc>(
    ctx: Context<'gc>,
    name: &'static str,
    round: fn(f64) -> f64,
) -> piccolo::Callback<'gc> {
    library_fn(ctx, move |ctx, _, mut stack| {
        let result = match check_numeric(ctx, &stack, 0, name)? {
            Value::Integer(i) => Value::Integer(i),
            other => float_or_integer(round(as_float(other))),
        };
        stack.replace(ctx, result);
        Ok(CallbackReturn::Return)
    })
}

fn fmod<'gc>(
    ctx: Context<'gc>,
    _: piccolo::Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let a = check_numeric(ctx, &stack, 0, "fmod")?;
    let b = check_numeric(ctx, &stack, 1, "fmod")?;
    let result = match (a, b) {
        // Only integer arguments (not numeric strings) take the integer path.
        _ if !matches!(
            (stack.get(0), stack.get(1)),
            (Value::Integer(_), Value::Integer(_))
        ) =>
        {
            Value::Number(as_float(a) % as_float(b))
        }
        (Value::Integer(_), Value::Integer(0)) => {
            return Err(arg_error(ctx, 1, "fmod", "zero"));
        }
        // C's `%` truncates like this; -1 is special-cased because MIN % -1 overflows.
        (Value::Integer(_), Value::Integer(-1)) => Value::Integer(0),
        (Value::Integer(x), Value::Integer(y)) => Value::Integer(x % y),
        (x, y) => Value::Number(as_float(x) % as_float(y)),
    };
    stack.replace(ctx, result);
    Ok(CallbackReturn::Return)
}

/// `math.max` / `math.min`: the first argument that no later one beats, keeping its
/// integer or float type.
fn extremum<'gc>(ctx: Context<'gc>, name: &'static str, max: bool) -> piccolo::Callback<'gc> {
    library_fn(ctx, move |ctx, _, mut stack| {
        if stack.is_empty() {
            return Err(arg_error(ctx, 0, name, "value expected"));
        }
        let mut best = stack.get(0);
        for i in 1..stack.len() {
            let candidate = stack.get(i);
            let (lower, higher) = if max {
                (best, candidate)
            } else {
                (candidate, best)
            };
            match less_than(ctx, lower, higher)? {
                Comparison::Known(true) => best = candidate,
                Comparison::Known(false) => {}
                // A metamethod would need a Lua call from inside the loop.
                Comparison::Call(_) => {
                    return Err(arg_error(ctx, i, name, "number expected, got table"));
                }
            }
        }
        stack.replace(ctx, best);
        Ok(CallbackReturn::Return)
    })
}

/// Two fresh random words from the host (`wasi:random/random`, the guest's only WASI
/// import): anything seeded while the shared state was built is frozen into the
/// snapshot, the same in every process.
#[cfg(target_arch = "wasm32")]
fn fresh_seeds() -> (u64, u64) {
    use crate::bindings::wasi::random::random::get_random_u64;
    (get_random_u64(), get_random_u64())
}

/// Natively (tests) every `RandomState` gets new keys.
#[cfg(not(target_arch = "wasm32"))]
fn fresh_seeds() -> (u64, u64) {
    use std::hash::BuildHasher;
    let state = std::collections::hash_map::RandomState::new();
    (state.hash_one(1u8), state.hash_one(2u8))
}

/// Lua 5.4's xoshiro256** state (lmathlib.c).
struct Xoshiro([u64; 4]);

impl Xoshiro {
    /// A state seeded from fresh randomness.
    fn fresh() -> Self {
        let (n1, n2) = fresh_seeds();
        Xoshiro::seeded(n1, n2)
    }

    fn seeded(n1: u64, n2: u64) -> Self {
        let mut state = Xoshiro([n1, 0xff, n2, 0]);
        for _ in 0..16 {
            state.next();
        }
        state
    }

    fn next(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// A uniform value in `0..=n` (Lua's `project`).
    fn project(&mut self, mut random: u64, n: u64) -> u64 {
        if n & n.wrapping_add(1) == 0 {
            return random & n;
        }
        let mut limit = n;
        for shift in [1, 2, 4, 8, 16, 32] {
            limit |= limit >> shift;
        }
        loop {
            random &= limit;
            if random <= n {
                return random;
            }
            random = self.next();
        }
    }
}

/// `math.random` and `math.randomseed` over one xoshiro state per process. The
/// state is seeded from fresh randomness on first use, as Lua 5.4 seeds every new
/// state randomly: built into the snapshot unseeded, it is seeded in each process
/// that draws, and a process that never draws never writes the state's page of the
/// snapshot.
fn install_random<'gc>(ctx: Context<'gc>, math: Table<'gc>) {
    let state: Rc<RefCell<Option<Xoshiro>>> = Rc::new(RefCell::new(None));
    let random_state = state.clone();
    set(
        ctx,
        math,
        "random",
        library_fn(ctx, move |ctx, _, mut stack| {
            let mut state = random_state.borrow_mut();
            let rng = state.get_or_insert_with(Xoshiro::fresh);
            let value = rng.next();
            let (low, high) = match stack.len() {
                0 => {
                    // The top 53 bits as a float in [0, 1).
                    stack.replace(ctx, (value >> 11) as f64 * 2f64.powi(-53));
                    return Ok(CallbackReturn::Return);
                }
                1 => {
                    let high = check_integer(ctx, &stack, 0, "random")?;
                    if high == 0 {
                        stack.replace(ctx, value as i64);
                        return Ok(CallbackReturn::Return);
                    }
                    (1, high)
                }
                2 => (
                    check_integer(ctx, &stack, 0, "random")?,
                    check_integer(ctx, &stack, 1, "random")?,
                ),
                _ => return Err("wrong number of arguments".into_value(ctx).into()),
            };
            if low > high {
                return Err(arg_error(ctx, 0, "random", "interval is empty"));
            }
            let offset = rng.project(value, (high as u64).wrapping_sub(low as u64));
            stack.replace(ctx, offset.wrapping_add(low as u64) as i64);
            Ok(CallbackReturn::Return)
        }),
    );
    set(
        ctx,
        math,
        "randomseed",
        library_fn(ctx, move |ctx, _, mut stack| {
            let (n1, n2) = if stack.is_empty() {
                let mut state = state.borrow_mut();
                (state.get_or_insert_with(Xoshiro::fresh).next() as i64, 0)
            } else {
                (
                    check_integer(ctx, &stack, 0, "randomseed")?,
                    opt_integer(ctx, &stack, 1, "randomseed", 0)?,
                )
            };
            *state.borrow_mut() = Some(Xoshiro::seeded(n1 as u64, n2 as u64));
            stack.replace(ctx, (n1, n2));
            Ok(CallbackReturn::Return)
        }),
    );
}
