//! What every Lua API of one process shares: the host, the scheduler, the identity.

use std::cell::{Cell, OnceCell, RefCell};
use std::ops::Deref;

use piccolo::StashedTable;
use rustc_hash::FxHashMap;

use crate::host::{Host, Imports};
use crate::mailbox::Mailbox;
use crate::scheduler::Scheduler;

/// Per-process state captured by every callback.
pub struct Env {
    /// The imports.
    pub host: Imports,
    /// Coroutine bookkeeping.
    pub scheduler: RefCell<Scheduler>,
    /// Subscriptions and undelivered signals.
    pub mailbox: RefCell<Mailbox>,
    /// The entry ID, used as the chunk name and in log locations.
    pub entry_id: BoundAtStart,
    /// This process's PID.
    pub pid: BoundAtStart,
    /// When the process started (host clock, nanoseconds since the Unix epoch).
    pub started_at: Cell<i64>,
    /// The metatable shared by all error objects, created once per process.
    pub error_metatable: RefCell<Option<StashedTable>>,
    /// Metatables of the other userdata types, built once per process by name.
    pub metatables: RefCell<FxHashMap<&'static str, StashedTable>>,
}

impl Env {
    /// State for a process running `entry_id` as `pid` against `host`.
    pub fn new(host: Imports, entry_id: String, pid: String) -> Self {
        let env = Env::unbound(host);
        env.bind(entry_id, pid);
        env
    }

    /// State not yet tied to a process: what the pre-initialised Lua state is built
    /// with, before any process exists (see `vm::Prepared`).
    pub fn unbound(host: Imports) -> Self {
        Env {
            host,
            scheduler: RefCell::default(),
            mailbox: RefCell::default(),
            entry_id: BoundAtStart::default(),
            pid: BoundAtStart::default(),
            started_at: Cell::default(),
            error_metatable: RefCell::default(),
            metatables: RefCell::default(),
        }
    }

    /// Ties the state to the process running `entry_id` as `pid`. Only the first
    /// binding counts: an instance runs exactly one process.
    pub fn bind(&self, entry_id: String, pid: String) {
        let _ = self.entry_id.0.set(entry_id);
        let _ = self.pid.0.set(pid);
        self.started_at.set(self.host.now());
    }
}

/// A per-process string that the shared callbacks already capture before the process
/// exists, set once when it starts; reads as `""` until then.
#[derive(Default)]
pub struct BoundAtStart(OnceCell<String>);

impl Deref for BoundAtStart {
    type Target = str;

    fn deref(&self) -> &str {
        self.0.get().map_or("", String::as_str)
    }
}
