//! The `table` library (Lua 5.4 manual §6.6). Elements are read and written raw:
//! `__index`/`__newindex`/`__len` on the table itself are not consulted
//! (tests/lua/KNOWN_DIFFERENCES.md).

use gc_arena::Collect;
use piccolo::{
    BoxSequence, CallbackReturn, Context, Error, Execution, Function, IntoValue, Sequence,
    SequencePoll, Stack, Table, Value,
};

use super::args::{self, check_table, library_fn, type_error};
use super::check::{arg_error, check_integer, opt_integer};
use super::compare::{less_than, Comparison};
use crate::api::set;

/// Most values `table.unpack` returns at once (Lua's stack limit).
const MAX_UNPACK: u64 = 1_000_000;

/// Completes the `table` table piccolo installed.
pub fn install(ctx: Context<'_>) {
    let table = match ctx.globals().get(ctx, "table") {
        Value::Table(table) => table,
        _ => Table::new(&ctx),
    };
    set(ctx, table, "insert", library_fn(ctx, insert));
    set(ctx, table, "remove", library_fn(ctx, remove));
    set(ctx, table, "concat", library_fn(ctx, concat));
    set(ctx, table, "unpack", library_fn(ctx, unpack));
    set(ctx, table, "move", library_fn(ctx, move_elements));
    set(ctx, table, "sort", library_fn(ctx, sort));
    set(ctx, ctx.globals(), "table", table);
}

/// `t[key] = value`; fails only on a read-only table (an integer key is always valid).
fn put<'gc>(
    ctx: Context<'gc>,
    table: Table<'gc>,
    key: i64,
    value: Value<'gc>,
) -> Result<(), Error<'gc>> {
    table.set(ctx, key, value)?;
    Ok(())
}

fn insert<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let table = check_table(ctx, &stack, 0, "insert")?;
    let end = table.length().wrapping_add(1);
    let (position, value) = match stack.len() {
        2 => (end, stack.get(1)),
        3 => {
            let position = check_integer(ctx, &stack, 1, "insert")?;
            // Unsigned comparison: position within [1, end].
            if (position as u64).wrapping_sub(1) >= end as u64 {
                return Err(arg_error(ctx, 1, "insert", "position out of bounds"));
            }
            let mut i = end;
            while i > position {
                put(ctx, table, i, table.get(ctx, i - 1))?;
                i -= 1;
            }
            (position, stack.get(2))
        }
        _ => {
            return Err("wrong number of arguments to 'insert'"
                .into_value(ctx)
                .into())
        }
    };
    put(ctx, table, position, value)?;
    stack.clear();
    Ok(CallbackReturn::Return)
}

fn remove<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let table = check_table(ctx, &stack, 0, "remove")?;
    let size = table.length();
    let mut position = opt_integer(ctx, &stack, 1, "remove", size)?;
    // Unsigned comparison: position within [1, size + 1].
    if position != size && (position as u64).wrapping_sub(1) > size as u64 {
        // Lua 5.4 blames argument #1 here.
        return Err(arg_error(ctx, 0, "remove", "position out of bounds"));
    }
    let removed = table.get(ctx, position);
    while position < size {
        put(ctx, table, position, table.get(ctx, position + 1))?;
        position += 1;
    }
    put(ctx, table, position, Value::Nil)?;
    stack.replace(ctx, removed);
    Ok(CallbackReturn::Return)
}

/// A string or number argument's text, as `luaL_optlstring` accepts it.
fn text_of(value: Value<'_>) -> Option<Vec<u8>> {
    match value {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Integer(_) | Value::Number(_) => Some(crate::api::display(value).into_bytes()),
        _ => None,
    }
}

fn concat<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let table = check_table(ctx, &stack, 0, "concat")?;
    let separator = match stack.get(1) {
        Value::Nil => Vec::new(),
        value => text_of(value).ok_or_else(|| type_error(ctx, &stack, 1, "concat", "string"))?,
    };
    let first = opt_integer(ctx, &stack, 2, "concat", 1)?;
    let last = match stack.get(3) {
        Value::Nil => table.length(),
        _ => check_integer(ctx, &stack, 3, "concat")?,
    };
    let mut out = Vec::new();
    let mut i = first;
    while i <= last {
        let value = table.get(ctx, i);
        let piece = text_of(value).ok_or_else(|| {
            let kind = value.type_name();
            Error::from(
                format!("invalid value ({kind}) at index {i} in table for 'concat'")
                    .into_value(ctx),
            )
        })?;
        out.extend_from_slice(&piece);
        if i == last {
            break;
        }
        out.extend_from_slice(&separator);
        i += 1;
    }
    stack.replace(ctx, piccolo::String::from_slice(&ctx, out));
    Ok(CallbackReturn::Return)
}

fn unpack<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let table = match stack.get(0) {
        Value::Table(table) => table,
        other => {
            return Err(
                format!("attempt to get length of a {} value", other.type_name())
                    .into_value(ctx)
                    .into(),
            )
        }
    };
    let first = opt_integer(ctx, &stack, 1, "unpack", 1)?;
    let last = match stack.get(2) {
        Value::Nil => table.length(),
        _ => check_integer(ctx, &stack, 2, "unpack")?,
    };
    stack.clear();
    if first > last {
        return Ok(CallbackReturn::Return);
    }
    let count = (last as u64).wrapping_sub(first as u64);
    if count >= MAX_UNPACK {
        return Err("too many results to unpack".into_value(ctx).into());
    }
    for offset in 0..=count as i64 {
        stack.push_back(table.get(ctx, first.wrapping_add(offset)));
    }
    Ok(CallbackReturn::Return)
}

fn move_elements<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let source = check_table(ctx, &stack, 0, "move")?;
    let from = check_integer(ctx, &stack, 1, "move")?;
    let end = check_integer(ctx, &stack, 2, "move")?;
    let to = check_integer(ctx, &stack, 3, "move")?;
    let destination = match stack.get(4) {
        Value::Nil => source,
        _ => check_table(ctx, &stack, 4, "move")?,
    };
    if end >= from {
        if !(from > 0 || end < i64::MAX.wrapping_add(from)) {
            return Err(arg_error(ctx, 2, "move", "too many elements to move"));
        }
        let count = end - from + 1;
        if to > i64::MAX - count + 1 {
            return Err(arg_error(ctx, 3, "move", "destination wrap around"));
        }
        if to > end || to <= from || destination != source {
            for i in 0..count {
                put(ctx, destination, to + i, source.get(ctx, from + i))?;
            }
        } else {
            for i in (0..count).rev() {
                put(ctx, destination, to + i, source.get(ctx, from + i))?;
            }
        }
    }
    stack.replace(ctx, destination);
    Ok(CallbackReturn::Return)
}

fn sort<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let table = check_table(ctx, &stack, 0, "sort")?;
    let length = table.length();
    if length <= 1 {
        stack.clear();
        return Ok(CallbackReturn::Return);
    }
    let comparator = match stack.get(1) {
        Value::Nil => None,
        Value::Function(function) => Some(function),
        _ => return Err(type_error(ctx, &stack, 1, "sort", "function")),
    };
    stack.clear();
    if length >= i64::from(i32::MAX) {
        return Err(arg_error(ctx, 0, "sort", "array too big"));
    }
    if comparator.is_none() && sort_uniform(ctx, table, length)? {
        return Ok(CallbackReturn::Return);
    }
    let sort = Sort {
        table,
        comparator,
        pending: Vec::new(),
        lo: 1,
        up: length,
        step: Step::Start,
        a: Value::Nil,
        b: Value::Nil,
        pivot: Value::Nil,
        p: 0,
        i: 0,
        j: 0,
    };
    Ok(CallbackReturn::Sequence(BoxSequence::new(&ctx, sort)))
}

/// Most elements [`sort_uniform`] sorts in one go: it cannot be preempted, so larger
/// arrays take the stepwise [`Sort`] (2^20 integers take ~70 ms in the sandbox).
const UNIFORM_SORT_MAX: i64 = 1 << 20;

/// Sorts `table[1..=length]` with `<` in one go when its elements are all integers,
/// all floats (no NaN, no negative zero) or all strings, and says whether it did.
/// Equal elements of these are indistinguishable, so any correct sort leaves the
/// table as lua5.4's quicksort does, and the order needs no metamethod or Lua call;
/// anything else, or a table too large, is left to [`Sort`] untouched. 200,000
/// integers: 10 ms instead of 110 ms in the sandbox.
fn sort_uniform<'gc>(
    ctx: Context<'gc>,
    table: Table<'gc>,
    length: i64,
) -> Result<bool, Error<'gc>> {
    if length > UNIFORM_SORT_MAX {
        return Ok(false);
    }
    let values: Vec<Value<'gc>> = (1..=length).map(|i| table.get(ctx, i)).collect();
    if let Some(mut integers) = uniform(&values, |v| match v {
        Value::Integer(i) => Some(i),
        _ => None,
    }) {
        integers.sort_unstable();
        return write_back(ctx, table, integers);
    }
    if let Some(mut floats) = uniform(&values, |v| match v {
        Value::Number(f) if !(f.is_nan() || f == 0.0 && f.is_sign_negative()) => Some(f),
        _ => None,
    }) {
        floats.sort_unstable_by(f64::total_cmp);
        return write_back(ctx, table, floats);
    }
    if let Some(mut strings) = uniform(&values, |v| match v {
        Value::String(s) => Some(s),
        _ => None,
    }) {
        strings.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        return write_back(ctx, table, strings);
    }
    Ok(false)
}

/// Every value of `values` as `T`, if `extract` takes each.
fn uniform<'gc, T>(
    values: &[Value<'gc>],
    extract: impl Fn(Value<'gc>) -> Option<T>,
) -> Option<Vec<T>> {
    values.iter().map(|&value| extract(value)).collect()
}

/// `table[1..]` = `sorted`, in order.
fn write_back<'gc, T: IntoValue<'gc>>(
    ctx: Context<'gc>,
    table: Table<'gc>,
    sorted: Vec<T>,
) -> Result<bool, Error<'gc>> {
    for (i, value) in (1..).zip(sorted) {
        put(ctx, table, i, value.into_value(ctx))?;
    }
    Ok(true)
}

/// Where [`Sort`] resumes once the comparison it asked for is known.
#[derive(Clone, Copy, Collect)]
#[collect(require_static)]
enum Step {
    /// Top of the loop over the range `lo..=up`; needs no comparison.
    Start,
    /// Compared `a[up] < a[lo]`.
    Ends,
    /// Compared `a[p] < a[lo]`.
    MiddleLow,
    /// Compared `a[up] < a[p]`.
    MiddleHigh,
    /// Compared `a[i] < P` while scanning up.
    ScanUp,
    /// Compared `P < a[j]` while scanning down.
    ScanDown,
}

/// Lua 5.4's `auxsort` (ltablib.c) as a resumable state machine, so that every
/// comparison can be a Lua call (a comparator, an `__lt` metamethod) that may even
/// yield. Follows the C code step for step, so comparators see the same calls in the
/// same order and the same invalid comparators are detected. Pivots are always the
/// middle element: Lua 5.4 randomises them only for large, badly unbalanced
/// partitions.
#[derive(Collect)]
#[collect(no_drop)]
struct Sort<'gc> {
    table: Table<'gc>,
    comparator: Option<Function<'gc>>,
    /// Ranges still to sort, most recent last (the C recursion).
    #[collect(require_static)]
    pending: Vec<(i64, i64)>,
    lo: i64,
    up: i64,
    step: Step,
    /// The values being compared or swapped, as the C code holds them on its stack.
    a: Value<'gc>,
    b: Value<'gc>,
    pivot: Value<'gc>,
    p: i64,
    i: i64,
    j: i64,
}

/// What the state machine needs next.
enum Next<'gc> {
    /// The result of `x < y`.
    Compare(Value<'gc>, Value<'gc>),
    /// Nothing: the table is sorted.
    Done,
}

/// Comparisons done synchronously between two fuel checks.
const COMPARISONS_PER_FUEL_CHECK: u32 = 64;
/// Fuel one comparison costs, like a few VM instructions.
const FUEL_PER_COMPARISON: i32 = 4;

impl<'gc> Sort<'gc> {
    fn get(&self, ctx: Context<'gc>, key: i64) -> Value<'gc> {
        self.table.get(ctx, key)
    }

    fn invalid_order(ctx: Context<'gc>) -> Error<'gc> {
        INVALID_ORDER.into_value(ctx).into()
    }

    /// Moves on to the next pending range, or finishes.
    fn next_range(&mut self, ctx: Context<'gc>) -> Result<Next<'gc>, Error<'gc>> {
        match self.pending.pop() {
            Some((lo, up)) => {
                self.lo = lo;
                self.up = up;
                self.start(ctx)
            }
            None => Ok(Next::Done),
        }
    }

    fn start(&mut self, ctx: Context<'gc>) -> Result<Next<'gc>, Error<'gc>> {
        if self.lo >= self.up {
            return self.next_range(ctx);
        }
        self.a = self.get(ctx, self.lo);
        self.b = self.get(ctx, self.up);
        self.step = Step::Ends;
        Ok(Next::Compare(self.b, self.a))
    }

    /// Runs the machine from `self.step`, which asked for a comparison whose result
    /// is `less`.
    fn advance(&mut self, ctx: Context<'gc>, less: bool) -> Result<Next<'gc>, Error<'gc>> {
        let (lo, up) = (self.lo, self.up);
        match self.step {
            Step::Start => self.start(ctx),
            Step::Ends => {
                if less {
                    put(ctx, self.table, lo, self.b)?;
                    put(ctx, self.table, up, self.a)?;
                }
                if up - lo == 1 {
                    return self.next_range(ctx);
                }
                self.p = lo + (up - lo) / 2;
                self.a = self.get(ctx, self.p);
                self.b = self.get(ctx, lo);
                self.step = Step::MiddleLow;
                Ok(Next::Compare(self.a, self.b))
            }
            Step::MiddleLow => {
                if less {
                    put(ctx, self.table, self.p, self.b)?;
                    put(ctx, self.table, lo, self.a)?;
                    self.partition_start(ctx)
                } else {
                    self.b = self.get(ctx, up);
                    self.step = Step::MiddleHigh;
                    Ok(Next::Compare(self.b, self.a))
                }
            }
            Step::MiddleHigh => {
                if less {
                    put(ctx, self.table, self.p, self.b)?;
                    put(ctx, self.table, up, self.a)?;
                }
                self.partition_start(ctx)
            }
            Step::ScanUp => {
                if less {
                    if self.i == up - 1 {
                        return Err(Self::invalid_order(ctx));
                    }
                    self.scan_up(ctx)
                } else {
                    self.scan_down(ctx)
                }
            }
            Step::ScanDown => {
                if less {
                    if self.j < self.i {
                        return Err(Self::invalid_order(ctx));
                    }
                    return self.scan_down(ctx);
                }
                if self.j < self.i {
                    // The pivot goes to its final place, `i`.
                    put(ctx, self.table, up - 1, self.a)?;
                    put(ctx, self.table, self.i, self.pivot)?;
                    let p = self.i;
                    // Sort the smaller side first; the larger waits.
                    if p - lo < up - p {
                        self.pending.push((p + 1, up));
                        self.up = p - 1;
                    } else {
                        self.pending.push((lo, p - 1));
                        self.lo = p + 1;
                    }
                    self.start(ctx)
                } else {
                    put(ctx, self.table, self.i, self.b)?;
                    put(ctx, self.table, self.j, self.a)?;
                    self.scan_up(ctx)
                }
            }
        }
    }

    /// Puts the pivot at `up - 1` and starts partitioning `lo..=up`.
    fn partition_start(&mut self, ctx: Context<'gc>) -> Result<Next<'gc>, Error<'gc>> {
        let (lo, up) = (self.lo, self.up);
        if up - lo == 2 {
            return self.next_range(ctx);
        }
        self.pivot = self.get(ctx, self.p);
        put(ctx, self.table, self.p, self.get(ctx, up - 1))?;
        put(ctx, self.table, up - 1, self.pivot)?;
        self.i = lo;
        self.j = up - 1;
        self.scan_up(ctx)
    }

    fn scan_up(&mut self, ctx: Context<'gc>) -> Result<Next<'gc>, Error<'gc>> {
        self.i += 1;
        self.a = self.get(ctx, self.i);
        self.step = Step::ScanUp;
        Ok(Next::Compare(self.a, self.pivot))
    }

    fn scan_down(&mut self, ctx: Context<'gc>) -> Result<Next<'gc>, Error<'gc>> {
        self.j -= 1;
        self.b = self.get(ctx, self.j);
        self.step = Step::ScanDown;
        Ok(Next::Compare(self.pivot, self.b))
    }

    /// Runs until a comparison needs a Lua call, the fuel check asks to pause, or the
    /// sort ends; `less` is the answer to the pending comparison, if any.
    fn run(
        &mut self,
        ctx: Context<'gc>,
        exec: &mut Execution<'gc, '_>,
        stack: &mut Stack<'gc, '_>,
        mut less: bool,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        let mut done_here = 0;
        loop {
            let (x, y) = match self.advance(ctx, less)? {
                Next::Done => {
                    stack.clear();
                    return Ok(SequencePoll::Return);
                }
                Next::Compare(x, y) => (x, y),
            };
            let function = match self.comparator {
                Some(function) => function,
                None => match less_than(ctx, x, y)? {
                    Comparison::Known(result) => {
                        less = result;
                        done_here += 1;
                        if done_here % COMPARISONS_PER_FUEL_CHECK == 0 {
                            exec.fuel()
                                .consume(FUEL_PER_COMPARISON * COMPARISONS_PER_FUEL_CHECK as i32);
                            if !exec.fuel().should_continue() {
                                // Resume with this answer on the next step.
                                stack.replace(ctx, less);
                                return Ok(SequencePoll::Pending);
                            }
                        }
                        continue;
                    }
                    Comparison::Call(function) => function,
                },
            };
            stack.replace(ctx, (x, y));
            return Ok(SequencePoll::Call {
                function,
                is_tail: false,
            });
        }
    }
}

impl<'gc> Sequence<'gc> for Sort<'gc> {
    fn poll(
        &mut self,
        ctx: Context<'gc>,
        mut exec: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        // The first poll starts the machine; later ones carry a comparison's result
        // (a call's first value, or the answer saved by a pause).
        let less = stack.get(0).to_bool();
        let caller = exec.lua_call_site();
        self.run(ctx, &mut exec, &mut stack, less)
            .map_err(|error| match (error, caller) {
                // `luaL_error` locates this one at the caller of `table.sort`.
                (Error::Lua(value), Some(site)) if is_invalid_order(value.0) => {
                    args::located(&site, INVALID_ORDER).into_value(ctx).into()
                }
                (error, _) => error,
            })
    }
}

/// The error an inconsistent comparator causes.
const INVALID_ORDER: &str = "invalid order function for sorting";

fn is_invalid_order(value: Value<'_>) -> bool {
    matches!(value, Value::String(s) if s.as_bytes() == INVALID_ORDER.as_bytes())
}

#[cfg(test)]
mod tests {
    use crate::testing::run_lua;

    #[test]
    fn a_comparator_may_yield() {
        let source = r#"
            local co = coroutine.wrap(function()
                local t = {3, 1, 2}
                table.sort(t, function(a, b) coroutine.yield() return a < b end)
                return table.concat(t, ",")
            end)
            local r
            repeat r = co() until r
            return r
        "#;
        assert_eq!(run_lua(source), "1,2,3");
    }

    #[test]
    fn long_sorts_pause_between_steps_and_finish() {
        let source = r#"
            local t, x = {}, 1
            for i = 1, 20000 do x = (x * 75 + 74) % 65537 t[i] = x end
            table.sort(t)
            for i = 2, #t do if t[i - 1] > t[i] then return "unsorted at " .. i end end
            return #t
        "#;
        assert_eq!(run_lua(source), "20000");
    }
}
