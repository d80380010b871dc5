//! `wippy:runtime/terminal`: only processes on a `terminal.host` may use it (io.md).

use crate::bindings::wippy::runtime::terminal::Host;
use crate::bindings::{ErrorInfo, Output};
use crate::instance::ProcessState;

impl ProcessState {
    fn require_terminal(&self) -> Result<(), ErrorInfo> {
        if self.process.on_terminal {
            Ok(())
        } else {
            Err(ErrorInfo::new("Unavailable", "no terminal context"))
        }
    }
}

impl Host for ProcessState {
    fn write(&mut self, output: Output, data: Vec<u8>) -> Result<(), ErrorInfo> {
        self.require_terminal()?;
        self.runtime.terminal.write(output, &data)
    }

    fn flush(&mut self) -> Result<(), ErrorInfo> {
        self.require_terminal()?;
        self.runtime.terminal.flush()
    }

    fn request_line(&mut self) -> Result<(), ErrorInfo> {
        self.require_terminal()?;
        self.runtime.terminal.request_line(self.process.clone())
    }

    fn request_read(&mut self, max: u32) -> Result<(), ErrorInfo> {
        self.require_terminal()?;
        let max = usize::try_from(max).unwrap_or(usize::MAX).min(1 << 20);
        self.runtime
            .terminal
            .request_read(max, self.process.clone())
    }

    fn args(&mut self) -> Vec<String> {
        if self.process.on_terminal {
            self.process.args.clone()
        } else {
            Vec::new()
        }
    }
}
