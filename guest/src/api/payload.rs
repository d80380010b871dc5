//! Message and Payload objects (process.md §6) and the `payload` global.
//!
//! Both keep the deep copy as it came from the host and decode it on `data()`, so a
//! message that is only routed or inspected by topic costs no Lua allocations.

use std::rc::Rc;

use piccolo::{Callback, CallbackReturn, Context, Error, Table, UserData, Value};

use crate::api::{errors, lua_string, metatable, return_result, set};
use crate::bindings::{Message, Payload};
use crate::codec;
use crate::env::Env;

/// The format of payloads made from Lua values.
const LUA_FORMAT: &str = "lua/any";
/// The format of `payload.new(error_object)`.
const ERROR_FORMAT: &str = "golang/error";

/// The Rust side of a Payload userdata.
struct PayloadObject {
    payload: Payload,
    format: &'static str,
}

/// A Message userdata for a message from the mailbox.
pub fn message_value<'gc>(ctx: Context<'gc>, env: &Rc<Env>, message: Message) -> Value<'gc> {
    let userdata = UserData::new_static(&ctx, message);
    userdata.set_metatable(
        &ctx,
        Some(metatable(ctx, env, "message", message_metatable)),
    );
    userdata.into()
}

fn payload_value<'gc>(
    ctx: Context<'gc>,
    env: &Rc<Env>,
    payload: Payload,
    format: &'static str,
) -> Value<'gc> {
    let userdata = UserData::new_static(&ctx, PayloadObject { payload, format });
    userdata.set_metatable(
        &ctx,
        Some(metatable(ctx, env, "payload", payload_metatable)),
    );
    userdata.into()
}

fn message_arg<'gc>(
    ctx: Context<'gc>,
    value: Value<'gc>,
    method: &str,
) -> Result<&'gc Message, Error<'gc>> {
    match value {
        Value::UserData(userdata) => userdata.downcast_static::<Message>().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        lua_string(
            ctx,
            &format!("bad argument #1 to '{method}' (Message expected)"),
        )
        .into()
    })
}

fn payload_arg<'gc>(
    ctx: Context<'gc>,
    value: Value<'gc>,
    method: &str,
) -> Result<&'gc PayloadObject, Error<'gc>> {
    match value {
        Value::UserData(userdata) => userdata.downcast_static::<PayloadObject>().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        lua_string(
            ctx,
            &format!("bad argument #1 to '{method}' (Payload expected)"),
        )
        .into()
    })
}

fn message_metatable<'gc>(ctx: Context<'gc>, env: &Rc<Env>) -> Table<'gc> {
    let methods = Table::new(&ctx);
    let topic = Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let message = message_arg(ctx, stack.get(0), "topic")?;
        stack.replace(ctx, lua_string(ctx, &message.topic));
        Ok(CallbackReturn::Return)
    });
    set(ctx, methods, "topic", topic);
    let from = Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let message = message_arg(ctx, stack.get(0), "from")?;
        stack.replace(ctx, lua_string(ctx, &message.from));
        Ok(CallbackReturn::Return)
    });
    set(ctx, methods, "from", from);
    let e = env.clone();
    let payload = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let message = message_arg(ctx, stack.get(0), "payload")?;
        let value = match message.payloads.as_slice() {
            [] => Value::Nil,
            [one] => payload_value(ctx, &e, one.clone(), LUA_FORMAT),
            many => {
                let array = Table::new(&ctx);
                for (index, payload) in many.iter().enumerate() {
                    let _ = array.set(
                        ctx,
                        index as i64 + 1,
                        payload_value(ctx, &e, payload.clone(), LUA_FORMAT),
                    );
                }
                array.into()
            }
        };
        stack.replace(ctx, value);
        Ok(CallbackReturn::Return)
    });
    set(ctx, methods, "payload", payload);

    let metatable = Table::new(&ctx);
    set(ctx, metatable, "__index", methods);
    set(ctx, metatable, "__name", "process.Message");
    let tostring = Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let message = message_arg(ctx, stack.get(0), "tostring")?;
        let text = format!("process.Message{{topic={}}}", message.topic);
        stack.replace(ctx, lua_string(ctx, &text));
        Ok(CallbackReturn::Return)
    });
    set(ctx, metatable, "__tostring", tostring);
    metatable
}

fn payload_metatable<'gc>(ctx: Context<'gc>, env: &Rc<Env>) -> Table<'gc> {
    let methods = Table::new(&ctx);
    for name in ["data", "unmarshal"] {
        let e = env.clone();
        let data = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
            let object = payload_arg(ctx, stack.get(0), name)?;
            let value = codec::decode(ctx, &e, &object.payload).map_err(|message| {
                crate::api::invalid(&format!("cannot convert payload: {message}"))
            });
            return_result(ctx, &e, &mut stack, value);
            Ok(CallbackReturn::Return)
        });
        set(ctx, methods, name, data);
    }
    let get_format = Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let object = payload_arg(ctx, stack.get(0), "get_format")?;
        stack.replace(ctx, lua_string(ctx, object.format));
        Ok(CallbackReturn::Return)
    });
    set(ctx, methods, "get_format", get_format);

    let metatable = Table::new(&ctx);
    set(ctx, metatable, "__index", methods);
    set(ctx, metatable, "__name", "payload");
    let tostring = Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let object = payload_arg(ctx, stack.get(0), "tostring")?;
        let text = format!("payload{{format={}}}", object.format);
        stack.replace(ctx, lua_string(ctx, &text));
        Ok(CallbackReturn::Return)
    });
    set(ctx, metatable, "__tostring", tostring);
    metatable
}

/// Builds the `payload` global: `payload.new(v)` and the format names.
pub fn module<'gc>(ctx: Context<'gc>, env: &Rc<Env>) -> Table<'gc> {
    let module = Table::new(&ctx);
    let e = env.clone();
    let new = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let value = stack.get(0);
        let format = if errors::as_error(value).is_some() {
            ERROR_FORMAT
        } else {
            LUA_FORMAT
        };
        let payload = payload_value(ctx, &e, codec::encode(ctx, value), format);
        stack.replace(ctx, payload);
        Ok(CallbackReturn::Return)
    });
    set(ctx, module, "new", new);
    let formats = Table::new(&ctx);
    for (name, format) in [
        ("JSON", "json/plain"),
        ("YAML", "yaml/plain"),
        ("STRING", "text/plain"),
        ("BYTES", "application/octet-stream"),
        ("MSGPACK", "application/msgpack"),
        ("LUA", LUA_FORMAT),
        ("GOLANG", "golang/any"),
        ("ERROR", ERROR_FORMAT),
    ] {
        set(ctx, formats, name, format);
    }
    set(
        ctx,
        module,
        "format",
        crate::lua_std::read_only(ctx, formats),
    );
    module
}
