//! `wippy:runtime/registry`: the node-local name registry (process.md §9).

use crate::bindings::wippy::runtime::registry::Host;
use crate::bindings::ErrorInfo;
use crate::instance::ProcessState;
use crate::pid::Pid;

impl Host for ProcessState {
    fn register(&mut self, name: String, pid: Option<String>) -> Result<(), ErrorInfo> {
        let pid = match pid {
            None => self.process.pid.clone(),
            Some(text) => Pid::parse(&text)
                .ok_or_else(|| ErrorInfo::new("Invalid", format!("invalid PID '{text}'")))?,
        };
        let processes = &self.runtime.processes;
        self.runtime
            .names
            .register(&name, &pid, |pid| processes.get(pid).is_some())
    }

    fn lookup(&mut self, name: String) -> Result<String, ErrorInfo> {
        self.runtime
            .names
            .lookup(&name)
            .map(|pid| pid.to_string())
            .ok_or_else(|| ErrorInfo::new("NotFound", "name not registered"))
    }

    fn unregister(&mut self, name: String) -> bool {
        self.runtime.names.unregister(&name)
    }
}
