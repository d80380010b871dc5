//! The node-local name registry (process.md §9).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::bindings::ErrorInfo;
use crate::pid::Pid;

/// Names bound to live processes.
#[derive(Default)]
pub struct NameRegistry {
    names: Mutex<HashMap<String, Pid>>,
}

impl NameRegistry {
    /// Binds `name` to `pid`; binding the same pair again is fine.
    pub fn register(&self, name: &str, pid: &Pid) -> Result<(), ErrorInfo> {
        let mut names = self.names.lock().unwrap_or_else(|e| e.into_inner());
        match names.get(name) {
            Some(owner) if owner != pid => {
                Err(ErrorInfo::new("AlreadyExists", "name already registered"))
            }
            _ => {
                names.insert(name.to_string(), pid.clone());
                Ok(())
            }
        }
    }

    /// The PID bound to `name`.
    pub fn lookup(&self, name: &str) -> Option<Pid> {
        self.names
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// Removes `name`; `true` if it was bound.
    pub fn unregister(&self, name: &str) -> bool {
        self.names
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name)
            .is_some()
    }

    /// Releases every name of a process that ended.
    pub fn release_all(&self, pid: &Pid) {
        self.names
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, owner| owner != pid);
    }
}
