use allocator_api2::vec;
use gc_arena::allocator_api::MetricsAlloc;
use thiserror::Error;

use crate::{
    meta_ops::{self, MetaMethod, MetaResult},
    opcode::{Operation, RCIndex},
    raw_ops,
    table::RawTable,
    thread::thread::MetaReturn,
    types::{RegisterIndex, UpValueDescriptor, VarCount},
    Closure, Constant, Context, Function, RuntimeError, String, Table, Value,
};

use super::{thread::LuaFrame, VMError};

/// An operator applied to operands it cannot take, worded as Lua 5.4 words it
/// (`attempt to perform arithmetic on a nil value`).
#[derive(Debug, Copy, Clone, Error)]
#[error("{}", self.message())]
pub struct BinaryOperatorError {
    op: Operator,
    left: OperandKind,
    right: OperandKind,
}

/// The operator of a [`BinaryOperatorError`].
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum Operator {
    Add,
    Subtract,
    Multiply,
    FloatDivide,
    FloorDivide,
    Modulo,
    Exponentiate,
    UnaryNegate,
    BitAnd,
    BitOr,
    BitXor,
    BitNot,
    ShiftLeft,
    ShiftRight,
    LessThan,
    LessEqual,
}

/// What an operand of a failed operation was.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
struct OperandKind {
    type_name: &'static str,
    /// A number, or a string that converts to one.
    numeric: bool,
}

impl OperandKind {
    fn of(value: Value<'_>) -> Self {
        let converted = value
            .to_constant()
            .and_then(|c| c.add(&Constant::Integer(0)));
        OperandKind {
            type_name: value.type_name(),
            numeric: converted.is_some(),
        }
    }
}

impl BinaryOperatorError {
    /// Whether the error names the left operand (Lua names the first one that is not
    /// a number); comparisons name neither.
    pub fn blames_left(&self) -> Option<bool> {
        match self.op {
            Operator::LessThan | Operator::LessEqual => None,
            _ if self.string_arithmetic().is_some() => None,
            _ => Some(!self.left.numeric),
        }
    }

    /// Lua 5.4 does arithmetic on strings through the string metatable, whose error
    /// names the event: `attempt to add a 'string' with a 'number'` (lstrlib.c `trymt`).
    fn string_arithmetic(&self) -> Option<&'static str> {
        use Operator::*;
        let event = match self.op {
            Add => "add",
            Subtract => "sub",
            Multiply => "mul",
            FloatDivide => "div",
            FloorDivide => "idiv",
            Modulo => "mod",
            Exponentiate => "pow",
            UnaryNegate => "unm",
            _ => return None,
        };
        let strings = [self.left, self.right]
            .iter()
            .any(|operand| operand.type_name == "string" && !operand.numeric);
        strings.then_some(event)
    }

    /// The error for `op` on `left` and `right` (a unary operator repeats its operand).
    pub fn new(op: Operator, left: Value<'_>, right: Value<'_>) -> Self {
        BinaryOperatorError {
            op,
            left: OperandKind::of(left),
            right: OperandKind::of(right),
        }
    }

    fn message(&self) -> std::string::String {
        use Operator::*;
        let (left, right) = (self.left, self.right);
        if let Some(event) = self.string_arithmetic() {
            return format!(
                "attempt to {event} a '{}' with a '{}'",
                left.type_name, right.type_name
            );
        }
        match self.op {
            LessThan | LessEqual if left.type_name == right.type_name => {
                format!("attempt to compare two {} values", left.type_name)
            }
            LessThan | LessEqual => format!(
                "attempt to compare {} with {}",
                left.type_name, right.type_name
            ),
            BitAnd | BitOr | BitXor | BitNot | ShiftLeft | ShiftRight => {
                let bad = if !left.numeric { left } else { right };
                if bad.numeric {
                    "number has no integer representation".into()
                } else {
                    format!(
                        "attempt to perform bitwise operation on a {} value",
                        bad.type_name
                    )
                }
            }
            FloorDivide if left.numeric && right.numeric => "attempt to divide by zero".into(),
            Modulo if left.numeric && right.numeric => "attempt to perform 'n%0'".into(),
            _ => {
                let bad = if !left.numeric { left } else { right };
                format!("attempt to perform arithmetic on a {} value", bad.type_name)
            }
        }
    }
}

/// Why a numeric `for` cannot start, checked in lvm.c `forprep`'s order.
fn for_loop_error<'gc>(
    init: Value<'gc>,
    limit: Value<'gc>,
    step: Value<'gc>,
) -> Option<RuntimeError> {
    for (value, what) in [(limit, "limit"), (step, "step"), (init, "initial value")] {
        if value.to_number().is_none() {
            let found = value.type_name();
            return Some(anyhow::anyhow!("bad 'for' {what} (number expected, got {found})").into());
        }
    }
    if step.to_number() == Some(0.0) {
        return Some(anyhow::anyhow!("'for' step is zero").into());
    }
    None
}

/// How many more times than once an integer `for` loop from `init` by `step` runs
/// before passing `limit`, or `None` if it does not run at all: Lua 5.4's `forlimit`
/// and `forprep` (lvm.c). A float limit is floored (ceiled for a negative step) and
/// clipped to the integer range.
fn integer_for_count(init: i64, limit: Value<'_>, step: i64) -> Option<u64> {
    const TWO_POW_63: f64 = 9223372036854775808.0;
    let limit = match limit {
        Value::Integer(limit) => limit,
        limit => {
            let limit = limit.to_number()?;
            let rounded = if step < 0 {
                limit.ceil()
            } else {
                limit.floor()
            };
            if (-TWO_POW_63..TWO_POW_63).contains(&rounded) {
                rounded as i64
            } else if 0.0 < limit {
                if step < 0 {
                    return None;
                }
                i64::MAX
            } else {
                // Below the range, or NaN (as in Lua).
                if step > 0 {
                    return None;
                }
                i64::MIN
            }
        }
    };
    if step > 0 {
        if init > limit {
            return None;
        }
        Some((limit as u64).wrapping_sub(init as u64) / step as u64)
    } else {
        if init < limit {
            return None;
        }
        let span = (init as u64).wrapping_sub(limit as u64);
        Some(span / ((-(step + 1)) as u64 + 1))
    }
}

/// What a `..` chain that plain concatenation refused does next.
enum ConcatStep<'gc> {
    /// The chain's value.
    Done(Value<'gc>),
    /// Call `__concat` on this pair; the registers have been rearranged so that running
    /// the instruction again, with the result in the top register, finishes the chain.
    Call(Function<'gc>, [Value<'gc>; 2]),
}

/// Concatenates `frame[base..base + count]` in Lua's order (lvm.c `luaV_concat`): from
/// the top, runs of strings and numbers join; a pair with anything else goes to its
/// `__concat`. Before such a call the values still to be joined are moved up so they
/// end just below the top register, and the registers they leave are set to `""`.
fn concat_with_metamethods<'gc>(
    ctx: Context<'gc>,
    frame: &mut [Value<'gc>],
    base: usize,
    count: usize,
) -> Result<ConcatStep<'gc>, RuntimeError> {
    let joinable = |value: &Value<'gc>| {
        matches!(
            value,
            Value::String(_) | Value::Integer(_) | Value::Number(_)
        )
    };
    let mut top = count;
    while top > 1 {
        let run = frame[base..base + top]
            .iter()
            .rev()
            .take_while(|value| joinable(value))
            .count();
        if run >= 2 {
            let joined = String::concat(ctx, &frame[base + top - run..base + top])?;
            frame[base + top - run] = Value::String(joined);
            top = top - run + 1;
            continue;
        }
        let (left, right) = (frame[base + top - 2], frame[base + top - 1]);
        let Some(function) = binary_metamethod(ctx, MetaMethod::Concat, left, right) else {
            let bad = if joinable(&left) { right } else { left };
            return Err(
                anyhow::anyhow!("attempt to concatenate a {} value", bad.type_name()).into(),
            );
        };
        let rest = top - 2;
        let shift = count - 1 - rest;
        for index in (0..rest).rev() {
            frame[base + shift + index] = frame[base + index];
        }
        for slot in &mut frame[base..base + shift] {
            *slot = Value::String(ctx.intern_static(b""));
        }
        return Ok(ConcatStep::Call(function, [left, right]));
    }
    Ok(ConcatStep::Done(frame[base]))
}

/// The metamethod `event` of `left`, else of `right` (Lua 5.4 manual §2.4).
fn binary_metamethod<'gc>(
    ctx: Context<'gc>,
    event: MetaMethod,
    left: Value<'gc>,
    right: Value<'gc>,
) -> Option<Function<'gc>> {
    let of = |value: Value<'gc>| {
        let metatable = match value {
            Value::Table(table) => table.metatable(),
            Value::UserData(userdata) => userdata.metatable(),
            _ => None,
        }?;
        match metatable.get(ctx, event) {
            Value::Function(function) => Some(function),
            _ => None,
        }
    };
    of(left).or_else(|| of(right))
}

// Runs the VM for the given number of instructions or until the current LuaFrame may have been
// changed.
//
// Returns the number of instructions that were run.
pub(super) fn run_vm<'gc>(
    ctx: Context<'gc>,
    mut lua_frame: LuaFrame<'gc, '_>,
    max_instructions: u32,
) -> Result<u32, RuntimeError> {
    if max_instructions == 0 {
        return Ok(0);
    }

    let mut current_function = lua_frame.closure();
    let mut current_prototype = current_function.prototype();
    let mut current_upvalues = current_function.upvalues();
    let mut registers = lua_frame.registers();
    let mut instructions_run = 0;

    // After a call into a Lua function or a return to one, goes on with the new top frame
    // (counting the call or return as an instruction) rather than returning to the executor,
    // which would only pop the frame, push it back and call `run_vm` again: one round trip
    // per Lua call was a fifth of a call-heavy script in wippy-wasm's sandbox. Anything
    // else on top (a callback, a sequence, the thread's result) is the executor's.
    macro_rules! continue_with_top_frame {
        () => {
            instructions_run += 1;
            if instructions_run >= max_instructions || !lua_frame.top_is_lua() {
                break;
            }
            current_function = lua_frame.closure();
            current_prototype = current_function.prototype();
            current_upvalues = current_function.upvalues();
            registers = lua_frame.registers();
            continue;
        };
    }

    fn get_rc<'gc>(
        stack_frame: &[Value<'gc>],
        constants: &[Constant<String<'gc>>],
        rc: RCIndex,
    ) -> Value<'gc> {
        match rc {
            RCIndex::Register(r) => stack_frame[r.0 as usize],
            RCIndex::Constant(c) => constants[c.0 as usize].into(),
        }
    }

    loop {
        let op = current_prototype.opcodes[*registers.pc].decode();
        *registers.pc += 1;

        match op {
            Operation::Move { dest, source } => {
                registers.stack_frame[dest.0 as usize] = registers.stack_frame[source.0 as usize];
            }

            Operation::LoadConstant { dest, constant } => {
                registers.stack_frame[dest.0 as usize] =
                    current_prototype.constants[constant.0 as usize].into();
            }

            Operation::LoadBool {
                dest,
                value,
                skip_next,
            } => {
                registers.stack_frame[dest.0 as usize] = Value::Boolean(value);
                if skip_next {
                    *registers.pc += 1;
                }
            }

            Operation::LoadNil { dest, count } => {
                for i in dest.0..dest.0 + count {
                    registers.stack_frame[i as usize] = Value::Nil;
                }
            }

            Operation::NewTable {
                dest,
                array_size,
                map_size,
            } => {
                let mut raw_table = RawTable::new(&ctx);
                raw_table.reserve_array(array_size as usize);
                raw_table.reserve_map(map_size as usize);
                let table = Table::from_parts(&ctx, raw_table, None);
                registers.stack_frame[dest.0 as usize] = Value::Table(table);
            }

            Operation::GetTable { dest, table, key } => {
                let table = registers.stack_frame[table.0 as usize];
                let key = get_rc(&registers.stack_frame, &current_prototype.constants, key);
                match meta_ops::index(ctx, table, key)? {
                    MetaResult::Value(v) => {
                        registers.stack_frame[dest.0 as usize] = v;
                    }
                    MetaResult::Call(call) => {
                        lua_frame.call_meta_function(
                            ctx,
                            call.function,
                            &call.args,
                            MetaReturn::Register(dest),
                        )?;
                        break;
                    }
                }
            }

            Operation::SetTable { table, key, value } => {
                let table = registers.stack_frame[table.0 as usize];
                let key = get_rc(&registers.stack_frame, &current_prototype.constants, key);
                let value = get_rc(&registers.stack_frame, &current_prototype.constants, value);
                if let Some(call) = meta_ops::new_index(ctx, table, key, value)? {
                    lua_frame.call_meta_function(
                        ctx,
                        call.function,
                        &call.args,
                        MetaReturn::None,
                    )?;
                    break;
                }
            }

            Operation::GetUpTable { dest, table, key } => {
                let table = registers.get_upvalue(&ctx, current_upvalues[table.0 as usize]);
                let key = get_rc(&registers.stack_frame, &current_prototype.constants, key);
                match meta_ops::index(ctx, table, key)? {
                    MetaResult::Value(v) => {
                        registers.stack_frame[dest.0 as usize] = v;
                    }
                    MetaResult::Call(call) => {
                        lua_frame.call_meta_function(
                            ctx,
                            call.function,
                            &call.args,
                            MetaReturn::Register(dest),
                        )?;
                        break;
                    }
                }
            }

            Operation::SetUpTable { table, key, value } => {
                let table = registers.get_upvalue(&ctx, current_upvalues[table.0 as usize]);
                let key = get_rc(&registers.stack_frame, &current_prototype.constants, key);
                let value = get_rc(&registers.stack_frame, &current_prototype.constants, value);
                if let Some(call) = meta_ops::new_index(ctx, table, key, value)? {
                    lua_frame.call_meta_function(
                        ctx,
                        call.function,
                        &call.args,
                        MetaReturn::None,
                    )?;
                    break;
                }
            }

            Operation::SetList { base, count } => {
                lua_frame.set_table_list(&ctx, base, count)?;
                registers = lua_frame.registers();
            }

            Operation::Call {
                func,
                args,
                returns,
            } => {
                lua_frame.call_function(ctx, func, args, returns)?;
                continue_with_top_frame!();
            }

            Operation::TailCall { func, args } => {
                lua_frame.tail_call_function(ctx, func, args)?;
                continue_with_top_frame!();
            }

            Operation::Return { start, count } => {
                lua_frame.return_upper(&ctx, start, count)?;
                continue_with_top_frame!();
            }

            Operation::VarArgs { dest, count } => {
                lua_frame.varargs(dest, count)?;
                registers = lua_frame.registers();
            }

            Operation::Jump {
                offset,
                close_upvalues,
            } => {
                *registers.pc = add_offset(*registers.pc, offset);
                if let Some(r) = close_upvalues.to_u8() {
                    registers.close_upvalues(&ctx, RegisterIndex(r));
                }
            }

            Operation::Test { value, is_true } => {
                let value = registers.stack_frame[value.0 as usize];
                if value.to_bool() == is_true {
                    *registers.pc += 1;
                }
            }

            Operation::TestSet {
                dest,
                value,
                is_true,
            } => {
                let value = registers.stack_frame[value.0 as usize];
                if value.to_bool() == is_true {
                    *registers.pc += 1;
                } else {
                    registers.stack_frame[dest.0 as usize] = value;
                }
            }

            Operation::Closure { proto, dest } => {
                let proto = current_prototype.prototypes[proto.0 as usize];
                let mut upvalues = vec::Vec::new_in(MetricsAlloc::new(&ctx));
                for &desc in proto.upvalues.iter() {
                    match desc {
                        UpValueDescriptor::Environment => {
                            return Err(VMError::BadEnvUpValue.into());
                        }
                        UpValueDescriptor::ParentLocal(reg) => {
                            upvalues.push(registers.open_upvalue(&ctx, reg));
                        }
                        UpValueDescriptor::Outer(uvindex) => {
                            upvalues.push(current_upvalues[uvindex.0 as usize]);
                        }
                    }
                }

                let closure = Closure::from_parts(&ctx, proto, upvalues);
                registers.stack_frame[dest.0 as usize] =
                    Value::Function(Function::Closure(closure));
            }

            Operation::NumericForPrep { base, jump } => {
                let base = base.0 as usize;
                let frame = &mut *registers.stack_frame;
                let (init, limit, step) = (frame[base], frame[base + 1], frame[base + 2]);
                if let Some(error) = for_loop_error(init, limit, step) {
                    return Err(error);
                }
                // Lua 5.4's `forprep` (wippy-wasm): an integer loop counts its iterations
                // up front, so it never wraps around or stops early at the ends of the
                // integer range; a float loop compares as it goes. The first iteration
                // starts here, falling through into the body.
                let runs = match (init, step) {
                    (Value::Integer(init), Value::Integer(step)) => {
                        match integer_for_count(init, limit, step) {
                            Some(count) => {
                                frame[base + 1] = Value::Integer(count as i64);
                                frame[base + 3] = Value::Integer(init);
                                true
                            }
                            None => false,
                        }
                    }
                    _ => match (init.to_number(), limit.to_number(), step.to_number()) {
                        (Some(init), Some(limit), Some(step)) => {
                            frame[base] = Value::Number(init);
                            frame[base + 1] = Value::Number(limit);
                            frame[base + 2] = Value::Number(step);
                            frame[base + 3] = Value::Number(init);
                            // As lvm.c compares: a NaN limit still runs the body once.
                            if step > 0.0 {
                                !(limit < init)
                            } else {
                                !(init < limit)
                            }
                        }
                        _ => false,
                    },
                };
                if !runs {
                    *registers.pc = add_offset(*registers.pc, jump) + 1;
                }
            }

            Operation::NumericForLoop { base, jump } => {
                let base = base.0 as usize;
                let frame = &mut *registers.stack_frame;
                match (frame[base], frame[base + 1], frame[base + 2]) {
                    // An integer loop keeps its remaining iterations where the limit was.
                    (Value::Integer(index), Value::Integer(count), Value::Integer(step)) => {
                        if count != 0 {
                            let index = index.wrapping_add(step);
                            frame[base] = Value::Integer(index);
                            frame[base + 1] = Value::Integer((count as u64 - 1) as i64);
                            frame[base + 3] = Value::Integer(index);
                            *registers.pc = add_offset(*registers.pc, jump);
                        }
                    }
                    (Value::Number(index), Value::Number(limit), Value::Number(step)) => {
                        let index = index + step;
                        let runs = if step > 0.0 {
                            index <= limit
                        } else {
                            limit <= index
                        };
                        if runs {
                            frame[base] = Value::Number(index);
                            frame[base + 3] = Value::Number(index);
                            *registers.pc = add_offset(*registers.pc, jump);
                        }
                    }
                    (index, limit, step) => {
                        return Err(for_loop_error(index, limit, step).unwrap_or_else(|| {
                            anyhow::anyhow!("bad 'for' limit (number expected)").into()
                        }));
                    }
                }
            }

            Operation::GenericForCall { base, var_count } => {
                lua_frame.call_function_keep(ctx, base, 2, VarCount::constant(var_count))?;
                break;
            }

            Operation::GenericForLoop { base, jump } => {
                if registers.stack_frame[base.0 as usize + 1].to_bool() {
                    registers.stack_frame[base.0 as usize] =
                        registers.stack_frame[base.0 as usize + 1];
                    *registers.pc = add_offset(*registers.pc, jump);
                }
            }

            Operation::Method { base, table, key } => {
                let table = registers.stack_frame[table.0 as usize];
                let key = get_rc(&registers.stack_frame, &current_prototype.constants, key);
                registers.stack_frame[base.0 as usize + 1] = table;
                match meta_ops::index(ctx, table, key)? {
                    MetaResult::Value(v) => {
                        registers.stack_frame[base.0 as usize] = v;
                    }
                    MetaResult::Call(call) => {
                        lua_frame.call_meta_function(
                            ctx,
                            call.function,
                            &call.args,
                            MetaReturn::Register(base),
                        )?;
                        break;
                    }
                }
            }

            Operation::Concat {
                dest,
                source,
                count,
            } => {
                let (base, count) = (source.0 as usize, count as usize);
                match String::concat(ctx, &registers.stack_frame[base..base + count]) {
                    Ok(joined) => registers.stack_frame[dest.0 as usize] = Value::String(joined),
                    Err(_) => {
                        match concat_with_metamethods(ctx, registers.stack_frame, base, count)? {
                            ConcatStep::Done(value) => {
                                registers.stack_frame[dest.0 as usize] = value
                            }
                            ConcatStep::Call(function, pair) => {
                                // The instruction runs again once `__concat` has returned
                                // into the top register.
                                *registers.pc -= 1;
                                let top = RegisterIndex((base + count - 1) as u8);
                                lua_frame.call_meta_function(
                                    ctx,
                                    function,
                                    &pair,
                                    MetaReturn::Register(top),
                                )?;
                                break;
                            }
                        }
                    }
                }
            }

            Operation::GetUpValue { source, dest } => {
                registers.stack_frame[dest.0 as usize] =
                    registers.get_upvalue(&ctx, current_upvalues[source.0 as usize]);
            }

            Operation::SetUpValue { source, dest } => {
                registers.set_upvalue(
                    &ctx,
                    current_upvalues[dest.0 as usize],
                    registers.stack_frame[source.0 as usize],
                );
            }

            Operation::Length { dest, source } => {
                match meta_ops::len(ctx, registers.stack_frame[source.0 as usize])? {
                    MetaResult::Value(v) => {
                        registers.stack_frame[dest.0 as usize] = v;
                    }
                    MetaResult::Call(call) => {
                        lua_frame.call_meta_function(
                            ctx,
                            call.function,
                            &call.args,
                            MetaReturn::Register(dest),
                        )?;
                        break;
                    }
                }
            }

            Operation::Eq {
                skip_if,
                left,
                right,
            } => {
                let left = get_rc(&registers.stack_frame, &current_prototype.constants, left);
                let right = get_rc(&registers.stack_frame, &current_prototype.constants, right);
                match meta_ops::equal(ctx, left, right)? {
                    MetaResult::Value(v) => {
                        if v.to_bool() == skip_if {
                            *registers.pc += 1;
                        }
                    }
                    MetaResult::Call(call) => {
                        lua_frame.call_meta_function(
                            ctx,
                            call.function,
                            &call.args,
                            MetaReturn::SkipIf(skip_if),
                        )?;
                        break;
                    }
                }
            }

            Operation::Less {
                skip_if,
                left,
                right,
            } => {
                let left = get_rc(&registers.stack_frame, &current_prototype.constants, left);
                let right = get_rc(&registers.stack_frame, &current_prototype.constants, right);
                match raw_ops::less_than(left, right) {
                    Some(result) => {
                        if result == skip_if {
                            *registers.pc += 1;
                        }
                    }
                    None => {
                        let function = binary_metamethod(ctx, MetaMethod::Lt, left, right)
                            .ok_or_else(|| {
                                BinaryOperatorError::new(Operator::LessThan, left, right)
                            })?;
                        lua_frame.call_meta_function(
                            ctx,
                            function,
                            &[left, right],
                            MetaReturn::SkipIf(skip_if),
                        )?;
                        break;
                    }
                }
            }

            Operation::LessEq {
                skip_if,
                left,
                right,
            } => {
                let left = get_rc(&registers.stack_frame, &current_prototype.constants, left);
                let right = get_rc(&registers.stack_frame, &current_prototype.constants, right);
                match raw_ops::less_equal(left, right) {
                    Some(result) => {
                        if result == skip_if {
                            *registers.pc += 1;
                        }
                    }
                    None => {
                        let function = binary_metamethod(ctx, MetaMethod::Le, left, right)
                            .ok_or_else(|| {
                                BinaryOperatorError::new(Operator::LessEqual, left, right)
                            })?;
                        lua_frame.call_meta_function(
                            ctx,
                            function,
                            &[left, right],
                            MetaReturn::SkipIf(skip_if),
                        )?;
                        break;
                    }
                }
            }

            Operation::Not { dest, source } => {
                let source = registers.stack_frame[source.0 as usize];
                registers.stack_frame[dest.0 as usize] = source.not();
            }

            Operation::Minus { dest, source } => {
                let value = registers.stack_frame[source.0 as usize];
                match raw_ops::negate(value) {
                    Some(result) => registers.stack_frame[dest.0 as usize] = result,
                    None => {
                        let function = binary_metamethod(ctx, MetaMethod::Unm, value, value)
                            .ok_or_else(|| {
                                BinaryOperatorError::new(Operator::UnaryNegate, value, value)
                            })?;
                        lua_frame.call_meta_function(
                            ctx,
                            function,
                            &[value, value],
                            MetaReturn::Register(dest),
                        )?;
                        break;
                    }
                }
            }

            Operation::BitNot { dest, source } => {
                let value = registers.stack_frame[source.0 as usize];
                match raw_ops::bitwise_not(value) {
                    Some(result) => registers.stack_frame[dest.0 as usize] = result,
                    None => {
                        let function = binary_metamethod(ctx, MetaMethod::BNot, value, value)
                            .ok_or_else(|| {
                                BinaryOperatorError::new(Operator::BitNot, value, value)
                            })?;
                        lua_frame.call_meta_function(
                            ctx,
                            function,
                            &[value, value],
                            MetaReturn::Register(dest),
                        )?;
                        break;
                    }
                }
            }

            Operation::Add { dest, left, right } => {
                let left = get_rc(&registers.stack_frame, &current_prototype.constants, left);
                let right = get_rc(&registers.stack_frame, &current_prototype.constants, right);
                match raw_ops::add(left, right) {
                    Some(result) => registers.stack_frame[dest.0 as usize] = result,
                    None => {
                        let function = binary_metamethod(ctx, MetaMethod::Add, left, right)
                            .ok_or_else(|| BinaryOperatorError::new(Operator::Add, left, right))?;
                        lua_frame.call_meta_function(
                            ctx,
                            function,
                            &[left, right],
                            MetaReturn::Register(dest),
                        )?;
                        break;
                    }
                }
            }

            Operation::Sub { dest, left, right } => {
                let left = get_rc(&registers.stack_frame, &current_prototype.constants, left);
                let right = get_rc(&registers.stack_frame, &current_prototype.constants, right);
                match raw_ops::subtract(left, right) {
                    Some(result) => registers.stack_frame[dest.0 as usize] = result,
                    None => {
                        let function = binary_metamethod(ctx, MetaMethod::Sub, left, right)
                            .ok_or_else(|| {
                                BinaryOperatorError::new(Operator::Subtract, left, right)
                            })?;
                        lua_frame.call_meta_function(
                            ctx,
                            function,
                            &[left, right],
                            MetaReturn::Register(dest),
                        )?;
                        break;
                    }
                }
            }

            Operation::Mul { dest, left, right } => {
                let left = get_rc(&registers.stack_frame, &current_prototype.constants, left);
                let right = get_rc(&registers.stack_frame, &current_prototype.constants, right);
                match raw_ops::multiply(left, right) {
                    Some(result) => registers.stack_frame[dest.0 as usize] = result,
                    None => {
                        let function = binary_metamethod(ctx, MetaMethod::Mul, left, right)
                            .ok_or_else(|| {
                                BinaryOperatorError::new(Operator::Multiply, left, right)
                            })?;
                        lua_frame.call_meta_function(
                            ctx,
                            function,
                            &[left, right],
                            MetaReturn::Register(dest),
                        )?;
                        break;
                    }
                }
            }

            Operation::Div { dest, left, right } => {
                let left = get_rc(&registers.stack_frame, &current_prototype.constants, left);
                let right = get_rc(&registers.stack_frame, &current_prototype.constants, right);
                match raw_ops::float_divide(left, right) {
                    Some(result) => registers.stack_frame[dest.0 as usize] = result,
                    None => {
                        let function = binary_metamethod(ctx, MetaMethod::Div, left, right)
                            .ok_or_else(|| {
                                BinaryOperatorError::new(Operator::FloatDivide, left, right)
                            })?;
                        lua_frame.call_meta_function(
                            ctx,
                            function,
                            &[left, right],
                            MetaReturn::Register(dest),
                        )?;
                        break;
                    }
                }
            }

            Operation::IDiv { dest, left, right } => {
                let left = get_rc(&registers.stack_frame, &current_prototype.constants, left);
                let right = get_rc(&registers.stack_frame, &current_prototype.constants, right);
                match raw_ops::floor_divide(left, right) {
                    Some(result) => registers.stack_frame[dest.0 as usize] = result,
                    None => {
                        let function = binary_metamethod(ctx, MetaMethod::IDiv, left, right)
                            .ok_or_else(|| {
                                BinaryOperatorError::new(Operator::FloorDivide, left, right)
                            })?;
                        lua_frame.call_meta_function(
                            ctx,
                            function,
                            &[left, right],
                            MetaReturn::Register(dest),
                        )?;
                        break;
                    }
                }
            }

            Operation::Mod { dest, left, right } => {
                let left = get_rc(&registers.stack_frame, &current_prototype.constants, left);
                let right = get_rc(&registers.stack_frame, &current_prototype.constants, right);
                match raw_ops::modulo(left, right) {
                    Some(result) => registers.stack_frame[dest.0 as usize] = result,
                    None => {
                        let function = binary_metamethod(ctx, MetaMethod::Mod, left, right)
                            .ok_or_else(|| {
                                BinaryOperatorError::new(Operator::Modulo, left, right)
                            })?;
                        lua_frame.call_meta_function(
                            ctx,
                            function,
                            &[left, right],
                            MetaReturn::Register(dest),
                        )?;
                        break;
                    }
                }
            }

            Operation::Pow { dest, left, right } => {
                let left = get_rc(&registers.stack_frame, &current_prototype.constants, left);
                let right = get_rc(&registers.stack_frame, &current_prototype.constants, right);
                match raw_ops::exponentiate(left, right) {
                    Some(result) => registers.stack_frame[dest.0 as usize] = result,
                    None => {
                        let function = binary_metamethod(ctx, MetaMethod::Pow, left, right)
                            .ok_or_else(|| {
                                BinaryOperatorError::new(Operator::Exponentiate, left, right)
                            })?;
                        lua_frame.call_meta_function(
                            ctx,
                            function,
                            &[left, right],
                            MetaReturn::Register(dest),
                        )?;
                        break;
                    }
                }
            }

            Operation::BitAnd { dest, left, right } => {
                let left = get_rc(&registers.stack_frame, &current_prototype.constants, left);
                let right = get_rc(&registers.stack_frame, &current_prototype.constants, right);
                match raw_ops::bitwise_and(left, right) {
                    Some(result) => registers.stack_frame[dest.0 as usize] = result,
                    None => {
                        let function = binary_metamethod(ctx, MetaMethod::BAnd, left, right)
                            .ok_or_else(|| {
                                BinaryOperatorError::new(Operator::BitAnd, left, right)
                            })?;
                        lua_frame.call_meta_function(
                            ctx,
                            function,
                            &[left, right],
                            MetaReturn::Register(dest),
                        )?;
                        break;
                    }
                }
            }

            Operation::BitOr { dest, left, right } => {
                let left = get_rc(&registers.stack_frame, &current_prototype.constants, left);
                let right = get_rc(&registers.stack_frame, &current_prototype.constants, right);
                match raw_ops::bitwise_or(left, right) {
                    Some(result) => registers.stack_frame[dest.0 as usize] = result,
                    None => {
                        let function = binary_metamethod(ctx, MetaMethod::BOr, left, right)
                            .ok_or_else(|| {
                                BinaryOperatorError::new(Operator::BitOr, left, right)
                            })?;
                        lua_frame.call_meta_function(
                            ctx,
                            function,
                            &[left, right],
                            MetaReturn::Register(dest),
                        )?;
                        break;
                    }
                }
            }

            Operation::BitXor { dest, left, right } => {
                let left = get_rc(&registers.stack_frame, &current_prototype.constants, left);
                let right = get_rc(&registers.stack_frame, &current_prototype.constants, right);
                match raw_ops::bitwise_xor(left, right) {
                    Some(result) => registers.stack_frame[dest.0 as usize] = result,
                    None => {
                        let function = binary_metamethod(ctx, MetaMethod::BXor, left, right)
                            .ok_or_else(|| {
                                BinaryOperatorError::new(Operator::BitXor, left, right)
                            })?;
                        lua_frame.call_meta_function(
                            ctx,
                            function,
                            &[left, right],
                            MetaReturn::Register(dest),
                        )?;
                        break;
                    }
                }
            }

            Operation::ShiftLeft { dest, left, right } => {
                let left = get_rc(&registers.stack_frame, &current_prototype.constants, left);
                let right = get_rc(&registers.stack_frame, &current_prototype.constants, right);
                match raw_ops::shift_left(left, right) {
                    Some(result) => registers.stack_frame[dest.0 as usize] = result,
                    None => {
                        let function = binary_metamethod(ctx, MetaMethod::Shl, left, right)
                            .ok_or_else(|| {
                                BinaryOperatorError::new(Operator::ShiftLeft, left, right)
                            })?;
                        lua_frame.call_meta_function(
                            ctx,
                            function,
                            &[left, right],
                            MetaReturn::Register(dest),
                        )?;
                        break;
                    }
                }
            }

            Operation::ShiftRight { dest, left, right } => {
                let left = get_rc(&registers.stack_frame, &current_prototype.constants, left);
                let right = get_rc(&registers.stack_frame, &current_prototype.constants, right);
                match raw_ops::shift_right(left, right) {
                    Some(result) => registers.stack_frame[dest.0 as usize] = result,
                    None => {
                        let function = binary_metamethod(ctx, MetaMethod::Shr, left, right)
                            .ok_or_else(|| {
                                BinaryOperatorError::new(Operator::ShiftRight, left, right)
                            })?;
                        lua_frame.call_meta_function(
                            ctx,
                            function,
                            &[left, right],
                            MetaReturn::Register(dest),
                        )?;
                        break;
                    }
                }
            }
        }

        instructions_run += 1;
        if instructions_run >= max_instructions {
            break;
        }
    }

    Ok(instructions_run)
}

fn add_offset(pc: usize, offset: i16) -> usize {
    if offset > 0 {
        pc.checked_add(offset as usize).unwrap()
    } else if offset < 0 {
        pc.checked_sub(-offset as usize).unwrap()
    } else {
        pc
    }
}
