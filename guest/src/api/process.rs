//! The `process` global (process.md): identity, spawning, messages, names,
//! monitors and links. Each function is one host import.

use crate::host::Host;
use std::rc::Rc;

use piccolo::{Callback, CallbackReturn, Context, Error, Stack, Table, Value};

use crate::api::channel::{self, ChannelCore};
use crate::api::{errors, invalid, lua_string, return_result, set, string_arg};
use crate::bindings::{ErrorInfo, ExitResult, Payload, SpawnOptions};
use crate::codec;
use crate::env::Env;
use crate::mailbox::Subscription;
use crate::scheduler::{wait_with, Completion};

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
            if let Some(unavailable) = non_local_scope(stack.get(2)) {
                return Ok(Err(unavailable));
            }
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
            if let Some(unavailable) = non_local_scope(stack.get(1)) {
                return Ok(Err(unavailable));
            }
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
    set(
        ctx,
        process,
        "registry",
        crate::lua_std::read_only(ctx, registry),
    );

    install_subscriptions(ctx, env, process);
    install_options(ctx, env, process);
    install_exec(ctx, env, process);

    let event = Table::new(&ctx);
    set(ctx, event, "CANCEL", "pid.cancel");
    set(ctx, event, "EXIT", "pid.exit");
    set(ctx, event, "LINK_DOWN", "pid.link.down");
    set(ctx, process, "event", crate::lua_std::read_only(ctx, event));
    process
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

/// The error for a registry scope other than `LOCAL` (process.md §9): a single node
/// has no global or eventual registry.
fn non_local_scope(scope: Value<'_>) -> Option<ErrorInfo> {
    let message = match scope {
        Value::Nil | Value::Integer(0) => return None,
        Value::Integer(1) => "eventual registry not available",
        _ => "global registry not available",
    };
    Some(ErrorInfo {
        kind: "Internal".into(),
        message: message.into(),
        retryable: Some(false),
    })
}

/// Buffer sizes of the subscription channels (process.md §5).
const INBOX_BUFFER: usize = 0;
const EVENTS_BUFFER: usize = 0;
const LISTEN_BUFFER: usize = 1;

/// A new subscription channel.
fn subscribe<'gc>(
    ctx: Context<'gc>,
    env: &Rc<Env>,
    capacity: usize,
    messages: bool,
) -> Subscription {
    let core = ChannelCore::new(capacity);
    let userdata = channel::new_channel(ctx, env, core.clone());
    Subscription {
        core,
        channel: ctx.stash(userdata),
        messages,
    }
}

/// `inbox`, `events`, `listen`, `unlisten`: each returns the same channel for the same
/// subscription on every call (process.md §4).
fn install_subscriptions<'gc>(ctx: Context<'gc>, env: &Rc<Env>, process: Table<'gc>) {
    let e = env.clone();
    let inbox = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let mut mailbox = e.mailbox.borrow_mut();
        let subscription = mailbox
            .inbox
            .get_or_insert_with(|| subscribe(ctx, &e, INBOX_BUFFER, true));
        stack.replace(ctx, ctx.fetch(&subscription.channel));
        Ok(CallbackReturn::Return)
    });
    set(ctx, process, "inbox", inbox);

    let e = env.clone();
    let events = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let mut mailbox = e.mailbox.borrow_mut();
        let subscription = mailbox
            .events
            .get_or_insert_with(|| subscribe(ctx, &e, EVENTS_BUFFER, false));
        stack.replace(ctx, ctx.fetch(&subscription.channel));
        Ok(CallbackReturn::Return)
    });
    set(ctx, process, "events", events);

    let e = env.clone();
    let listen = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let topic = string_arg(ctx, &stack, 0, "listen")?;
        let messages = match stack.get(1) {
            Value::Table(options) => options.get(ctx, "message").to_bool(),
            _ => false,
        };
        let result = if topic.is_empty() {
            Err(invalid("topic cannot be empty"))
        } else if topic.starts_with('@') {
            Err(invalid("cannot listen to @ topics"))
        } else {
            let mut mailbox = e.mailbox.borrow_mut();
            let subscription = mailbox
                .topics
                .entry(topic)
                .or_insert_with(|| subscribe(ctx, &e, LISTEN_BUFFER, messages));
            Ok(ctx.fetch(&subscription.channel).into())
        };
        return_result(ctx, &e, &mut stack, result);
        Ok(CallbackReturn::Return)
    });
    set(ctx, process, "listen", listen);

    let e = env.clone();
    let unlisten = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let Some(core) = channel::as_channel(stack.get(0)).cloned() else {
            return Err(lua_string(ctx, "bad argument #1 to 'unlisten' (channel expected)").into());
        };
        let removed = {
            let mut mailbox = e.mailbox.borrow_mut();
            let same = |subscription: &Subscription| Rc::ptr_eq(&subscription.core, &core);
            let before = mailbox.topics.len();
            mailbox.topics.retain(|_, subscription| !same(subscription));
            let mut removed = mailbox.topics.len() != before;
            if mailbox.inbox.as_ref().is_some_and(same) {
                mailbox.inbox = None;
                removed = true;
            }
            if mailbox.events.as_ref().is_some_and(same) {
                mailbox.events = None;
                removed = true;
            }
            removed
        };
        stack.clear();
        if removed {
            core.borrow_mut().close(&mut e.scheduler.borrow_mut());
            stack.push_back(Value::Boolean(true));
        } else {
            stack.push_back(Value::Boolean(false));
            stack.push_back(errors::new_error(
                ctx,
                &e,
                &invalid("channel is not a subscription"),
            ));
        }
        Ok(CallbackReturn::Return)
    });
    set(ctx, process, "unlisten", unlisten);
}

/// `get_options` / `set_options`: only `trap_links` (process.md §4).
fn install_options<'gc>(ctx: Context<'gc>, env: &Rc<Env>, process: Table<'gc>) {
    let e = env.clone();
    let get_options = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let options = Table::new(&ctx);
        set(ctx, options, "trap_links", e.mailbox.borrow().trap_links);
        stack.replace(ctx, options);
        Ok(CallbackReturn::Return)
    });
    set(ctx, process, "get_options", get_options);

    let e = env.clone();
    let set_options = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let failure = match stack.get(0) {
            Value::Table(options) => {
                let mut failure = None;
                for (key, value) in options {
                    match (key, value) {
                        (Value::String(key), Value::Boolean(trap)) if key == "trap_links" => {
                            e.mailbox.borrow_mut().trap_links = trap;
                        }
                        (Value::String(key), _) if key == "trap_links" => {
                            failure = Some(invalid("trap_links must be a boolean"));
                        }
                        (key, _) => {
                            let key = crate::api::display(key);
                            failure = Some(invalid(&format!("option {key} is not supported")));
                        }
                    }
                }
                failure
            }
            _ => Some(invalid("options parameter must be a table")),
        };
        stack.clear();
        match failure {
            None => {
                stack.push_back(Value::Boolean(true));
                stack.push_back(Value::Nil);
            }
            Some(error) => {
                stack.push_back(Value::Boolean(false));
                stack.push_back(errors::new_error(ctx, &e, &error));
            }
        }
        Ok(CallbackReturn::Return)
    });
    set(ctx, process, "set_options", set_options);
}

/// `process.exec(id, host, ...)`: spawns the child monitored and waits for its end;
/// its EXIT never reaches `events()` (process.md §4).
fn install_exec<'gc>(ctx: Context<'gc>, env: &Rc<Env>, process: Table<'gc>) {
    let e = env.clone();
    let exec = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let spawned = exec_spawn(ctx, &e, &stack)?;
        let pid = match spawned {
            Ok(pid) => pid,
            Err(error) => {
                return_result(ctx, &e, &mut stack, Err(error));
                return Ok(CallbackReturn::Return);
            }
        };
        stack.clear();
        let token = e.scheduler.borrow_mut().new_token();
        e.mailbox.borrow_mut().exec_waits.insert(pid, token);
        let finish_env = e.clone();
        Ok(wait_with(
            ctx,
            &e,
            token,
            Box::new(move |ctx, completion, stack| {
                if let Completion::Exit(outcome) = completion {
                    let result = match outcome {
                        ExitResult::Value(payload) => {
                            codec::decode(ctx, &finish_env, &payload).map_err(crate::vm::internal)
                        }
                        ExitResult::Failure(error) => Err(error),
                    };
                    return_result(ctx, &finish_env, stack, result);
                }
                Ok(())
            }),
        ))
    });
    set(ctx, process, "exec", exec);
}

fn exec_spawn<'gc>(
    ctx: Context<'gc>,
    env: &Env,
    stack: &Stack<'gc, '_>,
) -> Result<Result<String, ErrorInfo>, Error<'gc>> {
    if stack.len() < 2 {
        return Ok(Err(invalid("exec requires at least id and host arguments")));
    }
    let entry = string_arg(ctx, stack, 0, "exec")?;
    let host = string_arg(ctx, stack, 1, "exec")?;
    if entry.is_empty() || host.is_empty() {
        return Ok(Err(invalid("exec requires non-empty id and host")));
    }
    if !entry.contains(':') {
        return Ok(Err(invalid(
            "invalid process ID format (namespace:name required)",
        )));
    }
    let args = encode_from(ctx, stack, 2);
    Ok(env.host.spawn(&entry, &host, &args, SpawnOptions::MONITOR))
}

#[cfg(test)]
mod tests {
    use crate::testing::run_process;

    #[test]
    fn wippy_tables_are_read_only_but_readable() {
        let source = "local time = require('time')
            local function main()
                local out = ''
                for _, assign in ipairs({
                    function() process.pid = nil end,
                    function() process.event.EXIT = 'x' end,
                    function() process.registry.lookup = nil end,
                    function() channel.new = nil end,
                    function() errors.INVALID = 'x' end,
                    function() time.sleep = nil end,
                    function() payload.format.JSON = 'x' end,
                }) do
                    local ok, err = pcall(assign)
                    out = out .. tostring(ok) .. ':' .. tostring(err) .. ' '
                end
                return out .. process.event.EXIT .. ' ' .. type(time.sleep)
            end
            return { main = main }";
        let run = run_process(source, |_| {});
        // Each refusal is located at the assignment, as a VM error is.
        let denied: String = (5..=11)
            .map(|line| format!("false:app:test:{line}: attempt to modify a read-only table "))
            .collect();
        assert_eq!(run.outcome(), denied + "pid.exit function");
    }
}
