//! Boot: starts every `auto_start` host and service, dependencies first
//! (manifest.md §4.2).

use std::sync::Arc;

use crate::bindings::{Level, SpawnOptions};
use crate::logging::json_string;
use crate::manifest::Kind;
use crate::payload;
use crate::runtime::{HostKind, Runtime, SpawnRequest};

/// The internal host that owns each service start attempt's PID (process.md §1).
const CONTROL_HOST: &str = "node:control";

/// Starts hosts, then services, in dependency order.
pub fn boot(runtime: &Arc<Runtime>) {
    for entry in runtime.manifest.auto_start_order() {
        match &entry.kind {
            Kind::ProcessHost(_) => runtime.start_host(&entry.id, HostKind::Process),
            Kind::TerminalHost(_) => runtime.start_host(&entry.id, HostKind::Terminal),
            Kind::ProcessService(service) => {
                runtime.pids.mint(CONTROL_HOST);
                let request = SpawnRequest {
                    entry: service.process.clone(),
                    host: service.host.clone(),
                    args: service.input.iter().map(payload::from_yaml).collect(),
                    cli_args: Vec::new(),
                    parent: None,
                    options: SpawnOptions::empty(),
                };
                match runtime.spawn(request) {
                    Ok(process) => runtime.log.write(
                        Level::Info,
                        None,
                        "service started",
                        &[
                            ("service".into(), json_string(entry.id.as_bytes())),
                            ("pid".into(), json_string(process.pid_text.as_bytes())),
                        ],
                    ),
                    Err(error) => runtime.log.write(
                        Level::Error,
                        None,
                        "service failed to start",
                        &[
                            ("service".into(), json_string(entry.id.as_bytes())),
                            ("error".into(), json_string(error.message.as_bytes())),
                        ],
                    ),
                }
            }
            _ => {}
        }
    }
}
