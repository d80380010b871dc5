//! An in-memory host for native tests of the guest's logic.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use piccolo::{Callback, CallbackReturn, Closure, Context, Executor, Fuel, Lua, Value, Variadic};

use crate::bindings::{ErrorInfo, Level, LogRecord, Output, Payload, Signal, SpawnOptions};
use crate::env::Env;
use crate::host::Host;

/// What the fake host saw, shared with the test.
#[derive(Default)]
pub struct Recorded {
    pub stdout: Vec<u8>,
    pub signals: VecDeque<Signal>,
    pub timers: Vec<(u64, u64)>,
    pub line_requests: usize,
    pub logs: Vec<LogRecord>,
    /// What `timer.now` answers: nanoseconds since the Unix epoch.
    pub now: i64,
}

/// A host whose terminal is a buffer and whose mailbox the test fills.
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
        "{app:test|0x00001}".into()
    }
    fn entry_id(&self) -> String {
        "app:test".into()
    }
    fn spawn(&self, _: &str, _: &str, _: &[Payload], _: SpawnOptions) -> Result<String, ErrorInfo> {
        Err(unsupported())
    }
    fn terminate(&self, _: &str) -> Result<(), ErrorInfo> {
        Err(unsupported())
    }
    fn cancel(&self, _: &str, _: &str) -> Result<(), ErrorInfo> {
        Err(unsupported())
    }
    fn report_panic(&self, _: &str) {}
    fn send(&self, _: &str, _: &str, _: &[Payload]) -> Result<(), ErrorInfo> {
        Err(unsupported())
    }
    fn next_signal(&self) -> Option<Signal> {
        self.0.borrow_mut().signals.pop_front()
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
        self.0.borrow_mut().timers.push((id, nanoseconds));
    }
    fn timer_cancel(&self, _: u64) -> bool {
        false
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
        "{app:test|0x00001}".into(),
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
        "{app:test|0x00001}".into(),
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
