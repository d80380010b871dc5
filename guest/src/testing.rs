//! An in-memory host for native tests of the guest's logic.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use piccolo::{Callback, CallbackReturn, Closure, Context, Executor, Fuel, Lua, Value, Variadic};

use crate::bindings::{
    ErrorInfo, ExitResult, Level, LogRecord, Message, Output, Payload, Signal, SpawnOptions,
    StartInfo, Step,
};
use crate::env::Env;
use crate::host::Host;

/// What the fake host saw, shared with the test.
#[derive(Default)]
pub struct Recorded {
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// The mailbox: signals the process takes with `next_signal`.
    pub signals: VecDeque<Signal>,
    /// Armed timers: ID → deadline on the virtual clock `now`.
    pub timers: BTreeMap<u64, i64>,
    /// Messages sent to anyone but this process: destination, topic, payloads.
    pub sent: Vec<(String, String, Vec<Payload>)>,
    /// Whether the process took messages on its last `next_signal` (it stops while
    /// its own backlog is full).
    pub taking_messages: bool,
    /// Signals that arrive one at a time, whenever the process waits with nothing
    /// queued, before the clock moves on to a timer.
    pub later: VecDeque<Signal>,
    /// Children spawned: entry ID, PID given.
    pub spawned: Vec<(String, String)>,
    /// How many terminal reads the process started.
    pub line_requests: usize,
    /// Log records, in order.
    pub logs: Vec<LogRecord>,
    /// What `timer.now` answers: nanoseconds since the Unix epoch.
    pub now: i64,
    /// Compiled chunks the process handed over (`chunk_compiled`).
    pub compiled_chunks: Vec<Vec<u8>>,
}

/// The PID of the process under test.
pub const SELF_PID: &str = "{app:test|0x00001}";

/// A host whose terminal is a buffer, whose mailbox the test fills and whose clock is
/// virtual: time advances only to the next timer, when the process waits.
#[derive(Clone, Default)]
pub struct FakeHost(pub Rc<RefCell<Recorded>>);

fn unsupported() -> ErrorInfo {
    ErrorInfo {
        kind: "Internal".into(),
        message: "not supported by the test host".into(),
        retryable: None,
    }
}

impl Host for FakeHost {
    fn write(&self, stream: Output, data: &[u8]) -> Result<(), ErrorInfo> {
        if let Output::Stdout = stream {
            self.0.borrow_mut().stdout.extend_from_slice(data);
        }
        Ok(())
    }
    fn flush(&self) -> Result<(), ErrorInfo> {
        Ok(())
    }
    fn request_line(&self) -> Result<(), ErrorInfo> {
        self.0.borrow_mut().line_requests += 1;
        Ok(())
    }
    fn request_read(&self, _max: u32) -> Result<(), ErrorInfo> {
        self.request_line()
    }
    fn args(&self) -> Vec<String> {
        vec!["a".into(), "b".into()]
    }
    fn log_enabled(&self, _level: Level) -> bool {
        true
    }
    fn log(&self, record: &LogRecord) {
        self.0.borrow_mut().logs.push(record.clone());
    }
    fn self_pid(&self) -> String {
        SELF_PID.into()
    }
    fn entry_id(&self) -> String {
        "app:test".into()
    }
    fn spawn(
        &self,
        entry: &str,
        _: &str,
        _: &[Payload],
        _: SpawnOptions,
    ) -> Result<String, ErrorInfo> {
        let mut recorded = self.0.borrow_mut();
        let pid = format!("{{app:test|0x{:05x}}}", recorded.spawned.len() + 2);
        recorded.spawned.push((entry.to_string(), pid.clone()));
        Ok(pid)
    }
    fn terminate(&self, _: &str) -> Result<(), ErrorInfo> {
        Err(unsupported())
    }
    fn cancel(&self, _: &str, _: &str) -> Result<(), ErrorInfo> {
        Err(unsupported())
    }
    fn report_panic(&self, _: &str) {}
    fn chunk_compiled(&self, chunk: &[u8]) {
        self.0.borrow_mut().compiled_chunks.push(chunk.to_vec());
    }
    fn send(&self, dest: &str, topic: &str, payloads: &[Payload]) -> Result<(), ErrorInfo> {
        let mut recorded = self.0.borrow_mut();
        if dest == SELF_PID {
            recorded.signals.push_back(Signal::Message(Message {
                from: SELF_PID.into(),
                topic: topic.into(),
                payloads: payloads.to_vec(),
            }));
        } else {
            recorded
                .sent
                .push((dest.into(), topic.into(), payloads.to_vec()));
        }
        Ok(())
    }
    fn next_signal(&self, messages: bool) -> Option<Signal> {
        let mut recorded = self.0.borrow_mut();
        recorded.taking_messages = messages;
        let index = recorded
            .signals
            .iter()
            .position(|signal| messages || !matches!(signal, Signal::Message(_)))?;
        recorded.signals.remove(index)
    }
    fn register(&self, _: &str, _: Option<&str>) -> Result<(), ErrorInfo> {
        Err(unsupported())
    }
    fn lookup(&self, _: &str) -> Result<String, ErrorInfo> {
        Err(unsupported())
    }
    fn unregister(&self, _: &str) -> bool {
        false
    }
    fn monitor(&self, _: &str) -> Result<(), ErrorInfo> {
        Err(unsupported())
    }
    fn unmonitor(&self, _: &str) -> Result<(), ErrorInfo> {
        Err(unsupported())
    }
    fn link(&self, _: &str) -> Result<(), ErrorInfo> {
        Err(unsupported())
    }
    fn unlink(&self, _: &str) -> Result<(), ErrorInfo> {
        Err(unsupported())
    }
    fn timer_start(&self, id: u64, nanoseconds: u64) {
        let mut recorded = self.0.borrow_mut();
        let deadline = recorded.now.saturating_add(nanoseconds as i64);
        recorded.timers.insert(id, deadline);
    }
    fn timer_cancel(&self, id: u64) -> bool {
        self.0.borrow_mut().timers.remove(&id).is_some()
    }
    fn now(&self) -> i64 {
        self.0.borrow().now
    }
    fn local_offset(&self, _: i64) -> (i32, String) {
        (0, "UTC".into())
    }
}

/// Runs `f` inside a Lua state with the standard globals and a fake host.
pub fn with_ctx<R>(f: impl for<'gc> FnOnce(Context<'gc>, &Rc<Env>) -> R) -> R {
    let env = Rc::new(Env::new(
        Box::new(FakeHost::default()),
        "app:test".into(),
        SELF_PID.into(),
    ));
    let mut lua = Lua::core();
    lua.enter(|ctx| {
        crate::stdlib::install(ctx, &env, &[]);
        f(ctx, &env)
    })
}

/// Runs a non-blocking chunk and returns its results as tab-separated `tostring`s.
/// The chunk can call `__roundtrip(v)`, which encodes and decodes `v`.
pub fn run_lua(source: &str) -> String {
    let env = Rc::new(Env::new(
        Box::new(FakeHost::default()),
        "app:test".into(),
        SELF_PID.into(),
    ));
    let mut lua = Lua::core();
    let executor = lua.enter(|ctx| {
        crate::stdlib::install(ctx, &env, &[]);
        let roundtrip_env = env.clone();
        let roundtrip = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
            let payload = crate::codec::encode(ctx, stack.get(0));
            let value = crate::codec::decode(ctx, &roundtrip_env, &payload)
                .map_err(|e| crate::api::lua_string(ctx, &e))?;
            stack.replace(ctx, value);
            Ok(CallbackReturn::Return)
        });
        crate::api::set(ctx, ctx.globals(), "__roundtrip", roundtrip);
        let closure =
            Closure::load(ctx, Some("test"), source.as_bytes()).expect("test chunk compiles");
        ctx.stash(Executor::start(ctx, closure.into(), ()))
    });
    while !lua.enter(|ctx| ctx.fetch(&executor).step(ctx, &mut Fuel::with(4096))) {}
    lua.enter(|ctx| {
        let values = ctx
            .fetch(&executor)
            .take_result::<Variadic<Vec<Value>>>(ctx)
            .expect("finished")
            .expect("test chunk runs without error");
        values
            .0
            .iter()
            .map(|v| crate::api::display(*v))
            .collect::<Vec<_>>()
            .join("\t")
    })
}

/// How a process run by [`run_process`] ended.
pub struct ProcessRun {
    /// The exit result, or `None` if every coroutine waited with nothing left to wake it.
    pub exit: Option<ExitResult>,
    /// Everything the host saw.
    pub host: Rc<RefCell<Recorded>>,
}

impl ProcessRun {
    /// What the process wrote to stdout.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.host.borrow().stdout).into_owned()
    }

    /// The exit value as text, or the failure message prefixed with `error: `.
    pub fn outcome(&self) -> String {
        match &self.exit {
            None => "deadlock".into(),
            Some(ExitResult::Value(payload)) => with_ctx(|ctx, env| {
                crate::api::display(crate::codec::decode(ctx, env, payload).unwrap_or(Value::Nil))
            }),
            Some(ExitResult::Failure(error)) => format!("error: {}", error.message),
        }
    }
}

/// Runs `source` as a whole process (`main` with no arguments, every listed module) on
/// the fake host, with a virtual clock: whenever the process waits, queued signals are
/// delivered first, then the clock jumps to the earliest timer. `prepare` can queue
/// signals before the start.
pub fn run_process(source: &str, prepare: impl FnOnce(&mut Recorded)) -> ProcessRun {
    let host = FakeHost::default();
    prepare(&mut host.0.borrow_mut());
    let info = StartInfo {
        entry_id: "app:test".into(),
        source: source.into(),
        method: "main".into(),
        modules: ["io", "time", "logger", "json"].map(String::from).to_vec(),
        args: Vec::new(),
        compiled: None,
        memory_limit: u64::MAX,
    };
    let recorded = host.0.clone();
    let mut process = match crate::vm::Process::start(Box::new(host), info) {
        Ok(process) => process,
        Err(error) => {
            return ProcessRun {
                exit: Some(ExitResult::Failure(error)),
                host: recorded,
            }
        }
    };
    loop {
        match process.run(10_000) {
            Step::Finished(exit) => {
                return ProcessRun {
                    exit: Some(exit),
                    host: recorded,
                }
            }
            Step::Runnable => {}
            Step::Waiting => {
                let mut state = recorded.borrow_mut();
                let taking = state.taking_messages;
                if state
                    .signals
                    .iter()
                    .any(|signal| taking || !matches!(signal, Signal::Message(_)))
                {
                    continue;
                }
                if let Some(signal) = state.later.pop_front() {
                    state.signals.push_back(signal);
                    continue;
                }
                let next = state
                    .timers
                    .iter()
                    .min_by_key(|(id, deadline)| (**deadline, **id))
                    .map(|(id, deadline)| (*id, *deadline));
                let Some((id, deadline)) = next else {
                    drop(state);
                    return ProcessRun {
                        exit: None,
                        host: recorded,
                    };
                };
                state.timers.remove(&id);
                state.now = state.now.max(deadline);
                state.signals.push_back(Signal::Timer(id));
            }
        }
    }
}
