//! Base functions (Lua 5.4 manual §6.1) that piccolo lacks or gets wrong: `error`
//! levels, `pcall`/`xpcall` results, `select`, the three results of `pairs`/`ipairs`,
//! `load`, raw access, metatables, `_G` and `_VERSION`.

use gc_arena::Collect;
use piccolo::{
    meta_ops::{self, MetaResult},
    table::NextValue,
    thread::CallFrame,
    BoxSequence, Callback, CallbackReturn, Closure, Context, Error, Execution, Function, IntoValue,
    MetaMethod, Sequence, SequencePoll, Stack, Table, Value,
};

use super::args::{check_table, chunk_id, error_value, library_fn, type_error};
use super::check::{arg_error, check_integer, float_to_integer, opt_integer};
use crate::api::set;

/// Installs the base functions as globals.
pub fn install(ctx: Context<'_>) {
    let globals = ctx.globals();
    set(ctx, globals, "_G", globals);
    set(ctx, globals, "_VERSION", "Lua 5.4");
    let next = next_function(ctx);
    set(ctx, globals, "next", next);
    set(ctx, globals, "pairs", pairs(ctx, next));
    set(ctx, globals, "ipairs", ipairs(ctx));
    set(ctx, globals, "error", error(ctx));
    set(ctx, globals, "pcall", pcall(ctx));
    set(ctx, globals, "xpcall", xpcall(ctx));
    set(ctx, globals, "select", select(ctx));
    set(ctx, globals, "type", type_of(ctx));
    set(ctx, globals, "rawequal", rawequal(ctx));
    set(ctx, globals, "rawlen", rawlen(ctx));
    set(ctx, globals, "getmetatable", getmetatable(ctx));
    set(ctx, globals, "setmetatable", setmetatable(ctx));
    set(ctx, globals, "load", load(ctx));
}

/// `value expected` when argument `index` is absent.
fn check_any<'gc>(
    ctx: Context<'gc>,
    stack: &Stack<'gc, '_>,
    index: usize,
    function: &str,
) -> Result<Value<'gc>, Error<'gc>> {
    if index < stack.len() {
        Ok(stack.get(index))
    } else {
        Err(arg_error(ctx, index, function, "value expected"))
    }
}

/// `next(table, key)`.
pub fn next_function(ctx: Context<'_>) -> Callback<'_> {
    library_fn(ctx, |ctx, _, mut stack| {
        let table = check_table(ctx, &stack, 0, "next")?;
        match table.next(stack.get(1)) {
            NextValue::Found { key, value } => stack.replace(ctx, (key, value)),
            NextValue::Last => stack.replace(ctx, Value::Nil),
            NextValue::NotFound => return Err("invalid key to 'next'".into_value(ctx).into()),
        }
        Ok(CallbackReturn::Return)
    })
}

/// `pairs(t)`: `next, t, nil`, or the first three results of `__pairs`.
fn pairs<'gc>(ctx: Context<'gc>, next: Callback<'gc>) -> Callback<'gc> {
    Callback::from_fn_with(&ctx, next, |&next, ctx, _, mut stack| {
        let value = check_any(ctx, &stack, 0, "pairs")?;
        let metatable = match value {
            Value::Table(t) => t.metatable(),
            Value::UserData(u) => u.metatable(),
            _ => None,
        };
        if let Some(metatable) = metatable {
            let metamethod = metatable.get(ctx, MetaMethod::Pairs);
            if !metamethod.is_nil() {
                stack.replace(ctx, value);
                return Ok(CallbackReturn::Call {
                    function: meta_ops::call(ctx, metamethod)?,
                    then: Some(BoxSequence::new(&ctx, KeepResults(3))),
                });
            }
        }
        stack.replace(ctx, (next, value, Value::Nil));
        Ok(CallbackReturn::Return)
    })
}

/// Adjusts a call's results to exactly `.0` values, as a fixed-result C call does.
#[derive(Collect)]
#[collect(require_static)]
struct KeepResults(usize);

impl<'gc> Sequence<'gc> for KeepResults {
    fn poll(
        &mut self,
        _: Context<'gc>,
        _: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        stack.resize(self.0);
        Ok(SequencePoll::Return)
    }
}

/// `ipairs(t)`: the integer-key iterator, `t`, `0`. Reads respect `__index`.
fn ipairs(ctx: Context<'_>) -> Callback<'_> {
    let step = Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let table = stack.get(0);
        let index = match stack.get(1) {
            Value::Integer(i) => i.wrapping_add(1),
            _ => 1,
        };
        stack.clear();
        match meta_ops::index(ctx, table, index.into())? {
            MetaResult::Value(Value::Nil) => stack.push_back(Value::Nil),
            MetaResult::Value(value) => stack.extend([index.into(), value]),
            MetaResult::Call(call) => {
                stack.extend(call.args);
                return Ok(CallbackReturn::Call {
                    function: call.function,
                    then: Some(BoxSequence::new(&ctx, IndexedValue(index))),
                });
            }
        }
        Ok(CallbackReturn::Return)
    });
    Callback::from_fn_with(&ctx, step, |&step, ctx, _, mut stack| {
        let value = check_any(ctx, &stack, 0, "ipairs")?;
        stack.replace(ctx, (step, value, 0));
        Ok(CallbackReturn::Return)
    })
}

/// Turns an `__index` result into the `index, value` pair of an `ipairs` step.
#[derive(Collect)]
#[collect(require_static)]
struct IndexedValue(i64);

impl<'gc> Sequence<'gc> for IndexedValue {
    fn poll(
        &mut self,
        _: Context<'gc>,
        _: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        let value = stack.get(0);
        stack.clear();
        if value.is_nil() {
            stack.push_back(Value::Nil);
        } else {
            stack.extend([self.0.into(), value]);
        }
        Ok(SequencePoll::Return)
    }
}

/// `error(message, level)`: a string message gets the position of the function `level`
/// frames up (1, the default, is the function that called `error`); level 0, a level past
/// the stack or one naming a callback (`pcall(error, "x")`) adds none, as in `luaL_where`.
fn error(ctx: Context<'_>) -> Callback<'_> {
    Callback::from_fn(&ctx, |ctx, exec, stack| {
        let value = stack.get(0);
        let level = opt_integer(ctx, &stack, 1, "error", 1)?;
        if let Value::String(message) = value {
            let frame = usize::try_from(level)
                .ok()
                .and_then(|level| level.checked_sub(1))
                .and_then(|index| exec.call_stack(&stack).into_iter().nth(index));
            if let Some(CallFrame::Lua(frame)) = frame {
                let located = format!(
                    "{}:{}: {}",
                    frame.chunk_name().to_str_lossy(),
                    frame.current_line(),
                    message.to_str_lossy()
                );
                return Err(located.into_value(ctx).into());
            }
        }
        Err(Error::Lua(value.into()))
    })
}

/// The message for calling a value that cannot be called.
fn not_callable(value: Value<'_>) -> String {
    format!("attempt to call a {} value", value.type_name())
}

/// `pcall(f, ...)`: `true, results...` or `false, error`.
fn pcall(ctx: Context<'_>) -> Callback<'_> {
    Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let callee = check_any(ctx, &stack, 0, "pcall")?;
        let Ok(function) = meta_ops::call(ctx, callee) else {
            stack.replace(ctx, (false, not_callable(callee)));
            return Ok(CallbackReturn::Return);
        };
        stack.pop_front();
        Ok(CallbackReturn::Call {
            function,
            then: Some(BoxSequence::new(&ctx, Protected { handler: None })),
        })
    })
}

/// `xpcall(f, handler, ...)`: like `pcall`, but a failure returns `false` and the
/// handler's first result for the error.
fn xpcall(ctx: Context<'_>) -> Callback<'_> {
    Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let Value::Function(handler) = stack.get(1) else {
            return Err(type_error(ctx, &stack, 1, "xpcall", "function"));
        };
        let callee = stack.get(0);
        stack.drain(0..2);
        match meta_ops::call(ctx, callee) {
            Ok(function) => Ok(CallbackReturn::Call {
                function,
                then: Some(BoxSequence::new(
                    &ctx,
                    Protected {
                        handler: Some(Handler {
                            function: handler,
                            running: false,
                        }),
                    },
                )),
            }),
            Err(_) => {
                stack.replace(ctx, not_callable(callee));
                Ok(CallbackReturn::Call {
                    function: handler,
                    then: Some(BoxSequence::new(
                        &ctx,
                        Protected {
                            handler: Some(Handler {
                                function: handler,
                                running: true,
                            }),
                        },
                    )),
                })
            }
        }
    })
}

/// The sequence behind `pcall` and `xpcall`.
#[derive(Collect)]
#[collect(no_drop)]
struct Protected<'gc> {
    handler: Option<Handler<'gc>>,
}

/// `xpcall`'s message handler, and whether it is the call now running.
#[derive(Collect)]
#[collect(no_drop)]
struct Handler<'gc> {
    function: Function<'gc>,
    running: bool,
}

impl<'gc> Sequence<'gc> for Protected<'gc> {
    fn poll(
        &mut self,
        _: Context<'gc>,
        _: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        match &self.handler {
            Some(Handler { running: true, .. }) => {
                stack.resize(1);
                stack.push_front(Value::Boolean(false));
            }
            _ => stack.push_front(Value::Boolean(true)),
        }
        Ok(SequencePoll::Return)
    }

    fn error(
        &mut self,
        ctx: Context<'gc>,
        _: Execution<'gc, '_>,
        error: Error<'gc>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        let value = error_value(ctx, error);
        match &mut self.handler {
            Some(handler) if !handler.running => {
                handler.running = true;
                stack.replace(ctx, value);
                Ok(SequencePoll::Call {
                    function: handler.function,
                    is_tail: false,
                })
            }
            // No handler, or the handler itself failed.
            _ => {
                stack.replace(ctx, (false, value));
                Ok(SequencePoll::Return)
            }
        }
    }
}

/// `select(n, ...)` and `select('#', ...)`.
fn select(ctx: Context<'_>) -> Callback<'_> {
    library_fn(ctx, |ctx, _, mut stack| {
        let count = stack.len() as i64;
        if let Value::String(s) = stack.get(0) {
            if s.as_bytes().first() == Some(&b'#') {
                stack.replace(ctx, count - 1);
                return Ok(CallbackReturn::Return);
            }
        }
        let n = check_integer(ctx, &stack, 0, "select")?;
        let first = if n < 0 { count + n } else { n.min(count) };
        if first < 1 {
            return Err(arg_error(ctx, 0, "select", "index out of range"));
        }
        // `first` is within 1..=count, so it fits the stack.
        stack.drain(0..first as usize);
        Ok(CallbackReturn::Return)
    })
}

/// `type(v)`.
fn type_of(ctx: Context<'_>) -> Callback<'_> {
    library_fn(ctx, |ctx, _, mut stack| {
        let value = check_any(ctx, &stack, 0, "type")?;
        stack.replace(ctx, value.type_name());
        Ok(CallbackReturn::Return)
    })
}

/// Primitive equality: no `__eq`; integers and floats compare by mathematical value.
pub fn raw_equal<'gc>(a: Value<'gc>, b: Value<'gc>) -> bool {
    match (a, b) {
        (Value::Integer(i), Value::Number(n)) | (Value::Number(n), Value::Integer(i)) => {
            float_to_integer(n) == Some(i)
        }
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::Integer(x), Value::Integer(y)) => x == y,
        (Value::Nil, Value::Nil) => true,
        (Value::Boolean(x), Value::Boolean(y)) => x == y,
        (Value::String(x), Value::String(y)) => x.as_bytes() == y.as_bytes(),
        (Value::Table(x), Value::Table(y)) => x == y,
        (Value::Function(x), Value::Function(y)) => x == y,
        (Value::Thread(x), Value::Thread(y)) => x == y,
        (Value::UserData(x), Value::UserData(y)) => x == y,
        _ => false,
    }
}

/// `rawequal(a, b)`.
fn rawequal(ctx: Context<'_>) -> Callback<'_> {
    library_fn(ctx, |ctx, _, mut stack| {
        let a = check_any(ctx, &stack, 0, "rawequal")?;
        let b = check_any(ctx, &stack, 1, "rawequal")?;
        stack.replace(ctx, raw_equal(a, b));
        Ok(CallbackReturn::Return)
    })
}

/// `rawlen(v)`: a table's border or a string's length, without `__len`.
fn rawlen(ctx: Context<'_>) -> Callback<'_> {
    library_fn(ctx, |ctx, _, mut stack| {
        let length = match stack.get(0) {
            Value::Table(t) => t.length(),
            Value::String(s) => s.len(),
            _ => return Err(type_error(ctx, &stack, 0, "rawlen", "table or string")),
        };
        stack.replace(ctx, length);
        Ok(CallbackReturn::Return)
    })
}

/// `getmetatable(v)`: the `__metatable` field when the metatable has one.
fn getmetatable(ctx: Context<'_>) -> Callback<'_> {
    library_fn(ctx, |ctx, _, mut stack| {
        let metatable = match check_any(ctx, &stack, 0, "getmetatable")? {
            Value::Table(t) => t.metatable(),
            Value::UserData(u) => u.metatable(),
            Value::String(_) => Some(piccolo::meta_ops::string_metatable(ctx)),
            _ => None,
        };
        let result = match metatable {
            Some(metatable) => match metatable.get(ctx, "__metatable") {
                Value::Nil => Value::Table(metatable),
                protected => protected,
            },
            None => Value::Nil,
        };
        stack.replace(ctx, result);
        Ok(CallbackReturn::Return)
    })
}

/// `setmetatable(t, mt)`; refuses to replace a protected metatable or that of a
/// read-only table.
fn setmetatable(ctx: Context<'_>) -> Callback<'_> {
    library_fn(ctx, |ctx, _, mut stack| {
        let table = check_table(ctx, &stack, 0, "setmetatable")?;
        let metatable = match stack.get(1) {
            Value::Table(t) => Some(t),
            Value::Nil if stack.len() > 1 => None,
            _ => return Err(type_error(ctx, &stack, 1, "setmetatable", "nil or table")),
        };
        if table.is_read_only() {
            // The words of an assignment into it.
            let message = piccolo::InvalidTableKey::ReadOnly.to_string();
            return Err(message.into_value(ctx).into());
        }
        if let Some(current) = table.metatable() {
            if !current.get(ctx, "__metatable").is_nil() {
                return Err("cannot change a protected metatable".into_value(ctx).into());
            }
        }
        table.set_metatable(&ctx, metatable);
        stack.replace(ctx, table);
        Ok(CallbackReturn::Return)
    })
}

/// `load(chunk, chunkname, mode, env)`: compiles a text chunk (a string, or the pieces
/// a reader function returns) in the caller's globals or in `env`.
fn load(ctx: Context<'_>) -> Callback<'_> {
    library_fn(ctx, |ctx, _, mut stack| {
        let mode = match stack.get(2) {
            Value::String(s) => s.to_str_lossy().into_owned(),
            _ => "bt".to_string(),
        };
        let env = match stack.get(3) {
            Value::Table(t) => t,
            Value::Nil if stack.len() < 4 => ctx.globals(),
            _ => return Err(type_error(ctx, &stack, 3, "load", "table")),
        };
        let name = match stack.get(1) {
            Value::String(s) => Some(s.as_bytes().to_vec()),
            Value::Nil => None,
            _ => return Err(type_error(ctx, &stack, 1, "load", "string")),
        };
        match stack.get(0) {
            Value::String(source) => {
                let name = name.unwrap_or_else(|| source.as_bytes().to_vec());
                let result = compile(ctx, source.as_bytes(), &name, &mode, env);
                push_loaded(ctx, &mut stack, result);
                Ok(CallbackReturn::Return)
            }
            Value::Function(reader) => {
                stack.clear();
                Ok(CallbackReturn::Call {
                    function: reader,
                    then: Some(BoxSequence::new(
                        &ctx,
                        ReadChunk {
                            reader,
                            source: Vec::new(),
                            name: name.unwrap_or_else(|| b"=(load)".to_vec()),
                            mode,
                            env,
                        },
                    )),
                })
            }
            _ => Err(type_error(ctx, &stack, 0, "load", "string")),
        }
    })
}

/// Collects a reader function's pieces until it returns nil or an empty string.
#[derive(Collect)]
#[collect(no_drop)]
struct ReadChunk<'gc> {
    reader: Function<'gc>,
    #[collect(require_static)]
    source: Vec<u8>,
    #[collect(require_static)]
    name: Vec<u8>,
    #[collect(require_static)]
    mode: String,
    env: Table<'gc>,
}

impl<'gc> Sequence<'gc> for ReadChunk<'gc> {
    fn poll(
        &mut self,
        ctx: Context<'gc>,
        _: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        match stack.get(0) {
            Value::String(piece) if !piece.as_bytes().is_empty() => {
                self.source.extend_from_slice(piece.as_bytes());
                stack.clear();
                Ok(SequencePoll::Call {
                    function: self.reader,
                    is_tail: false,
                })
            }
            Value::Nil | Value::String(_) => {
                let result = compile(ctx, &self.source, &self.name, &self.mode, self.env);
                push_loaded(ctx, &mut stack, result);
                Ok(SequencePoll::Return)
            }
            _ => {
                let message = "reader function must return a string";
                stack.replace(ctx, (Value::Nil, message));
                Ok(SequencePoll::Return)
            }
        }
    }

    fn error(
        &mut self,
        ctx: Context<'gc>,
        _: Execution<'gc, '_>,
        error: Error<'gc>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        stack.replace(ctx, (Value::Nil, error_value(ctx, error)));
        Ok(SequencePoll::Return)
    }
}

/// Leaves `function` or `nil, message` on the stack.
fn push_loaded<'gc>(
    ctx: Context<'gc>,
    stack: &mut Stack<'gc, '_>,
    result: Result<Closure<'gc>, String>,
) {
    match result {
        Ok(closure) => stack.replace(ctx, closure),
        Err(message) => stack.replace(ctx, (Value::Nil, message)),
    }
}

/// The signature that starts a precompiled chunk.
const BINARY_SIGNATURE: &[u8] = b"\x1bLua";

/// Compiles a text chunk named `name` with `env` as its `_ENV`. Binary chunks are
/// refused: piccolo has no bytecode format (tests/lua/KNOWN_DIFFERENCES.md).
fn compile<'gc>(
    ctx: Context<'gc>,
    source: &[u8],
    name: &[u8],
    mode: &str,
    env: Table<'gc>,
) -> Result<Closure<'gc>, String> {
    let chunk_name = chunk_id(name);
    if source.starts_with(BINARY_SIGNATURE) {
        return Err(format!("attempt to load a binary chunk (mode is '{mode}')"));
    }
    if !mode.contains('t') {
        return Err(format!("attempt to load a text chunk (mode is '{mode}')"));
    }
    let source: &[u8] = &crate::typed_lua::erase(&chunk_name, source).map_err(|e| e.to_string())?;
    Closure::load_with_env(ctx, Some(&chunk_name), source, env).map_err(|error| match error {
        piccolo::PrototypeError::Parser(parse) => {
            format!("{chunk_name}:{}: {}", parse.line_number, parse.kind)
        }
        other => format!("{chunk_name}: {other}"),
    })
}

#[cfg(test)]
mod error_level_tests {
    use crate::testing::run_lua;

    #[test]
    fn each_level_names_the_line_of_the_frame_that_many_calls_up() {
        let out = run_lua(
            "local function raise(level) error('x', level) end
local function middle(level) raise(level) end
local results = {}
for level = 0, 5 do
  local ok, e = pcall(function() middle(level) end)
  results[#results + 1] = e
end
return table.concat(results, '|')",
        );
        // Level 4 is `pcall`, level 5 the chunk's line 5.
        assert_eq!(out, "x|test:1: x|test:2: x|test:5: x|x|test:5: x");
    }

    #[test]
    fn error_in_tail_position_keeps_the_frame_that_called_it() {
        let out = run_lua(
            "local function check(v)
  return error('bad value', 2)
end
local ok, e = pcall(function()
  check(1)
end)
local function first() return select(2, 'a', 'b') end
return e .. '|' .. first()",
        );
        assert_eq!(out, "test:5: bad value|b");
    }
}
