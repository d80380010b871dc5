//! What every Lua API of one process shares: the host, the scheduler, the identity.

use std::cell::RefCell;
use std::collections::HashMap;

use piccolo::StashedTable;

use crate::host::Host;
use crate::mailbox::Mailbox;
use crate::scheduler::Scheduler;

/// Per-process state captured by every callback.
pub struct Env {
    /// The imports.
    pub host: Box<dyn Host>,
    /// Coroutine bookkeeping.
    pub scheduler: RefCell<Scheduler>,
    /// Subscriptions and undelivered signals.
    pub mailbox: RefCell<Mailbox>,
    /// The entry ID, used as the chunk name and in log locations.
    pub entry_id: String,
    /// This process's PID.
    pub pid: String,
    /// The metatable shared by all error objects, created once per process.
    pub error_metatable: RefCell<Option<StashedTable>>,
    /// Metatables of the other userdata types, built once per process by name.
    pub metatables: RefCell<HashMap<&'static str, StashedTable>>,
}

impl Env {
    /// State for a process running `entry_id` as `pid` against `host`.
    pub fn new(host: Box<dyn Host>, entry_id: String, pid: String) -> Self {
        Env {
            host,
            scheduler: RefCell::default(),
            mailbox: RefCell::default(),
            entry_id,
            pid,
            error_metatable: RefCell::default(),
            metatables: RefCell::default(),
        }
    }
}
