//! The globals every process gets, and the modules its entry lists (manifest.md §3.1).

use crate::host::Host;
use std::rc::Rc;

use piccolo::{Callback, CallbackReturn, Context, Executor, IntoValue, Table, Thread, Value};

use crate::api::{self, channel, errors, io, payload, process, set, text_or_empty, time};
use crate::bindings::{Level, LogRecord};
use crate::env::Env;
use crate::lua_std::read_only;

/// Installs the globals, then the listed modules.
pub fn install(ctx: Context<'_>, env: &Rc<Env>, modules: &[String]) {
    let shared = install_shared(ctx, env);
    expose_modules(ctx, shared.modules, modules);
}

/// What [`install_shared`] builds that process code cannot reach: each process picks
/// from it when it starts.
pub struct Shared<'gc> {
    /// Every module an entry may list, already read-only, by name.
    pub modules: Table<'gc>,
}

/// Installs every global, builds every module and seals the library and module
/// tables: everything that does not depend on which process runs, so it can be
/// built once and snapshotted (see `vm::Prepared`).
pub fn install_shared<'gc>(ctx: Context<'gc>, env: &Rc<Env>) -> Shared<'gc> {
    let globals = ctx.globals();
    crate::lua_std::install(ctx, env);
    errors::install(ctx, env);
    set(ctx, globals, "process", process::module(ctx, env));
    set(ctx, globals, "channel", channel::module(ctx, env));
    set(ctx, globals, "payload", payload::module(ctx, env));
    install_coroutine_spawn(ctx, env);
    install_print(ctx, env);
    install_require(ctx);
    crate::lua_std::seal_globals(ctx, crate::lua_std::LIBRARY_TABLES);
    crate::lua_std::seal_globals(ctx, WIPPY_TABLES);

    let modules = Table::new(&ctx);
    let built: [(&str, Value<'gc>); 4] = [
        ("io", io::module(ctx, env).into()),
        ("time", time::module(ctx, env).into()),
        ("json", api::json::module(ctx, env).into()),
        ("logger", api::logger::module(ctx, env)),
    ];
    for (name, module) in built {
        let module = match module {
            Value::Table(table) if WIPPY_TABLES.contains(&name) => read_only(ctx, table).into(),
            module => module,
        };
        set(ctx, modules, name, module);
    }
    Shared { modules }
}

/// Makes the `modules` an entry lists globals. Other names are globals that manifests
/// may list harmlessly (`process`, `channel`, ...).
pub fn expose_modules<'gc>(ctx: Context<'gc>, modules: Table<'gc>, names: &[String]) {
    for name in names {
        let module = modules.get(ctx, ctx.intern(name.as_bytes()));
        if !module.is_nil() {
            set(ctx, ctx.globals(), name, module);
        }
    }
}

/// The Wippy globals and modules whose tables process code may not change
/// (manifest.md §3.1; process.md §2).
const WIPPY_TABLES: &[&str] = &[
    "process", "channel", "errors", "payload", "io", "time", "json",
];

/// `coroutine.spawn(fn)`: a new scheduler-managed coroutine (channel.md §3).
fn install_coroutine_spawn(ctx: Context<'_>, env: &Rc<Env>) {
    let Value::Table(coroutine) = ctx.globals().get(ctx, "coroutine") else {
        return;
    };
    let env = env.clone();
    let spawn = Callback::from_fn(&ctx, move |ctx, mut exec, mut stack| {
        let Value::Function(function) = stack.get(0) else {
            return Err("bad argument #1 to 'spawn' (function expected)"
                .into_value(ctx)
                .into());
        };
        let thread = Thread::new(ctx);
        thread
            .start(ctx, function, ())
            .map_err(|e| e.to_string().into_value(ctx))?;
        let executor = Executor::run(&ctx, thread);
        env.scheduler.borrow_mut().push_spawned(ctx.stash(executor));
        // The spawner stops here so the new coroutine runs first (channel.md §3).
        exec.fuel().interrupt();
        stack.replace(ctx, thread);
        Ok(CallbackReturn::Return)
    });
    set(ctx, coroutine, "spawn", spawn);
}

/// `print(...)`: an INFO log record, never stdout (logger.md §4).
fn install_print(ctx: Context<'_>, env: &Rc<Env>) {
    let env = env.clone();
    let print = Callback::from_fn(&ctx, move |_, exec, mut stack| {
        if env.host.log_enabled(Level::Info) {
            let texts: Vec<String> = (0..stack.len())
                .map(|i| String::from_utf8_lossy(&text_or_empty(stack.get(i))).into_owned())
                .collect();
            let location = exec
                .upper_lua_frame()
                .map(|frame| format!("{}:{}", frame.chunk_name.to_str_lossy(), frame.current_line));
            env.host.log(&LogRecord {
                level: Level::Info,
                message: texts.join(" "),
                logger_name: None,
                location,
                context: Vec::new(),
                fields: Vec::new(),
            });
        }
        stack.clear();
        Ok(CallbackReturn::Return)
    });
    set(ctx, ctx.globals(), "print", print);
}

/// `require(name)`: the global `name`, which exists only when listed (manifest.md §3.1).
fn install_require(ctx: Context<'_>) {
    let require = Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let name = api::display(stack.get(0));
        match ctx.globals().get(ctx, ctx.intern(name.as_bytes())) {
            Value::Nil => Err(format!("module '{name}' not found").into_value(ctx).into()),
            module => {
                stack.replace(ctx, module);
                Ok(CallbackReturn::Return)
            }
        }
    });
    set(ctx, ctx.globals(), "require", require);
}
