//! `wippy:runtime/process`: identity, spawn, terminate, cancel, compiled chunks.

use crate::bindings::wippy::runtime::process::Host;
use crate::bindings::{ErrorInfo, Level, Payload, SpawnOptions};
use crate::instance::ProcessState;
use crate::logging::field;
use crate::runtime::SpawnRequest;

impl Host for ProcessState {
    fn self_pid(&mut self) -> String {
        self.process.pid_text.clone()
    }

    fn entry_id(&mut self) -> String {
        self.process.entry_id.clone()
    }

    fn spawn(
        &mut self,
        entry: String,
        host: String,
        args: Vec<Payload>,
        options: SpawnOptions,
    ) -> Result<String, ErrorInfo> {
        let started = std::time::Instant::now();
        let spawned = self.runtime.spawn(SpawnRequest {
            entry,
            host,
            args,
            cli_args: Vec::new(),
            parent: Some(self.process.clone()),
            options,
        });
        // The child's top level ran on this call, bounded by its own limits.
        self.slice.lent += started.elapsed();
        Ok(spawned?.pid_text.clone())
    }

    fn terminate(&mut self, dest: String) -> Result<(), ErrorInfo> {
        let target = self
            .runtime
            .resolve(&dest)
            .map_err(|_| ErrorInfo::new("Internal", "process not found"))?;
        // A terminal process cannot be terminated (manifest.md §3, terminal.host).
        if !target.on_terminal {
            target.kill(ErrorInfo::crash("Internal", "process terminated"));
        }
        Ok(())
    }

    fn cancel(&mut self, dest: String, reason: String) -> Result<(), ErrorInfo> {
        self.runtime.cancel(&self.process.pid_text, &dest, reason)
    }

    fn report_panic(&mut self, message: String) {
        self.panic_message = Some(message);
    }

    fn chunk_compiled(&mut self, chunk: Vec<u8>) {
        let bytes = chunk.len();
        if self.runtime.chunks.offer(&self.process.entry_id, chunk) {
            let fields = [
                field("entry", &self.process.entry_id),
                ("bytes".into(), bytes.to_string()),
            ];
            let message = "chunk compiled, kept for the entry's later processes";
            self.runtime.log.write(Level::Debug, None, message, &fields);
        }
    }
}
