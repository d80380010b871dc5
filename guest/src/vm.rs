//! One Lua process: the piccolo state, its coroutines, and the `start`/`run` exports.

use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use piccolo::{
    Closure, Context, Error, Executor, ExecutorMode, Fuel, Function, Lua, StashedExecutor, Value,
    Variadic,
};

use crate::api::errors;
use crate::bindings::{ErrorInfo, ExitResult, StartInfo, Step};
use crate::codec;
use crate::env::Env;
use crate::host::Host;
use crate::mailbox;
use crate::scheduler::WaitToken;
use crate::stdlib;
use crate::typed_lua;

type TaskId = u64;

/// A running process.
pub struct Process {
    lua: Lua,
    env: Rc<Env>,
    tasks: HashMap<TaskId, StashedExecutor>,
    next_task: TaskId,
    ready: VecDeque<TaskId>,
    /// Which task waits on which operation.
    waiters: HashMap<WaitToken, TaskId>,
}

/// The main coroutine; the process ends when it does.
const MAIN_TASK: TaskId = 0;

impl Process {
    /// Builds the Lua state, runs the chunk's top level and prepares `method` as the main
    /// coroutine (process.md §3).
    pub fn start(host: Box<dyn Host>, info: StartInfo) -> Result<Process, ErrorInfo> {
        let pid = host.self_pid();
        let env = Rc::new(Env::new(host, info.entry_id.clone(), pid));
        let mut lua = Lua::core();
        lua.enter(|ctx| stdlib::install(ctx, &env, &info.modules));

        let source = typed_lua::erase(&info.entry_id, info.source.as_bytes())
            .map_err(|e| internal(format!("failed to execute script: {e}")))?;
        let chunk = lua
            .try_enter(|ctx| {
                let closure = Closure::load(ctx, Some(&info.entry_id), &*source)?;
                Ok(ctx.stash(Executor::start(ctx, closure.into(), ())))
            })
            .map_err(|e| internal(format!("failed to execute script: {e}")))?;
        run_to_completion(&mut lua, &env, &chunk)?;

        let main = lua.enter(|ctx| -> Result<StashedExecutor, ErrorInfo> {
            let returned = ctx
                .fetch(&chunk)
                .take_result::<Value>(ctx)
                .map_err(|e| internal(e.to_string()))?
                .map_err(|e| failure_info(e, "failed to execute script: "))?;
            let function = main_function(ctx, returned, &info.method)?;
            let mut args = Vec::with_capacity(info.args.len());
            for payload in &info.args {
                args.push(codec::decode(ctx, &env, payload).map_err(internal)?);
            }
            Ok(ctx.stash(Executor::start(ctx, function, Variadic(args))))
        })?;

        let mut tasks = HashMap::new();
        tasks.insert(MAIN_TASK, main);
        Ok(Process {
            lua,
            env,
            tasks,
            next_task: MAIN_TASK + 1,
            ready: VecDeque::from([MAIN_TASK]),
            waiters: HashMap::new(),
        })
    }

    /// Runs ready coroutines for at most `budget` VM steps (piccolo fuel).
    pub fn run(&mut self, budget: u32) -> Step {
        let mut remaining = i32::try_from(budget).unwrap_or(i32::MAX).max(1);
        // Signals are routed on every call, so even a process that never idles sees a
        // LINK_DOWN or a message, and again whenever every coroutine waits.
        if let Some(failure) = self.route() {
            return Step::Finished(ExitResult::Failure(failure));
        }
        let mut routed = true;
        loop {
            self.adopt_spawned();
            self.wake_completed();
            let Some(task) = self.ready.pop_front() else {
                // Idle: see whether the mailbox or a timer has something for a waiting
                // coroutine; if nothing wakes, the host sleeps until the next signal.
                if routed {
                    return Step::Waiting;
                }
                routed = true;
                if let Some(failure) = self.route() {
                    return Step::Finished(ExitResult::Failure(failure));
                }
                continue;
            };
            if remaining <= 0 {
                self.ready.push_front(task);
                return Step::Runnable;
            }
            routed = false;
            let Some(executor) = self.tasks.get(&task).cloned() else {
                continue;
            };
            let (done, left) = self.lua.enter(|ctx| {
                let mut fuel = Fuel::with(remaining);
                let done = ctx.fetch(&executor).step(ctx, &mut fuel);
                (done, fuel.remaining())
            });
            remaining = left;
            // Coroutines this step woke run before the stepped one continues.
            self.wake_completed();
            let blocked_on = self.env.scheduler.borrow_mut().take_blocked_on();
            if done {
                match self.task_stopped(task, &executor) {
                    TaskEnd::Yielded => self.ready.push_back(task),
                    TaskEnd::Returned => {}
                    TaskEnd::ProcessEnds(exit) => return Step::Finished(exit),
                }
            } else if let Some(token) = blocked_on {
                if self.env.scheduler.borrow().is_complete(token) {
                    self.ready.push_back(task);
                } else {
                    self.waiters.insert(token, task);
                }
            } else if self.env.scheduler.borrow().has_spawned() {
                self.ready.push_front(task);
            } else {
                self.ready.push_back(task);
            }
        }
    }

    /// Routes the mailbox (see [`mailbox::route`]). Returns the error the process must
    /// die with, if a signal kills it.
    fn route(&mut self) -> Option<ErrorInfo> {
        let env = &self.env;
        self.lua.enter(|ctx| mailbox::route(ctx, env))
    }

    /// Moves tasks whose operation completed from waiting to ready.
    fn wake_completed(&mut self) {
        let woken = self.env.scheduler.borrow_mut().take_woken();
        for token in woken {
            if let Some(task) = self.waiters.remove(&token) {
                self.ready.push_back(task);
            }
        }
    }

    fn adopt_spawned(&mut self) {
        let spawned = self.env.scheduler.borrow_mut().take_spawned();
        // New coroutines run, in creation order, before the spawner continues
        // (channel.md §3); the spawner was put back at the front already.
        for executor in spawned.into_iter().rev() {
            let id = self.next_task;
            self.next_task += 1;
            self.tasks.insert(id, executor);
            self.ready.push_front(id);
        }
    }

    /// Handles a task whose executor stopped stepping: it yielded, returned or raised.
    fn task_stopped(&mut self, task: TaskId, executor: &StashedExecutor) -> TaskEnd {
        let end = self.lua.enter(|ctx| {
            let executor = ctx.fetch(executor);
            let result = executor.take_result::<Variadic<Vec<Value>>>(ctx);
            // `coroutine.yield()` at a task's top level hands its values out as a
            // result and leaves the executor suspended: it only gives the other
            // ready coroutines a turn (channel.md §3).
            if executor.mode() == ExecutorMode::Suspended {
                let _ = executor.resume(ctx, ());
                return TaskEnd::Yielded;
            }
            match result {
                Ok(Ok(values)) if task == MAIN_TASK => {
                    TaskEnd::ProcessEnds(exit_from_returns(ctx, &values.0))
                }
                Ok(Ok(_)) => TaskEnd::Returned,
                Ok(Err(error)) => {
                    TaskEnd::ProcessEnds(ExitResult::Failure(failure_info(error, "")))
                }
                Err(mode) => TaskEnd::ProcessEnds(ExitResult::Failure(internal(mode.to_string()))),
            }
        });
        if !matches!(end, TaskEnd::Yielded) {
            self.tasks.remove(&task);
        }
        end
    }
}

/// How a task's executor stopped.
enum TaskEnd {
    /// `coroutine.yield()`: it runs again after the other ready tasks.
    Yielded,
    /// A spawned coroutine returned; the process goes on.
    Returned,
    /// `main` ended, or a coroutine raised: the process ends.
    ProcessEnds(ExitResult),
}

/// Runs the chunk's top level, which must not block (manifest.md §3).
fn run_to_completion(
    lua: &mut Lua,
    env: &Env,
    executor: &StashedExecutor,
) -> Result<(), ErrorInfo> {
    const FUEL_PER_ENTER: i32 = 8192;
    loop {
        let done = lua.enter(|ctx| {
            let mut fuel = Fuel::with(FUEL_PER_ENTER);
            ctx.fetch(executor).step(ctx, &mut fuel)
        });
        if done {
            return Ok(());
        }
        if env.scheduler.borrow_mut().take_blocked_on().is_some() {
            return Err(internal(
                "failed to execute script: the top level of a process chunk must not block".into(),
            ));
        }
    }
}

/// The function the chunk designates: `chunk[method]`, or the chunk's returned function.
fn main_function<'gc>(
    ctx: Context<'gc>,
    returned: Value<'gc>,
    method: &str,
) -> Result<Function<'gc>, ErrorInfo> {
    let found = match returned {
        Value::Function(function) => Some(function),
        Value::Table(table) => match table.get(ctx, ctx.intern(method.as_bytes())) {
            Value::Function(function) => Some(function),
            _ => None,
        },
        _ => None,
    };
    found.ok_or_else(|| ErrorInfo {
        kind: "NotFound".into(),
        message: format!("method \"{method}\" not found in module"),
        retryable: Some(false),
    })
}

/// The result of `return v1, v2, ...` from `main` (process.md §3.5).
fn exit_from_returns<'gc>(ctx: Context<'gc>, values: &[Value<'gc>]) -> ExitResult {
    match values.get(1) {
        Some(Value::String(message)) => ExitResult::Failure(ErrorInfo {
            kind: "Internal".into(),
            message: message.to_str_lossy().into_owned(),
            retryable: Some(false),
        }),
        Some(value @ Value::UserData(_)) if errors::as_error(*value).is_some() => {
            ExitResult::Failure(errors::info_from_value(*value))
        }
        _ => ExitResult::Value(codec::encode(
            ctx,
            values.first().copied().unwrap_or(Value::Nil),
        )),
    }
}

/// The error a raised Lua error stands for.
fn failure_info(error: Error<'_>, prefix: &str) -> ErrorInfo {
    let mut info = match error {
        Error::Lua(value) => errors::info_from_value(value.0),
        Error::Runtime(error) => internal(error.to_string()),
    };
    info.message = format!("{prefix}{}", info.message);
    info
}

/// An `Internal` error with `message`.
pub fn internal(message: String) -> ErrorInfo {
    ErrorInfo {
        kind: "Internal".into(),
        message,
        retryable: None,
    }
}
