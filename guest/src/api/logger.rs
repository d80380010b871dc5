//! The `logger` module (logger.md): a Logger userdata with levelled methods, bound
//! fields (`with`) and names (`named`). Records go to the host, which formats them for
//! the CLI mode; logging never yields and never fails from Lua's point of view.

use crate::host::Host;
use std::rc::Rc;

use piccolo::{Callback, CallbackReturn, Context, Error, Execution, Table, UserData, Value};

use crate::api::{display, errors, lua_string, metatable, set};
use crate::bindings::{Level, LogRecord, Node, Payload};
use crate::codec;
use crate::env::Env;

/// One field as it crosses to the host.
type Field = (String, Payload);

/// The Rust side of a Logger userdata.
struct LoggerObject {
    /// Dotted name from `named`, if any.
    name: Option<String>,
    /// Fields from `with`, in the order they were bound.
    context: Vec<Field>,
}

/// The root logger: no name, no bound fields.
pub fn module<'gc>(ctx: Context<'gc>, env: &Rc<Env>) -> Value<'gc> {
    new_logger(
        ctx,
        env,
        LoggerObject {
            name: None,
            context: Vec::new(),
        },
    )
}

fn new_logger<'gc>(ctx: Context<'gc>, env: &Rc<Env>, logger: LoggerObject) -> Value<'gc> {
    let userdata = UserData::new_static(&ctx, logger);
    userdata.set_metatable(&ctx, Some(metatable(ctx, env, "logger", build_metatable)));
    userdata.into()
}

fn logger_arg<'gc>(
    ctx: Context<'gc>,
    value: Value<'gc>,
    method: &str,
) -> Result<&'gc LoggerObject, Error<'gc>> {
    match value {
        Value::UserData(userdata) => userdata.downcast_static::<LoggerObject>().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        lua_string(
            ctx,
            &format!(
                "bad argument #1 to '{method}' (Logger expected, got {})",
                value.type_name()
            ),
        )
        .into()
    })
}

fn build_metatable<'gc>(ctx: Context<'gc>, env: &Rc<Env>) -> Table<'gc> {
    let methods = Table::new(&ctx);
    for (name, level) in [
        ("debug", Level::Debug),
        ("info", Level::Info),
        ("warn", Level::Warn),
        ("error", Level::Error),
    ] {
        let e = env.clone();
        let log = Callback::from_fn(&ctx, move |ctx, exec, mut stack| {
            let logger = logger_arg(ctx, stack.get(0), name)?;
            let message = match stack.get(1) {
                Value::String(s) => s.to_str_lossy().into_owned(),
                value @ (Value::Integer(_) | Value::Number(_)) => display(value),
                value => {
                    return Err(lua_string(
                        ctx,
                        &format!(
                            "bad argument #2 to '{name}' (string expected, got {})",
                            value.type_name()
                        ),
                    )
                    .into())
                }
            };
            let fields = match (stack.len() >= 3, stack.get(2)) {
                (false, _) => None,
                (true, Value::Table(fields)) => Some(fields),
                (true, value) => {
                    return Err(lua_string(
                        ctx,
                        &format!(
                            "bad argument #3 to '{name}' (table expected, got {})",
                            value.type_name()
                        ),
                    )
                    .into())
                }
            };
            if e.host.log_enabled(level) {
                let fields = match fields {
                    Some(table) if level == Level::Error => error_fields(ctx, table),
                    Some(table) => convert_fields(ctx, table),
                    None => Vec::new(),
                };
                e.host.log(&LogRecord {
                    level,
                    message,
                    logger_name: logger.name.clone(),
                    location: location(&exec),
                    context: logger.context.clone(),
                    fields,
                });
            } else if let (Level::Error, Some(table)) = (level, fields) {
                // The caller's table loses its `error` field whether or not the record
                // is written.
                let _ = table.set(ctx, "error", Value::Nil);
            }
            stack.clear();
            Ok(CallbackReturn::Return)
        });
        set(ctx, methods, name, log);
    }

    let e = env.clone();
    let with = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let logger = logger_arg(ctx, stack.get(0), "with")?;
        let Value::Table(fields) = stack.get(1) else {
            return Err(lua_string(
                ctx,
                &format!(
                    "bad argument #2 to 'with' (table expected, got {})",
                    stack.get(1).type_name()
                ),
            )
            .into());
        };
        let mut context = logger.context.clone();
        context.extend(convert_fields(ctx, fields));
        let child = LoggerObject {
            name: logger.name.clone(),
            context,
        };
        stack.replace(ctx, new_logger(ctx, &e, child));
        Ok(CallbackReturn::Return)
    });
    set(ctx, methods, "with", with);

    let e = env.clone();
    let named = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let logger = logger_arg(ctx, stack.get(0), "named")?;
        let name = match stack.get(1) {
            Value::String(s) if !s.as_bytes().is_empty() => s.to_str_lossy().into_owned(),
            _ => return Err(lua_string(ctx, "logger name must be a non-empty string").into()),
        };
        let child = LoggerObject {
            name: Some(match &logger.name {
                Some(parent) => format!("{parent}.{name}"),
                None => name,
            }),
            context: logger.context.clone(),
        };
        stack.replace(ctx, new_logger(ctx, &e, child));
        Ok(CallbackReturn::Return)
    });
    set(ctx, methods, "named", named);

    let metatable = Table::new(&ctx);
    set(ctx, metatable, "__index", methods);
    set(ctx, metatable, "__name", "Logger");
    metatable
}

/// `<entry-id>:<line>` of the Lua code that made the call.
pub fn location(exec: &Execution<'_, '_>) -> Option<String> {
    exec.upper_lua_frame()
        .map(|frame| format!("{}:{}", frame.chunk_name.to_str_lossy(), frame.current_line))
}

/// Record fields from a Lua table (logger.md §1): string keys only; strings, numbers,
/// booleans and tables as they are, error objects as their text; other values skipped.
fn convert_fields<'gc>(ctx: Context<'gc>, table: Table<'gc>) -> Vec<Field> {
    let mut fields = Vec::new();
    for (key, value) in table {
        let Value::String(key) = key else {
            continue;
        };
        if let Some(payload) = field_value(ctx, value) {
            fields.push((key.to_str_lossy().into_owned(), payload));
        }
    }
    fields
}

/// `lg:error`'s fields: the `error` field as text, first, and removed from the
/// caller's table (logger.md §1).
fn error_fields<'gc>(ctx: Context<'gc>, table: Table<'gc>) -> Vec<Field> {
    let error = table.get(ctx, "error");
    let mut fields = Vec::new();
    if !error.is_nil() {
        let _ = table.set(ctx, "error", Value::Nil);
        let text = match errors::as_error(error) {
            Some(object) => object.full_text(),
            None => display(error),
        };
        fields.push(("error".to_string(), text_payload(text)));
    }
    fields.extend(convert_fields(ctx, table));
    fields
}

fn field_value<'gc>(ctx: Context<'gc>, value: Value<'gc>) -> Option<Payload> {
    match value {
        Value::String(_) | Value::Integer(_) | Value::Number(_) | Value::Boolean(_) => {
            Some(codec::encode(ctx, value))
        }
        Value::Table(_) => Some(codec::encode(ctx, value)),
        Value::UserData(_) => errors::as_error(value).map(|error| text_payload(error.full_text())),
        Value::Nil | Value::Function(_) | Value::Thread(_) => None,
    }
}

fn text_payload(text: String) -> Payload {
    Payload {
        nodes: vec![Node::Text(text.into_bytes())],
    }
}

#[cfg(test)]
mod tests {
    use crate::bindings::{Level, Node};
    use crate::testing::run_process;

    fn text(payload: &crate::bindings::Payload) -> String {
        match payload.nodes.first() {
            Some(Node::Text(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
            Some(Node::Integer(i)) => i.to_string(),
            Some(Node::Boolean(b)) => b.to_string(),
            Some(Node::Table(_)) => "table".into(),
            other => format!("{other:?}"),
        }
    }

    fn logs(body: &str) -> Vec<String> {
        let source = format!(
            "local logger = require('logger')\nlocal function main()\n{body}\nend\nreturn {{ main = main }}"
        );
        let run = run_process(&source, |_| {});
        assert_eq!(run.outcome(), "nil", "the process ends normally");
        let host = run.host.borrow();
        host.logs
            .iter()
            .map(|record| {
                let level = match record.level {
                    Level::Debug => "DEBUG",
                    Level::Info => "INFO",
                    Level::Warn => "WARN",
                    Level::Error => "ERROR",
                };
                let mut line = format!(
                    "{level} {} {} @{}",
                    record.logger_name.as_deref().unwrap_or("-"),
                    record.message,
                    record.location.as_deref().unwrap_or("?")
                );
                for (name, value) in record.context.iter() {
                    line += &format!(" ctx.{name}={}", text(value));
                }
                let mut fields: Vec<String> = record
                    .fields
                    .iter()
                    .map(|(name, value)| format!(" {name}={}", text(value)))
                    .collect();
                // Table order is unspecified, except that `error` comes first.
                fields[usize::from(record.level == Level::Error)..].sort();
                line += &fields.concat();
                line
            })
            .collect()
    }

    #[test]
    fn levels_messages_fields_and_locations_reach_the_host() {
        let lines = logs(
            "logger:info('relay started', {pid = 'p1', n = 3, ok = true, [1] = 'skipped', f = print})
            logger:debug(42)
            logger:warn('careful')",
        );
        assert_eq!(
            lines,
            [
                "INFO - relay started @app:test:3 n=3 ok=true pid=p1",
                "DEBUG - 42 @app:test:4",
                "WARN - careful @app:test:5",
            ]
        );
    }

    #[test]
    fn with_binds_fields_and_named_joins_names_with_dots() {
        let lines = logs(
            "local child = logger:with({request = 'r1'}):named('a'):named('b')
            child:info('hello', {x = 1})
            logger:info('root')",
        );
        assert_eq!(
            lines,
            [
                "INFO a.b hello @app:test:4 ctx.request=r1 x=1",
                "INFO - root @app:test:5",
            ]
        );
    }

    #[test]
    fn error_moves_the_error_field_first_as_text_and_clears_it_in_the_caller() {
        let lines = logs(
            "local fields = {error = errors.new('disk full'), b = 2, a = 1}
            logger:error('spawn failed', fields)
            logger:info('after', {cleared = tostring(fields.error == nil)})",
        );
        assert_eq!(
            lines,
            [
                "ERROR - spawn failed @app:test:4 error=disk full a=1 b=2",
                "INFO - after @app:test:5 cleared=true",
            ]
        );
    }

    #[test]
    fn bad_arguments_raise() {
        let source = "local logger = require('logger')
            local function main()
                local results = ''
                for _, call in ipairs({
                    function() logger.info('x') end,
                    function() logger:info({}) end,
                    function() logger:info('x', nil) end,
                    function() logger:info('x', 'y') end,
                    function() logger:named('') end,
                }) do
                    results = results .. tostring(pcall(call)) .. ','
                end
                return results
            end
            return { main = main }";
        let run = run_process(source, |_| {});
        assert_eq!(run.outcome(), "false,false,false,false,false,");
    }
}
