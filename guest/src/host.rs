//! The guest's view of the host: one method per WIT import.
//!
//! Lua APIs call the host only through this trait, so the guest's logic runs natively
//! under `cargo test` against an in-memory host, and in wasm against the real imports
//! ([`WitHost`]).

use crate::bindings::{ErrorInfo, Level, LogRecord, Output, Payload, Signal, SpawnOptions};

/// Every import of the `process-world` world.
pub trait Host {
    /// `terminal.write`
    fn write(&self, stream: Output, data: &[u8]) -> Result<(), ErrorInfo>;
    /// `terminal.flush`
    fn flush(&self) -> Result<(), ErrorInfo>;
    /// `terminal.request-line`
    fn request_line(&self) -> Result<(), ErrorInfo>;
    /// `terminal.request-read`
    fn request_read(&self, max: u32) -> Result<(), ErrorInfo>;
    /// `terminal.args`
    fn args(&self) -> Vec<String>;
    /// `logging.enabled`
    fn log_enabled(&self, level: Level) -> bool;
    /// `logging.log`
    fn log(&self, record: &LogRecord);
    /// `process.self-pid`
    fn self_pid(&self) -> String;
    /// `process.entry-id`
    fn entry_id(&self) -> String;
    /// `process.spawn`
    fn spawn(
        &self,
        entry: &str,
        host: &str,
        args: &[Payload],
        options: SpawnOptions,
    ) -> Result<String, ErrorInfo>;
    /// `process.terminate`
    fn terminate(&self, dest: &str) -> Result<(), ErrorInfo>;
    /// `process.cancel`
    fn cancel(&self, dest: &str, reason: &str) -> Result<(), ErrorInfo>;
    /// `process.report-panic`
    fn report_panic(&self, message: &str);
    /// `process.chunk-compiled`
    fn chunk_compiled(&self, chunk: &[u8]);
    /// `mailbox.send`
    fn send(&self, dest: &str, topic: &str, payloads: &[Payload]) -> Result<(), ErrorInfo>;
    /// `mailbox.next`
    fn next_signal(&self, messages: bool) -> Option<Signal>;
    /// `registry.register`
    fn register(&self, name: &str, pid: Option<&str>) -> Result<(), ErrorInfo>;
    /// `registry.lookup`
    fn lookup(&self, name: &str) -> Result<String, ErrorInfo>;
    /// `registry.unregister`
    fn unregister(&self, name: &str) -> bool;
    /// `monitor.monitor`
    fn monitor(&self, dest: &str) -> Result<(), ErrorInfo>;
    /// `monitor.unmonitor`
    fn unmonitor(&self, dest: &str) -> Result<(), ErrorInfo>;
    /// `monitor.link`
    fn link(&self, dest: &str) -> Result<(), ErrorInfo>;
    /// `monitor.unlink`
    fn unlink(&self, dest: &str) -> Result<(), ErrorInfo>;
    /// `timer.start`
    fn timer_start(&self, id: u64, nanoseconds: u64);
    /// `timer.cancel`
    fn timer_cancel(&self, id: u64) -> bool;
    /// `timer.now`: nanoseconds since the Unix epoch.
    fn now(&self) -> i64;
    /// `timer.local-offset`: the local zone's offset (seconds) and name at `seconds`.
    fn local_offset(&self, seconds: i64) -> (i32, String);
}

/// The real imports, inside a wasm component.
#[cfg(target_arch = "wasm32")]
pub struct WitHost;

/// The imports as the guest holds them ([`crate::env::Env::host`]). In the
/// component, [`WitHost`] itself, so every import is a direct call: through a
/// `dyn Host`, each method a process called made wasmtime fill in a function
/// reference of its own in the instance, and an idle process's four landed on a
/// page of the instance that nothing else touched (4 KiB of host memory each).
#[cfg(target_arch = "wasm32")]
pub type Imports = WitHost;
/// The imports as the guest holds them: natively (tests), any [`Host`].
#[cfg(not(target_arch = "wasm32"))]
pub type Imports = Box<dyn Host>;

#[cfg(target_arch = "wasm32")]
impl Host for WitHost {
    fn write(&self, stream: Output, data: &[u8]) -> Result<(), ErrorInfo> {
        crate::bindings::wippy::runtime::terminal::write(stream, data)
    }
    fn flush(&self) -> Result<(), ErrorInfo> {
        crate::bindings::wippy::runtime::terminal::flush()
    }
    fn request_line(&self) -> Result<(), ErrorInfo> {
        crate::bindings::wippy::runtime::terminal::request_line()
    }
    fn request_read(&self, max: u32) -> Result<(), ErrorInfo> {
        crate::bindings::wippy::runtime::terminal::request_read(max)
    }
    fn args(&self) -> Vec<String> {
        crate::bindings::wippy::runtime::terminal::args()
    }
    fn log_enabled(&self, level: Level) -> bool {
        crate::bindings::wippy::runtime::logging::enabled(level)
    }
    fn log(&self, record: &LogRecord) {
        crate::bindings::wippy::runtime::logging::log(record)
    }
    fn self_pid(&self) -> String {
        crate::bindings::wippy::runtime::process::self_pid()
    }
    fn entry_id(&self) -> String {
        crate::bindings::wippy::runtime::process::entry_id()
    }
    fn spawn(
        &self,
        entry: &str,
        host: &str,
        args: &[Payload],
        options: SpawnOptions,
    ) -> Result<String, ErrorInfo> {
        crate::bindings::wippy::runtime::process::spawn(entry, host, args, options)
    }
    fn terminate(&self, dest: &str) -> Result<(), ErrorInfo> {
        crate::bindings::wippy::runtime::process::terminate(dest)
    }
    fn cancel(&self, dest: &str, reason: &str) -> Result<(), ErrorInfo> {
        crate::bindings::wippy::runtime::process::cancel(dest, reason)
    }
    fn report_panic(&self, message: &str) {
        crate::bindings::wippy::runtime::process::report_panic(message)
    }
    fn chunk_compiled(&self, chunk: &[u8]) {
        crate::bindings::wippy::runtime::process::chunk_compiled(chunk)
    }
    fn send(&self, dest: &str, topic: &str, payloads: &[Payload]) -> Result<(), ErrorInfo> {
        crate::bindings::wippy::runtime::mailbox::send(dest, topic, payloads)
    }
    fn next_signal(&self, messages: bool) -> Option<Signal> {
        crate::bindings::wippy::runtime::mailbox::next(messages)
    }
    fn register(&self, name: &str, pid: Option<&str>) -> Result<(), ErrorInfo> {
        crate::bindings::wippy::runtime::registry::register(name, pid)
    }
    fn lookup(&self, name: &str) -> Result<String, ErrorInfo> {
        crate::bindings::wippy::runtime::registry::lookup(name)
    }
    fn unregister(&self, name: &str) -> bool {
        crate::bindings::wippy::runtime::registry::unregister(name)
    }
    fn monitor(&self, dest: &str) -> Result<(), ErrorInfo> {
        crate::bindings::wippy::runtime::monitor::monitor(dest)
    }
    fn unmonitor(&self, dest: &str) -> Result<(), ErrorInfo> {
        crate::bindings::wippy::runtime::monitor::unmonitor(dest)
    }
    fn link(&self, dest: &str) -> Result<(), ErrorInfo> {
        crate::bindings::wippy::runtime::monitor::link(dest)
    }
    fn unlink(&self, dest: &str) -> Result<(), ErrorInfo> {
        crate::bindings::wippy::runtime::monitor::unlink(dest)
    }
    fn timer_start(&self, id: u64, nanoseconds: u64) {
        crate::bindings::wippy::runtime::timer::start(id, nanoseconds)
    }
    fn timer_cancel(&self, id: u64) -> bool {
        crate::bindings::wippy::runtime::timer::cancel(id)
    }
    fn now(&self) -> i64 {
        crate::bindings::wippy::runtime::timer::now()
    }
    fn local_offset(&self, seconds: i64) -> (i32, String) {
        crate::bindings::wippy::runtime::timer::local_offset(seconds)
    }
}

/// A boxed host is a host: natively the guest holds `Box<dyn Host>` ([`Imports`]).
#[cfg(not(target_arch = "wasm32"))]
impl<H: Host + ?Sized> Host for Box<H> {
    fn write(&self, stream: Output, data: &[u8]) -> Result<(), ErrorInfo> {
        (**self).write(stream, data)
    }
    fn flush(&self) -> Result<(), ErrorInfo> {
        (**self).flush()
    }
    fn request_line(&self) -> Result<(), ErrorInfo> {
        (**self).request_line()
    }
    fn request_read(&self, max: u32) -> Result<(), ErrorInfo> {
        (**self).request_read(max)
    }
    fn args(&self) -> Vec<String> {
        (**self).args()
    }
    fn log_enabled(&self, level: Level) -> bool {
        (**self).log_enabled(level)
    }
    fn log(&self, record: &LogRecord) {
        (**self).log(record)
    }
    fn self_pid(&self) -> String {
        (**self).self_pid()
    }
    fn entry_id(&self) -> String {
        (**self).entry_id()
    }
    fn spawn(
        &self,
        entry: &str,
        host: &str,
        args: &[Payload],
        options: SpawnOptions,
    ) -> Result<String, ErrorInfo> {
        (**self).spawn(entry, host, args, options)
    }
    fn terminate(&self, dest: &str) -> Result<(), ErrorInfo> {
        (**self).terminate(dest)
    }
    fn cancel(&self, dest: &str, reason: &str) -> Result<(), ErrorInfo> {
        (**self).cancel(dest, reason)
    }
    fn report_panic(&self, message: &str) {
        (**self).report_panic(message)
    }
    fn chunk_compiled(&self, chunk: &[u8]) {
        (**self).chunk_compiled(chunk)
    }
    fn send(&self, dest: &str, topic: &str, payloads: &[Payload]) -> Result<(), ErrorInfo> {
        (**self).send(dest, topic, payloads)
    }
    fn next_signal(&self, messages: bool) -> Option<Signal> {
        (**self).next_signal(messages)
    }
    fn register(&self, name: &str, pid: Option<&str>) -> Result<(), ErrorInfo> {
        (**self).register(name, pid)
    }
    fn lookup(&self, name: &str) -> Result<String, ErrorInfo> {
        (**self).lookup(name)
    }
    fn unregister(&self, name: &str) -> bool {
        (**self).unregister(name)
    }
    fn monitor(&self, dest: &str) -> Result<(), ErrorInfo> {
        (**self).monitor(dest)
    }
    fn unmonitor(&self, dest: &str) -> Result<(), ErrorInfo> {
        (**self).unmonitor(dest)
    }
    fn link(&self, dest: &str) -> Result<(), ErrorInfo> {
        (**self).link(dest)
    }
    fn unlink(&self, dest: &str) -> Result<(), ErrorInfo> {
        (**self).unlink(dest)
    }
    fn timer_start(&self, id: u64, nanoseconds: u64) {
        (**self).timer_start(id, nanoseconds)
    }
    fn timer_cancel(&self, id: u64) -> bool {
        (**self).timer_cancel(id)
    }
    fn now(&self) -> i64 {
        (**self).now()
    }
    fn local_offset(&self, seconds: i64) -> (i32, String) {
        (**self).local_offset(seconds)
    }
}
