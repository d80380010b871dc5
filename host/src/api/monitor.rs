//! `wippy:runtime/monitor`: monitors and links (process.md §4, §7).

use crate::bindings::wippy::runtime::monitor::Host;
use crate::bindings::ErrorInfo;
use crate::instance::ProcessState;

fn not_alive() -> ErrorInfo {
    ErrorInfo::new("Internal", "pid not registered")
}

impl Host for ProcessState {
    fn monitor(&mut self, dest: String) -> Result<(), ErrorInfo> {
        let target = self.runtime.resolve(&dest).map_err(|_| not_alive())?;
        if target.relations().monitors.insert(self.process.pid.clone()) {
            Ok(())
        } else {
            Err(ErrorInfo::new("Internal", "already monitoring pid"))
        }
    }

    fn unmonitor(&mut self, dest: String) -> Result<(), ErrorInfo> {
        if let Ok(target) = self.runtime.resolve(&dest) {
            target.relations().monitors.remove(&self.process.pid);
        }
        Ok(())
    }

    fn link(&mut self, dest: String) -> Result<(), ErrorInfo> {
        let target = self.runtime.resolve(&dest).map_err(|_| not_alive())?;
        if target.pid != self.process.pid {
            target.relations().links.insert(self.process.pid.clone());
            self.process.relations().links.insert(target.pid.clone());
        }
        Ok(())
    }

    fn unlink(&mut self, dest: String) -> Result<(), ErrorInfo> {
        if let Ok(target) = self.runtime.resolve(&dest) {
            target.relations().links.remove(&self.process.pid);
            self.process.relations().links.remove(&target.pid);
        }
        Ok(())
    }
}
