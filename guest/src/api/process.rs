//! The `process` global (process.md): identity, spawning, messages, names,
//! monitors and links. Each function is one host import.

use std::rc::Rc;

use piccolo::{Callback, CallbackReturn, Context, Error, Stack, Table, Value};

use crate::api::{invalid, lua_string, return_result, set, string_arg};
use crate::bindings::{ErrorInfo, Payload, SpawnOptions};
use crate::codec;
use crate::env::Env;

/// A process API function: reads its arguments, calls the host, returns `value` or
/// `nil, err`.
type Call = for<'gc> fn(
    Context<'gc>,
    &Env,
    &Stack<'gc, '_>,
) -> Result<Result<Value<'gc>, ErrorInfo>, Error<'gc>>;

/// Builds the `process` global.
pub fn module<'gc>(ctx: Context<'gc>, env: &Rc<Env>) -> Table<'gc> {
    let process = Table::new(&ctx);
    let calls: [(&str, Call); 12] = [
        ("pid", |ctx, env, _| Ok(Ok(lua_string(ctx, &env.pid)))),
        ("id", |ctx, env, _| Ok(Ok(lua_string(ctx, &env.entry_id)))),
        ("send", send),
        ("spawn", |ctx, env, stack| {
            spawn(ctx, env, stack, "spawn", SpawnOptions::empty())
        }),
        ("spawn_monitored", |ctx, env, stack| {
            spawn(ctx, env, stack, "spawn_monitored", SpawnOptions::MONITOR)
        }),
        ("spawn_linked", |ctx, env, stack| {
            spawn(ctx, env, stack, "spawn_linked", SpawnOptions::LINK)
        }),
        ("spawn_linked_monitored", |ctx, env, stack| {
            let options = SpawnOptions::LINK | SpawnOptions::MONITOR;
            spawn(ctx, env, stack, "spawn_linked_monitored", options)
        }),
        ("terminate", |ctx, env, stack| {
            let dest = string_arg(ctx, stack, 0, "terminate")?;
            Ok(env.host.terminate(&dest).map(|()| Value::Boolean(true)))
        }),
        ("cancel", |ctx, env, stack| {
            let dest = string_arg(ctx, stack, 0, "cancel")?;
            let reason = match stack.get(1) {
                Value::Nil => String::new(),
                reason => crate::api::display(reason),
            };
            Ok(env
                .host
                .cancel(&dest, &reason)
                .map(|()| Value::Boolean(true)))
        }),
        ("monitor", |ctx, env, stack| {
            let dest = string_arg(ctx, stack, 0, "monitor")?;
            Ok(env.host.monitor(&dest).map(|()| Value::Boolean(true)))
        }),
        ("unmonitor", |ctx, env, stack| {
            let dest = string_arg(ctx, stack, 0, "unmonitor")?;
            Ok(env.host.unmonitor(&dest).map(|()| Value::Boolean(true)))
        }),
        ("link", |ctx, env, stack| {
            let dest = string_arg(ctx, stack, 0, "link")?;
            Ok(env.host.link(&dest).map(|()| Value::Boolean(true)))
        }),
    ];
    add_calls(ctx, env, process, &calls);
    let unlink: [(&str, Call); 1] = [("unlink", |ctx, env, stack| {
        let dest = string_arg(ctx, stack, 0, "unlink")?;
        Ok(env.host.unlink(&dest).map(|()| Value::Boolean(true)))
    })];
    add_calls(ctx, env, process, &unlink);

    let registry = Table::new(&ctx);
    let registry_calls: [(&str, Call); 3] = [
        ("register", |ctx, env, stack| {
            let name = string_arg(ctx, stack, 0, "register")?;
            let pid = match stack.get(1) {
                Value::Nil => None,
                _ => Some(string_arg(ctx, stack, 1, "register")?),
            };
            Ok(env
                .host
                .register(&name, pid.as_deref())
                .map(|()| Value::Boolean(true)))
        }),
        ("lookup", |ctx, env, stack| {
            let name = string_arg(ctx, stack, 0, "lookup")?;
            Ok(env.host.lookup(&name).map(|pid| lua_string(ctx, &pid)))
        }),
        ("unregister", |ctx, env, stack| {
            let name = string_arg(ctx, stack, 0, "unregister")?;
            Ok(Ok(Value::Boolean(env.host.unregister(&name))))
        }),
    ];
    add_calls(ctx, env, registry, &registry_calls);
    for (name, scope) in [
        ("LOCAL", 0),
        ("EVENTUAL", 1),
        ("CONSISTENT", 2),
        ("STRONG", 3),
    ] {
        set(ctx, registry, name, scope);
    }
    set(ctx, process, "registry", registry);

    for name in [
        "inbox",
        "events",
        "listen",
        "unlisten",
        "get_options",
        "set_options",
        "exec",
    ] {
        set(ctx, process, name, not_implemented(ctx, name));
    }

    let event = Table::new(&ctx);
    set(ctx, event, "CANCEL", "pid.cancel");
    set(ctx, event, "EXIT", "pid.exit");
    set(ctx, event, "LINK_DOWN", "pid.link.down");
    set(ctx, process, "event", event);
    process
}

/// A function that raises a clear error: the API exists in Wippy but not in this
/// build yet.
fn not_implemented<'gc>(ctx: Context<'gc>, name: &'static str) -> Callback<'gc> {
    Callback::from_fn(&ctx, move |ctx, _, _| {
        Err(lua_string(
            ctx,
            &format!("process.{name} is not implemented yet in wippy-wasm"),
        )
        .into())
    })
}

fn add_calls<'gc>(ctx: Context<'gc>, env: &Rc<Env>, table: Table<'gc>, calls: &[(&str, Call)]) {
    for &(name, call) in calls {
        let env = env.clone();
        let callback = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
            let result = call(ctx, &env, &stack)?;
            return_result(ctx, &env, &mut stack, result);
            Ok(CallbackReturn::Return)
        });
        set(ctx, table, name, callback);
    }
}

fn send<'gc>(
    ctx: Context<'gc>,
    env: &Env,
    stack: &Stack<'gc, '_>,
) -> Result<Result<Value<'gc>, ErrorInfo>, Error<'gc>> {
    if stack.len() < 2 {
        return Ok(Err(invalid(
            "send requires at least destination and topic arguments",
        )));
    }
    let dest = string_arg(ctx, stack, 0, "send")?;
    let topic = string_arg(ctx, stack, 1, "send")?;
    if topic.starts_with('@') {
        return Ok(Err(invalid("cannot send to @ topics")));
    }
    let payloads = encode_from(ctx, stack, 2);
    Ok(env
        .host
        .send(&dest, &topic, &payloads)
        .map(|()| Value::Boolean(true)))
}

fn spawn<'gc>(
    ctx: Context<'gc>,
    env: &Env,
    stack: &Stack<'gc, '_>,
    function: &str,
    options: SpawnOptions,
) -> Result<Result<Value<'gc>, ErrorInfo>, Error<'gc>> {
    if stack.len() < 2 {
        return Ok(Err(invalid(&format!(
            "{function} requires at least id and host arguments"
        ))));
    }
    let entry = string_arg(ctx, stack, 0, function)?;
    let host = string_arg(ctx, stack, 1, function)?;
    let args = encode_from(ctx, stack, 2);
    Ok(env
        .host
        .spawn(&entry, &host, &args, options)
        .map(|pid| lua_string(ctx, &pid)))
}

/// Deep copies of the arguments from `first` on.
fn encode_from<'gc>(ctx: Context<'gc>, stack: &Stack<'gc, '_>, first: usize) -> Vec<Payload> {
    (first..stack.len())
        .map(|i| codec::encode(ctx, stack.get(i)))
        .collect()
}
