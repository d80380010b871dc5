//! The node-local name registry (process.md §9).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::bindings::ErrorInfo;
use crate::pid::Pid;

/// Names one process may hold at once. A process may hold many (process.md §9);
/// the bound keeps what a guest can make the host store finite.
pub const MAX_NAMES_PER_PROCESS: usize = 1_024;

/// Longest name, in bytes.
pub const MAX_NAME_BYTES: usize = 1_024;

/// Names bound to live processes.
#[derive(Default)]
pub struct NameRegistry {
    bindings: Mutex<Bindings>,
}

/// Both directions of the bindings, so a process's names are released without
/// visiting everyone else's.
#[derive(Default)]
struct Bindings {
    by_name: HashMap<String, Pid>,
    by_process: HashMap<Pid, Vec<String>>,
}

impl NameRegistry {
    fn bindings(&self) -> MutexGuard<'_, Bindings> {
        self.bindings.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Binds `name` to `pid`; binding the same pair again is fine. `alive` is asked
    /// while the registry is locked, so a name never outlives its process: a
    /// process that ends releases its names after it has stopped being alive.
    pub fn register(
        &self,
        name: &str,
        pid: &Pid,
        alive: impl FnOnce(&Pid) -> bool,
    ) -> Result<(), ErrorInfo> {
        if name.len() > MAX_NAME_BYTES {
            return Err(ErrorInfo::new(
                "Invalid",
                format!(
                    "name too long: {} bytes, at most {MAX_NAME_BYTES}",
                    name.len()
                ),
            ));
        }
        let mut bindings = self.bindings();
        match bindings.by_name.get(name) {
            Some(owner) if owner == pid => return Ok(()),
            Some(_) => return Err(ErrorInfo::new("AlreadyExists", "name already registered")),
            None => {}
        }
        if !alive(pid) {
            return Err(ErrorInfo::new("NotFound", "process not found"));
        }
        let names = bindings.by_process.entry(pid.clone()).or_default();
        if names.len() >= MAX_NAMES_PER_PROCESS {
            return Err(ErrorInfo::new(
                "Unavailable",
                format!("too many names: a process holds at most {MAX_NAMES_PER_PROCESS}"),
            ));
        }
        names.push(name.to_string());
        bindings.by_name.insert(name.to_string(), pid.clone());
        Ok(())
    }

    /// The PID bound to `name`.
    pub fn lookup(&self, name: &str) -> Option<Pid> {
        self.bindings().by_name.get(name).cloned()
    }

    /// Removes `name`; `true` if it was bound.
    pub fn unregister(&self, name: &str) -> bool {
        let mut bindings = self.bindings();
        let Some(owner) = bindings.by_name.remove(name) else {
            return false;
        };
        if let Some(names) = bindings.by_process.get_mut(&owner) {
            names.retain(|held| held != name);
            if names.is_empty() {
                bindings.by_process.remove(&owner);
            }
        }
        true
    }

    /// Releases every name of a process that ended.
    pub fn release_all(&self, pid: &Pid) {
        let mut bindings = self.bindings();
        for name in bindings.by_process.remove(pid).unwrap_or_default() {
            bindings.by_name.remove(&name);
        }
    }
}
