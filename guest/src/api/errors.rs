//! The `errors` global and error objects (errors.md).

use std::rc::Rc;

use piccolo::{
    thread::CallFrame, Callback, CallbackReturn, Context, Error, Execution, IntoValue, Stack,
    StashedTable, Table, UserData, Value,
};

use crate::api::{lua_string, set};
use crate::bindings::ErrorInfo;
use crate::env::Env;

/// The Rust side of an error object userdata.
pub struct ErrorObject {
    /// Kind, message and retryability.
    pub info: ErrorInfo,
    /// The `details` table, if the error has one.
    pub details: Option<StashedTable>,
    /// What `errors.wrap` put in front of the message (errors.md §3).
    pub context: Option<String>,
    /// The Lua frames, innermost first, where Lua code created the error (`errors.new`,
    /// `errors.wrap`); empty when the runtime created it.
    pub frames: Vec<StackFrame>,
}

/// One Lua frame of an error's stack.
#[derive(Clone)]
pub struct StackFrame {
    /// 1 for the innermost Lua frame; counts the frames left out of a deep stack.
    pub level: usize,
    /// The chunk: an entry ID such as `app:relay`.
    pub source: String,
    /// The line being run.
    pub line: usize,
    /// The function's name (`make`, `m`), `main chunk`, or `?` for a function without one.
    pub name: String,
    /// The function as Lua's traceback names it: `local 'make'`, `method 'm'`,
    /// `function <app:relay:12>`.
    pub description: String,
    /// A tail call replaced the caller's frame with this one.
    pub tail_call: bool,
}

impl ErrorObject {
    /// `context: message`, or the message alone: what the terminal and log fields show.
    pub fn full_text(&self) -> String {
        match &self.context {
            Some(context) => format!("{context}: {}", self.info.message),
            None => self.info.message.clone(),
        }
    }

    /// `stack traceback:` and one line per frame, as Lua's `debug.traceback` shows them.
    fn traceback(&self) -> String {
        let mut text = String::from("stack traceback:");
        let mut next_level = 1;
        for frame in &self.frames {
            if frame.level > next_level {
                text += &format!("\n\t...\t(skipping {} levels)", frame.level - next_level);
            }
            next_level = frame.level + 1;
            text += &format!(
                "\n\t{}:{}: in {}",
                frame.source, frame.line, frame.description
            );
            if frame.tail_call {
                text += "\n\t(...tail calls...)";
            }
        }
        text
    }
}

/// How many of the innermost and of the outermost frames of a deep stack are kept, as
/// `luaL_traceback` does: an error made deep in a recursion stays small and cheap.
const INNERMOST_FRAMES: usize = 10;
const OUTERMOST_FRAMES: usize = 11;

/// The Lua frames below a callback, innermost first (callbacks in between are left out;
/// of a deep stack only the innermost and outermost ones).
pub fn lua_frames<'gc>(
    ctx: Context<'gc>,
    exec: &Execution<'gc, '_>,
    stack: &Stack<'gc, '_>,
) -> Vec<StackFrame> {
    let frames: Vec<_> = exec
        .call_stack(stack)
        .into_iter()
        .filter_map(|frame| match frame {
            CallFrame::Lua(frame) => Some(frame),
            CallFrame::Native => None,
        })
        .collect();
    let outermost_start = frames
        .len()
        .saturating_sub(OUTERMOST_FRAMES)
        .max(INNERMOST_FRAMES);
    frames
        .into_iter()
        .enumerate()
        .filter(|(index, _)| *index < INNERMOST_FRAMES || *index >= outermost_start)
        .map(|(index, frame)| {
            let name = frame.name(ctx);
            StackFrame {
                level: index + 1,
                source: frame.chunk_name().to_str_lossy().into_owned(),
                line: frame.current_line().0 as usize + 1,
                name: name.name().unwrap_or_else(|| match name {
                    piccolo::thread::FunctionName::MainChunk => "main chunk".into(),
                    _ => "?".into(),
                }),
                description: name.to_string(),
                tail_call: frame.is_tail_call(),
            }
        })
        .collect()
}

/// Kind constants of the `errors` table.
const KINDS: &[(&str, &str)] = &[
    ("NOT_FOUND", "NotFound"),
    ("ALREADY_EXISTS", "AlreadyExists"),
    ("INVALID", "Invalid"),
    ("PERMISSION_DENIED", "PermissionDenied"),
    ("UNAVAILABLE", "Unavailable"),
    ("INTERNAL", "Internal"),
    ("CANCELED", "Canceled"),
    ("CONFLICT", "Conflict"),
    ("TIMEOUT", "Timeout"),
    ("RATE_LIMITED", "RateLimited"),
    ("UNKNOWN", ""),
];

/// Builds an error object userdata for `info`.
pub fn new_error<'gc>(ctx: Context<'gc>, env: &Env, info: &ErrorInfo) -> Value<'gc> {
    new_error_with_details(ctx, env, info, None)
}

/// Builds an error object userdata for `info` carrying a `details` table.
pub fn new_error_with_details<'gc>(
    ctx: Context<'gc>,
    env: &Env,
    info: &ErrorInfo,
    details: Option<Table<'gc>>,
) -> Value<'gc> {
    error_value(
        ctx,
        env,
        ErrorObject {
            info: info.clone(),
            details: details.map(|table| ctx.stash(table)),
            context: None,
            frames: Vec::new(),
        },
    )
}

/// The userdata for `object`.
fn error_value<'gc>(ctx: Context<'gc>, env: &Env, object: ErrorObject) -> Value<'gc> {
    let userdata = UserData::new_static(&ctx, object);
    userdata.set_metatable(&ctx, Some(error_metatable(ctx, env)));
    Value::UserData(userdata)
}

/// The error object behind `value`, if it is one.
pub fn as_error<'gc>(value: Value<'gc>) -> Option<&'gc ErrorObject> {
    match value {
        Value::UserData(userdata) => userdata.downcast_static::<ErrorObject>().ok(),
        _ => None,
    }
}

/// An `ErrorInfo` from an error Lua raised or returned: error objects keep their fields
/// (the message becomes the full text, context included), anything else becomes an
/// `Internal` error with its text.
pub fn info_from_value(value: Value<'_>) -> ErrorInfo {
    match as_error(value) {
        Some(object) => ErrorInfo {
            message: object.full_text(),
            ..object.info.clone()
        },
        None => ErrorInfo {
            kind: "Internal".into(),
            message: crate::api::display(value),
            retryable: None,
        },
    }
}

fn error_metatable<'gc>(ctx: Context<'gc>, env: &Env) -> Table<'gc> {
    if let Some(stashed) = env.error_metatable.borrow().as_ref() {
        return ctx.fetch(stashed);
    }
    let metatable = build_metatable(ctx);
    *env.error_metatable.borrow_mut() = Some(ctx.stash(metatable));
    metatable
}

/// Reads one field of an error object.
type Getter = for<'gc> fn(Context<'gc>, &ErrorObject) -> Value<'gc>;

fn build_metatable(ctx: Context<'_>) -> Table<'_> {
    let methods = Table::new(&ctx);
    let getters: [(&str, Getter); 4] = [
        ("kind", |ctx, e| lua_string(ctx, &e.info.kind)),
        ("message", |ctx, e| lua_string(ctx, &e.info.message)),
        ("retryable", |_, e| match e.info.retryable {
            Some(b) => Value::Boolean(b),
            None => Value::Nil,
        }),
        ("details", |ctx, e| {
            e.details
                .as_ref()
                .map_or(Value::Nil, |details| Value::Table(ctx.fetch(details)))
        }),
    ];
    for (name, getter) in getters {
        let method = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
            let object = as_error(stack.get(0)).ok_or_else(|| {
                Error::from("bad argument #1 (error object expected)".into_value(ctx))
            })?;
            stack.replace(ctx, getter(ctx, object));
            Ok(CallbackReturn::Return)
        });
        set(ctx, methods, name, method);
    }
    let stack_method = Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let object = as_error(stack.get(0)).ok_or_else(|| {
            Error::from("bad argument #1 (error object expected)".into_value(ctx))
        })?;
        stack.replace(ctx, lua_string(ctx, &object.traceback()));
        Ok(CallbackReturn::Return)
    });
    set(ctx, methods, "stack", stack_method);

    let metatable = Table::new(&ctx);
    set(ctx, metatable, "__index", methods);
    let tostring = Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let text = crate::api::display(stack.get(0));
        stack.replace(ctx, lua_string(ctx, &text));
        Ok(CallbackReturn::Return)
    });
    set(ctx, metatable, "__tostring", tostring);
    let concat = Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let text = crate::api::display(stack.get(0)) + &crate::api::display(stack.get(1));
        stack.replace(ctx, lua_string(ctx, &text));
        Ok(CallbackReturn::Return)
    });
    set(ctx, metatable, "__concat", concat);
    metatable
}

/// Installs the `errors` global.
pub fn install(ctx: Context<'_>, env: &Rc<Env>) {
    let errors = Table::new(&ctx);
    for (name, kind) in KINDS {
        set(ctx, errors, name, *kind);
    }
    let env_new = env.clone();
    let new = Callback::from_fn(&ctx, move |ctx, exec, mut stack| {
        let info = match stack.get(0) {
            Value::String(message) => ErrorInfo {
                kind: String::new(),
                message: message.to_str_lossy().into_owned(),
                retryable: None,
            },
            Value::Table(fields) => info_from_table(ctx, fields)?,
            _ => return Err("expected string or table".into_value(ctx).into()),
        };
        let details = match stack.get(0) {
            Value::Table(fields) => copied_details(ctx, &env_new, fields)?,
            _ => None,
        };
        let object = ErrorObject {
            info,
            details: details.map(|table| ctx.stash(table)),
            context: None,
            frames: lua_frames(ctx, &exec, &stack),
        };
        stack.replace(ctx, error_value(ctx, &env_new, object));
        Ok(CallbackReturn::Return)
    });
    set(ctx, errors, "new", new);
    let env_wrap = env.clone();
    let wrap = Callback::from_fn(&ctx, move |ctx, exec, mut stack| {
        let parent = stack.get(0);
        let frames = lua_frames(ctx, &exec, &stack);
        let context = match stack.get(1) {
            value @ Value::UserData(_) if as_error(value).is_some() => {
                as_error(value).map(|e| e.info.message.clone())
            }
            Value::String(text) => Some(text.to_str_lossy().into_owned()),
            Value::Nil => None,
            other => Some(crate::api::display(other)),
        };
        let object = match as_error(parent) {
            Some(parent) => ErrorObject {
                info: ErrorInfo {
                    message: parent.full_text(),
                    ..parent.info.clone()
                },
                details: parent.details.clone(),
                context,
                frames,
            },
            None => ErrorObject {
                info: ErrorInfo {
                    kind: String::new(),
                    message: crate::api::display(parent),
                    retryable: None,
                },
                details: None,
                context,
                frames,
            },
        };
        stack.replace(ctx, error_value(ctx, &env_wrap, object));
        Ok(CallbackReturn::Return)
    });
    set(ctx, errors, "wrap", wrap);
    let call_stack = Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let value = match as_error(stack.get(0)) {
            Some(error) if !error.frames.is_empty() => {
                let frames = Table::new(&ctx);
                for (index, frame) in error.frames.iter().enumerate() {
                    let entry = Table::new(&ctx);
                    set(ctx, entry, "level", frame.level as i64);
                    set(ctx, entry, "source", lua_string(ctx, &frame.source));
                    set(ctx, entry, "line", frame.line as i64);
                    set(ctx, entry, "name", lua_string(ctx, &frame.name));
                    set(ctx, entry, "type", "lua");
                    let _ = frames.set(ctx, index as i64 + 1, entry);
                }
                let result = Table::new(&ctx);
                set(ctx, result, "thread", "main");
                set(ctx, result, "frames", frames);
                Value::Table(result)
            }
            _ => Value::Nil,
        };
        stack.replace(ctx, value);
        Ok(CallbackReturn::Return)
    });
    set(ctx, errors, "call_stack", call_stack);
    let is = Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let kind = crate::api::display(stack.get(1));
        let matches = as_error(stack.get(0)).is_some_and(|e| e.info.kind == kind);
        stack.replace(ctx, matches);
        Ok(CallbackReturn::Return)
    });
    set(ctx, errors, "is", is);
    set(ctx, ctx.globals(), "errors", errors);
}

/// A copy of `fields.details` (errors.md §2: the table is copied).
fn copied_details<'gc>(
    ctx: Context<'gc>,
    env: &Env,
    fields: Table<'gc>,
) -> Result<Option<Table<'gc>>, Error<'gc>> {
    match fields.get(ctx, "details") {
        Value::Nil => Ok(None),
        details @ Value::Table(_) => {
            let copy = crate::codec::decode(ctx, env, &crate::codec::encode(ctx, details))
                .map_err(|e| Error::from(lua_string(ctx, &e)))?;
            Ok(match copy {
                Value::Table(table) => Some(table),
                _ => None,
            })
        }
        _ => Err("details must be a table".into_value(ctx).into()),
    }
}

fn info_from_table<'gc>(ctx: Context<'gc>, fields: Table<'gc>) -> Result<ErrorInfo, Error<'gc>> {
    let message = match fields.get(ctx, "message") {
        Value::String(s) => s.to_str_lossy().into_owned(),
        Value::Nil => return Err("message field is required".into_value(ctx).into()),
        _ => return Err("message must be a string".into_value(ctx).into()),
    };
    let kind = match fields.get(ctx, "kind") {
        Value::String(s) => s.to_str_lossy().into_owned(),
        _ => String::new(),
    };
    let retryable = match fields.get(ctx, "retryable") {
        Value::Boolean(b) => Some(b),
        _ => None,
    };
    Ok(ErrorInfo {
        kind,
        message,
        retryable,
    })
}

#[cfg(test)]
mod runtime_error_tests {
    use crate::testing::run_process;

    #[test]
    fn vm_errors_read_like_lua_with_the_entry_and_line() {
        let source = "local function main()
    local out = ''
    for _, f in ipairs({
        function() local t = nil return t.x end,
        function() return nil + 1 end,
        function() return {} < {} end,
        function() return 1 < 'x' end,
        function() return #nil end,
        function() undefined_function() end,
        function() return 1 // 0 end,
        function() return 1.5 | 0 end,
        function() for i = 'a', 2 do end end,
    }) do
        local ok, err = pcall(f)
        out = out .. err .. '\\n'
    end
    return out
end
return { main = main }";
        let run = run_process(source, |_| {});
        assert_eq!(
            run.outcome(),
            "app:test:4: attempt to index a nil value (local 't')\n\
             app:test:5: attempt to perform arithmetic on a nil value\n\
             app:test:6: attempt to compare two table values\n\
             app:test:7: attempt to compare number with string\n\
             app:test:8: attempt to get length of a nil value\n\
             app:test:9: attempt to call a nil value (global 'undefined_function')\n\
             app:test:10: attempt to divide by zero\n\
             app:test:11: number has no integer representation\n\
             app:test:12: bad 'for' initial value (number expected, got string)\n"
        );
    }

    #[test]
    fn an_uncaught_vm_error_fails_the_process_with_its_location() {
        let run = run_process(
            "local function main()\n  local msg = nil\n  return msg.data\nend\nreturn { main = main }",
            |_| {},
        );
        assert_eq!(
            run.outcome(),
            "error: app:test:3: attempt to index a nil value (local 'msg')"
        );
    }
}

#[cfg(test)]
mod wrap_and_stack_tests {
    use crate::testing::run_process;

    fn outcome(body: &str) -> String {
        let source = format!("local function main()\n{body}\nend\nreturn {{ main = main }}");
        run_process(&source, |_| {}).outcome()
    }

    #[test]
    fn wrap_puts_context_in_front_of_the_full_text_and_keeps_the_fields() {
        let out = outcome(
            "local inner = errors.new({message = 'disk full', kind = errors.UNAVAILABLE, retryable = true, details = {disk = 'sda'}})
            local once = errors.wrap(inner, 'saving')
            local twice = errors.wrap(once, errors.new('request'))
            return table.concat({once:message(), tostring(once), once:kind(), tostring(once:retryable()), once:details().disk,
                twice:message(), errors.wrap('plain', 'ctx'):message(), errors.wrap('plain', 'ctx'):kind()}, '|')",
        );
        assert_eq!(
            out,
            "disk full|disk full|Unavailable|true|sda|saving: disk full|plain|"
        );
    }

    #[test]
    fn a_wrapped_error_fails_a_process_with_its_full_text() {
        let out = outcome("return nil, errors.wrap(errors.new('inner'), 'outer')");
        assert_eq!(out, "error: outer: inner");
    }

    #[test]
    fn stack_and_call_stack_show_where_lua_created_the_error() {
        let out = outcome(
            "local function make()\n  local e = errors.new('x')\n  return e\nend\nlocal e = make()
            local frames = errors.call_stack(e).frames
            return e:stack() .. '|' .. frames[1].source .. ':' .. frames[1].line .. ' ' .. frames[1].name
                .. '|' .. tostring(errors.call_stack(errors.new and select(2, pcall(error, {})) or nil))",
        );
        assert_eq!(
            out,
            "stack traceback:\n\tapp:test:3: in local 'make'\n\tapp:test:6: in function <app:test:1>\
             |app:test:3 make|nil"
        );
    }
}

#[cfg(test)]
mod traceback_tests {
    use crate::testing::run_lua;

    #[test]
    fn every_lua_frame_is_named_as_lua_s_traceback_names_it() {
        let out = run_lua(
            "local function inner() local e = errors.new('x') return e end
function make() local e = inner() return e end
local t = {}
function t.field() local e = make() return e end
function t:m() local e = t.field() return e end
local up = function() local e = t:m() return e end
local function outer() local e = up() return e end
return outer():stack()",
        );
        assert_eq!(
            out,
            "stack traceback:
\ttest:1: in upvalue 'inner'
\ttest:2: in function 'make'
\ttest:4: in field 'field'
\ttest:5: in method 'm'
\ttest:6: in upvalue 'up'
\ttest:7: in local 'outer'
\ttest:8: in main chunk"
        );
    }

    #[test]
    fn call_stack_lists_every_frame_with_its_level_line_and_name() {
        let out = run_lua(
            "local obj = {}
function obj:build(n)
  if n == 0 then local e = errors.new('x') return e end
  local e = self:build(n - 1)
  return e
end
local stack = errors.call_stack(obj:build(2))
local lines = {}
for _, f in ipairs(stack.frames) do
  lines[#lines + 1] = table.concat({f.level, f.source, f.line, f.name, f.type}, ' ')
end
return stack.thread .. '\\n' .. table.concat(lines, '\\n')",
        );
        assert_eq!(
            out,
            "main
1 test 3 build lua
2 test 4 build lua
3 test 4 build lua
4 test 7 main chunk lua"
        );
    }

    #[test]
    fn a_tail_call_is_marked_and_the_replaced_frame_is_gone() {
        let out = run_lua(
            "local function make() local e = errors.new('x') return e end
local function forward() return make() end
local e = forward()
return e:stack()",
        );
        assert_eq!(
            out,
            "stack traceback:
\ttest:1: in function <test:1>
\t(...tail calls...)
\ttest:3: in main chunk"
        );
    }

    #[test]
    fn callbacks_in_between_are_skipped_and_anonymous_functions_show_where_they_were_defined() {
        let out = run_lua(
            "local ok, e = pcall(function()
  local sorted = {3, 1, 2}
  local made
  table.sort(sorted, function(a, b) made = made or errors.new('x') return a < b end)
  return made
end)
return e:stack()",
        );
        assert_eq!(
            out,
            "stack traceback:
\ttest:4: in function <test:4>
\ttest:4: in function <test:1>
\ttest:1: in main chunk"
        );
    }

    /// Lua names the handler after the instruction that failed, `metamethod 'index'`.
    #[test]
    fn an_xpcall_handler_sees_the_frames_the_error_was_raised_in() {
        let out = run_lua(
            "local function fail() local t = nil return t.x end
local function work() local r = fail() return r end
local ok, stack = xpcall(work, function(msg) return errors.new(msg):stack() end)
return stack",
        );
        assert_eq!(
            out,
            "stack traceback:
\ttest:3: in metamethod 'index'
\ttest:1: in upvalue 'fail'
\ttest:2: in function <test:2>
\ttest:3: in main chunk"
        );
    }

    #[test]
    fn an_error_raised_through_a_callback_keeps_the_frames_above_it() {
        let out = run_lua(
            "local function cmp(a, b) error('bad') end
local function sort_all() table.sort({3, 1, 2}, cmp) end
local ok, stack = xpcall(sort_all, function(msg) return errors.new(msg):stack() end)
return stack",
        );
        assert_eq!(
            out,
            "stack traceback:
\ttest:3: in function <test:3>
\ttest:1: in function <test:1>
\ttest:2: in function <test:2>
\ttest:3: in main chunk"
        );
    }

    #[test]
    fn frames_of_an_error_already_handled_do_not_appear_later() {
        let out = run_lua(
            "local function fail() error('x') end
for _ = 1, 2 do pcall(fail) end
local ok, e = pcall(function() local e = errors.new('later') return e end)
local handled = select(2, xpcall(fail, function() return 1 end))
local after = select(2, pcall(function() local e = errors.new('after') return e end))
return e:stack() .. '|' .. handled .. '|' .. after:stack()",
        );
        assert_eq!(
            out,
            "stack traceback:\n\ttest:3: in function <test:3>\n\ttest:3: in main chunk\
             |1|stack traceback:\n\ttest:5: in function <test:5>\n\ttest:5: in main chunk"
        );
    }

    #[test]
    fn a_coroutine_s_stack_stops_at_the_coroutine() {
        let out = run_lua(
            "local function body() local e = errors.new('x') return e end
local co = coroutine.create(function() local e = body() return e end)
local function resume() local ok, e = coroutine.resume(co) return e end
return resume():stack()",
        );
        assert_eq!(
            out,
            "stack traceback:
\ttest:1: in upvalue 'body'
\ttest:2: in function <test:2>"
        );
    }

    #[test]
    fn a_deep_stack_keeps_its_innermost_and_outermost_frames() {
        let out = run_lua(
            "local function dive(n)
  if n == 0 then local e = errors.new('deep') return e end
  local e = dive(n - 1)
  return e
end
local e = dive(1000)
local frames = errors.call_stack(e).frames
local lines = {}
for line in e:stack():gmatch('[^\\n]+') do lines[#lines + 1] = line end
return #frames .. ' ' .. frames[10].level .. ' ' .. frames[11].level .. ' ' .. frames[21].level
  .. ' ' .. frames[21].name .. '|' .. lines[12] .. '|' .. lines[13] .. '|' .. #lines",
        );
        assert_eq!(
            out,
            "21 10 992 1002 main chunk|\t...\t(skipping 981 levels)|\ttest:3: in upvalue 'dive'|23"
        );
    }

    #[test]
    fn a_wrapped_error_has_the_stack_where_it_was_wrapped() {
        let out = run_lua(
            "local inner = errors.new('inner')
local function add_context(e) local w = errors.wrap(e, 'ctx') return w end
local e = add_context(inner)
return #errors.call_stack(e).frames .. ' ' .. errors.call_stack(e).frames[1].line",
        );
        assert_eq!(out, "2 2");
    }
}
