//! One Lua process: the piccolo state, its coroutines, and the `start`/`run` exports.

use std::collections::VecDeque;
use std::rc::Rc;

use gc_arena::metrics::Pacing;
use piccolo::{
    Context, Error, Executor, ExecutorMode, Fuel, Function, Lua, StashedExecutor, StashedTable,
    Value, Variadic,
};
use rustc_hash::FxHashMap;

use crate::api::errors;
use crate::bindings::{ErrorInfo, ExitResult, StartInfo, Step};
use crate::chunk::CompiledChunk;
use crate::codec;
use crate::env::Env;
use crate::host::{Host, Imports};
use crate::mailbox;
use crate::scheduler::WaitToken;
use crate::stdlib;

type TaskId = u64;

/// A running process.
pub struct Process {
    lua: Lua,
    env: Rc<Env>,
    tasks: FxHashMap<TaskId, StashedExecutor>,
    next_task: TaskId,
    ready: VecDeque<TaskId>,
    /// Which task waits on which operation.
    waiters: FxHashMap<WaitToken, TaskId>,
    memory: MemoryPressure,
}

/// The main coroutine; the process ends when it does.
const MAIN_TASK: TaskId = 0;

/// A Lua state with every global, library and module built, not yet bound to a
/// process: what the `initialize` export builds once so the host can snapshot it, and
/// what each process then starts from.
pub struct Prepared {
    lua: Lua,
    env: Rc<Env>,
    /// Every module an entry may list (see [`stdlib::Shared`]).
    modules: StashedTable,
}

/// The least a process allocates between two garbage collection cycles (see
/// [`Prepared::new`]).
const MIN_GC_SLEEP_BYTES: usize = 512 << 10;

/// When a process collects its garbage in full, as its heap nears its memory ceiling.
///
/// gc-arena's incremental collector, paced for speed, lets garbage grow to about as
/// much again as the live data: a program whose peak Lua 5.4 measures at 10 MiB
/// (`tests/sandbox.rs`) needed 48 MiB, and under a tighter ceiling the process died
/// with room its live data would have fitted in. Lua 5.4 collects in full when an
/// allocation fails; a heap cannot be collected from inside an allocation here, so a
/// full collection runs between two steps once half of the room that was left after
/// the last one is used.
struct MemoryPressure {
    /// Bytes the heap may take: the ceiling less what the memory holds besides it.
    budget: usize,
    /// Heap size after the last full collection (or at the start).
    after_last: usize,
    /// Least growth of the heap between two full collections. It doubles each time
    /// a collection frees less than a quarter of what the heap grew by since the
    /// last, so live data close to the ceiling does not make every step collect.
    min_growth: usize,
}

/// Largest heap collected in full: a collection runs inside one `run` call, which
/// the host stops after 2 s (`SLICE_LIMIT`); larger heaps keep the incremental
/// collector's pacing alone.
const MAX_FULL_COLLECTION_BYTES: usize = 128 << 20;

impl MemoryPressure {
    fn new(memory_limit: u64, lua: &Lua) -> Self {
        let limit = usize::try_from(memory_limit).unwrap_or(usize::MAX);
        let heap = lua.gc_metrics().total_allocation();
        let besides_heap = linear_memory_bytes().saturating_sub(heap);
        MemoryPressure {
            budget: limit.saturating_sub(besides_heap),
            after_last: heap,
            min_growth: MIN_GC_SLEEP_BYTES,
        }
    }

    /// Heap size past which the next full collection runs.
    fn mark(&self) -> usize {
        let room = self.budget.saturating_sub(self.after_last) / 2;
        self.after_last.saturating_add(room.max(self.min_growth))
    }

    /// Collects in full if the heap has grown past the mark.
    fn relieve(&mut self, lua: &mut Lua) {
        let before = lua.gc_metrics().total_allocation();
        if before <= self.mark() || before > MAX_FULL_COLLECTION_BYTES {
            return;
        }
        // `gc_collect` finishes a cycle under way, whose marks keep what died since:
        // one more cycle collects that too.
        let midway = !lua.gc_sleeping();
        lua.gc_collect();
        if midway {
            lua.gc_collect();
        }
        #[cfg(target_arch = "wasm32")]
        crate::allocator::release_kept_blocks();
        let after = lua.gc_metrics().total_allocation();
        let grown = before.saturating_sub(self.after_last);
        self.min_growth = if before.saturating_sub(after) < grown / 4 {
            self.min_growth.saturating_mul(2).min(self.budget)
        } else {
            MIN_GC_SLEEP_BYTES
        };
        self.after_last = after;
    }
}

/// Bytes of linear memory the instance has now; natively (tests) there is none.
fn linear_memory_bytes() -> usize {
    #[cfg(target_arch = "wasm32")]
    {
        crate::allocator::memory_bytes()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

impl Prepared {
    /// Builds the shared state against `host`. It calls no import that depends on
    /// which process runs: the snapshot is taken before any process exists.
    pub fn new(host: Imports) -> Prepared {
        let env = Rc::new(Env::unbound(host));
        let mut lua = Lua::core();
        // Every collection cycle also marks the whole shared state from the snapshot,
        // so a process whose own heap is small collected about every 200 KiB it
        // allocated (gc-arena's pause, half the retained size). At least 512 KiB
        // between cycles: echo tutorial load 7,960 → 8,690 rps (bench/echo.py). Lua
        // 5.4's own pause (collect when the heap has doubled) gave the same there but
        // made `bench/lua/tables.lua` 10% slower; larger heaps keep gc-arena's pause.
        lua.gc_metrics()
            .set_pacing(Pacing::default().with_min_sleep(MIN_GC_SLEEP_BYTES));
        let modules = lua.enter(|ctx| ctx.stash(stdlib::install_shared(ctx, &env).modules));
        // Drops what building the state left as garbage, so the snapshot holds only
        // live objects and every process starts with the collector asleep.
        lua.gc_collect();
        // A process's new strings go into an intern table of its own, not into the
        // snapshot's (vendor/README.md).
        lua.enter(|ctx| ctx.interned_strings().seal());
        Prepared { lua, env, modules }
    }

    /// Moves the parts of the shared state that every process writes into fresh
    /// allocations: the globals' entries (a process's `modules:` are set there) and
    /// gc-arena's list of stashed roots (each process stashes its coroutines). The
    /// component calls it once its heap is sealed (`allocator::seal`), so they move
    /// to the first page of the process heap, which every process writes anyway,
    /// instead of each process copying two pages of the snapshot for them.
    pub fn relocate_process_writes(&mut self) {
        self.lua.enter(|ctx| ctx.globals().relocate(&ctx));
        // The list only moves when a stash finds it full (gc-arena offers nothing
        // else): stash placeholders until one of them grew it.
        let external = |lua: &Lua| lua.gc_metrics().total_external_allocation();
        let mut placeholders = Vec::new();
        while placeholders.len() < MAX_ROOT_PLACEHOLDERS {
            let before = external(&self.lua);
            placeholders.push(self.lua.enter(|ctx| ctx.stash(ctx.globals())));
            if external(&self.lua).saturating_sub(before) > size_of::<piccolo::Table>() {
                break;
            }
        }
        drop(placeholders);
        // Their handles leave the list when a collection next goes through it.
        self.lua.gc_collect();
    }
}

/// Placeholders [`Prepared::relocate_process_writes`] stashes at most; the list holds
/// a few dozen roots when the shared state is built.
const MAX_ROOT_PLACEHOLDERS: usize = 4096;

/// A process whose chunk's top level is running (process.md §3). The host runs it in
/// slices, like `run`, so a long top level can be moved off the scheduler thread.
pub struct Starting {
    lua: Lua,
    env: Rc<Env>,
    top_level: StashedExecutor,
    method: String,
    args: Vec<crate::bindings::Payload>,
    memory_limit: u64,
}

impl Starting {
    /// Binds `prepared` to this process (PID, entry, listed modules) and loads the
    /// chunk, compiling it if the host has no compiled copy. `math.random` seeds
    /// itself on first use, so each process draws its own sequence.
    pub fn new(prepared: Prepared, info: StartInfo) -> Result<Starting, ErrorInfo> {
        let Prepared {
            mut lua,
            env,
            modules,
        } = prepared;
        env.bind(info.entry_id.clone(), env.host.self_pid());
        lua.enter(|ctx| stdlib::expose_modules(ctx, ctx.fetch(&modules), &info.modules));
        // Dropping the handle would write its reference count, which lives in a page
        // of the snapshot, and copy that page into the process; what it holds stays
        // alive either way.
        std::mem::forget(modules);

        let compiled = match info.compiled.as_deref().and_then(CompiledChunk::decode) {
            Some(compiled) => compiled,
            None => {
                let compiled = CompiledChunk::compile(&info.entry_id, info.source.as_bytes())
                    .map_err(script_failed)?;
                env.host.chunk_compiled(&compiled.encode());
                compiled
            }
        };
        let top_level = lua
            .enter(|ctx| {
                let closure = compiled.load(ctx, &info.entry_id)?;
                Ok(ctx.stash(Executor::start(ctx, closure.into(), ())))
            })
            .map_err(script_failed)?;
        Ok(Starting {
            lua,
            env,
            top_level,
            method: info.method,
            args: info.args,
            memory_limit: info.memory_limit,
        })
    }

    /// Runs the top level for at most `budget` VM steps; `true` once it has ended.
    /// It must not block (manifest.md §3).
    pub fn run_top_level(&mut self, budget: u32) -> Result<bool, ErrorInfo> {
        let mut remaining = i64::from(budget);
        while remaining > 0 {
            let slice =
                i32::try_from(remaining.min(i64::from(FUEL_PER_ENTER))).unwrap_or(FUEL_PER_ENTER);
            let (done, left) = self.lua.enter(|ctx| {
                let mut fuel = Fuel::with(slice);
                let done = ctx.fetch(&self.top_level).step(ctx, &mut fuel);
                (done, fuel.remaining())
            });
            if done {
                return Ok(true);
            }
            if self.env.scheduler.borrow_mut().take_blocked_on().is_some() {
                return Err(internal(
                    "failed to execute script: the top level of a process chunk must not block"
                        .into(),
                ));
            }
            remaining -= i64::from((slice - left).max(1));
        }
        Ok(false)
    }

    /// Resolves `method` in what the ended top level returned and prepares it, with
    /// the spawn's arguments, as the main coroutine.
    pub fn finish(self) -> Result<Process, ErrorInfo> {
        let Starting {
            mut lua,
            env,
            top_level,
            method,
            args,
            memory_limit,
        } = self;
        let main = lua.enter(|ctx| -> Result<StashedExecutor, ErrorInfo> {
            let returned = ctx
                .fetch(&top_level)
                .take_result::<Value>(ctx)
                .map_err(|e| internal(e.to_string()))?
                .map_err(|e| failure_info(e, "failed to execute script: "))?;
            let function = main_function(ctx, returned, &method)?;
            let mut decoded = Vec::with_capacity(args.len());
            for payload in &args {
                decoded.push(codec::decode(ctx, &env, payload).map_err(internal)?);
            }
            Ok(ctx.stash(Executor::start(ctx, function, Variadic(decoded))))
        })?;

        let mut tasks = FxHashMap::default();
        tasks.insert(MAIN_TASK, main);
        let memory = MemoryPressure::new(memory_limit, &lua);
        Ok(Process {
            lua,
            env,
            tasks,
            next_task: MAIN_TASK + 1,
            ready: VecDeque::from([MAIN_TASK]),
            waiters: FxHashMap::default(),
            memory,
        })
    }
}

/// A chunk that failed to compile or load.
fn script_failed(error: String) -> ErrorInfo {
    internal(format!("failed to execute script: {error}"))
}

impl Process {
    /// Builds the Lua state, then starts the process in it (see [`Process::start_prepared`]).
    pub fn start(host: Imports, info: StartInfo) -> Result<Process, ErrorInfo> {
        Process::start_prepared(Prepared::new(host), info)
    }

    /// Binds `prepared` to this process and runs the chunk's top level to its end
    /// (see [`Starting`]).
    pub fn start_prepared(prepared: Prepared, info: StartInfo) -> Result<Process, ErrorInfo> {
        let mut starting = Starting::new(prepared, info)?;
        while !starting.run_top_level(u32::MAX)? {}
        starting.finish()
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
            self.memory.relieve(&mut self.lua);
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

/// Piccolo fuel per `enter` while running a chunk's top level.
const FUEL_PER_ENTER: i32 = 8192;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{FakeHost, ProcessRun, SELF_PID};

    /// Prepares a state, lets `between` change the host, then starts `source` as
    /// entry `entry_id` with `modules` and runs it to its end.
    fn run_prepared(
        entry_id: &str,
        modules: &[&str],
        source: &str,
        between: impl FnOnce(&FakeHost),
    ) -> String {
        run_compiled(entry_id, modules, source, None, between).0
    }

    /// [`run_prepared`] with `compiled` in the start info; also the chunks the
    /// process handed over.
    fn run_compiled(
        entry_id: &str,
        modules: &[&str],
        source: &str,
        compiled: Option<Vec<u8>>,
        between: impl FnOnce(&FakeHost),
    ) -> (String, Vec<Vec<u8>>) {
        let host = FakeHost::default();
        let mut prepared = Prepared::new(Box::new(host.clone()));
        prepared.relocate_process_writes();
        between(&host);
        let info = StartInfo {
            entry_id: entry_id.into(),
            source: source.into(),
            method: "main".into(),
            modules: modules.iter().map(|name| name.to_string()).collect(),
            args: Vec::new(),
            compiled,
            memory_limit: u64::MAX,
        };
        let exit = match Process::start_prepared(prepared, info) {
            Ok(mut process) => loop {
                if let Step::Finished(exit) = process.run(10_000) {
                    break exit;
                }
            },
            Err(error) => ExitResult::Failure(error),
        };
        let offered = host.0.borrow().compiled_chunks.clone();
        let outcome = ProcessRun {
            exit: Some(exit),
            host: host.0.clone(),
        }
        .outcome();
        (outcome, offered)
    }

    /// After `seal` (done once the shared state is built) a string is still interned
    /// once: those from before are found, new ones are kept in the process's own
    /// table and found again, and both work as the same table keys as before.
    #[test]
    fn a_sealed_intern_set_still_interns_each_string_once() {
        let mut lua = Lua::core();
        lua.enter(|ctx| {
            let same = |a: piccolo::String, b: piccolo::String| {
                std::ptr::eq(a.as_bytes().as_ptr(), b.as_bytes().as_ptr())
            };
            let before = ctx.intern(b"interned before the seal");
            let table = piccolo::Table::new(&ctx);
            table.set(ctx, before, 1).unwrap();
            ctx.interned_strings().seal();
            let after = ctx.intern(b"interned after the seal");
            table.set(ctx, after, 2).unwrap();
            assert!(same(before, ctx.intern(b"interned before the seal")));
            assert!(same(after, ctx.intern(b"interned after the seal")));
            let value = |key: &'static str| match table.get(ctx, key) {
                Value::Integer(n) => n,
                _ => 0,
            };
            assert_eq!(
                (
                    value("interned before the seal"),
                    value("interned after the seal")
                ),
                (1, 2)
            );
        });
    }

    /// The chunk an entry's first process hands over runs in a later process as its
    /// source would: same results, same error locations and variable names, same
    /// traceback; the later process compiles nothing, and bytes that are not a chunk
    /// are ignored in favour of the source.
    #[test]
    fn a_later_process_runs_the_chunk_the_first_one_compiled() {
        let source = "local label: string = 'sum'
            local function add(a: number, b: number): number return a + b end
            return { main = function()
                local ok, err = pcall(function() local msg = nil; return msg.x end)
                local trace = errors.call_stack(errors.new('x'))
                return label .. '=' .. add(2, 3) .. ' ' .. tostring(err) .. ' '
                    .. trace.frames[1].source .. ':' .. trace.frames[1].line
            end }";
        let (first, offered) = run_compiled("app:calc", &[], source, None, |_| {});
        assert_eq!(
            first,
            "sum=5 app:calc:4: attempt to index a nil value (local 'msg') app:calc:5"
        );
        assert_eq!(offered.len(), 1);
        let chunk = offered[0].clone();
        let (later, offered) = run_compiled("app:calc", &[], source, Some(chunk), |_| {});
        assert_eq!((later.as_str(), offered.len()), (first.as_str(), 0));
        let (garbled, offered) = run_compiled(
            "app:calc",
            &[],
            source,
            Some(b"not a chunk".to_vec()),
            |_| {},
        );
        assert_eq!((garbled.as_str(), offered.len()), (first.as_str(), 1));
    }

    /// A top level run in slices ends where one run to its end does: each slice
    /// keeps to its budget, and `main` then sees what the whole top level built.
    #[test]
    fn a_top_level_run_in_slices_ends_as_one_run_to_its_end() {
        let source = "local sum = 0
            for i = 1, 100000 do sum = sum + i end
            return { main = function() return 'sum=' .. sum end }";
        let host = FakeHost::default();
        let info = StartInfo {
            entry_id: "app:slices".into(),
            source: source.into(),
            method: "main".into(),
            modules: Vec::new(),
            args: Vec::new(),
            compiled: None,
            memory_limit: u64::MAX,
        };
        let mut starting = Starting::new(Prepared::new(Box::new(host.clone())), info).unwrap();
        let mut slices = 1;
        while !starting.run_top_level(1_000).unwrap() {
            slices += 1;
        }
        assert!(slices > 10, "the loop took {slices} slices of 1,000 steps");
        let mut process = starting.finish().unwrap();
        let exit = loop {
            if let Step::Finished(exit) = process.run(10_000) {
                break exit;
            }
        };
        let run = ProcessRun {
            exit: Some(exit),
            host: host.0.clone(),
        };
        assert_eq!(
            run.outcome(),
            run_prepared("app:slices", &[], source, |_| {})
        );
        assert_eq!(run.outcome(), "sum=5000050000");
    }

    #[test]
    fn a_prepared_state_takes_the_identity_of_the_process_it_starts() {
        let source = r#"
            return { main = function() return process.pid() .. " " .. process.id() end }
        "#;
        assert_eq!(
            run_prepared("app:other", &[], source, |_| {}),
            format!("{SELF_PID} app:other")
        );
    }

    #[test]
    fn only_the_listed_modules_become_globals_and_stay_read_only() {
        let source = r#"
            return { main = function()
                local changed = pcall(function() json.extra = 1 end)
                return tostring(io) .. " " .. type(json) .. " " .. type(logger) .. " "
                    .. tostring(pcall(require, "time")) .. " " .. tostring(changed)
            end }
        "#;
        assert_eq!(
            run_prepared("app:test", &["json", "logger", "process"], source, |_| {}),
            "nil table userdata false false"
        );
    }

    #[test]
    fn os_clock_counts_from_the_start_not_from_the_preparation() {
        let source = "return { main = function() return os.clock() end }";
        let hour = 3_600 * 1_000_000_000;
        assert_eq!(
            run_prepared("app:test", &[], source, |host| host.0.borrow_mut().now =
                hour),
            "0.0"
        );
    }

    #[test]
    fn processes_draw_different_random_numbers_without_randomseed() {
        let source = "return { main = function() return math.random(1, 1 << 62) end }";
        let first = run_prepared("app:test", &[], source, |_| {});
        let second = run_prepared("app:test", &[], source, |_| {});
        assert_ne!(first, second);
    }
}
