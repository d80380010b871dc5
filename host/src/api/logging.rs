//! `wippy:runtime/logging`: records from Lua: the logger's bound fields, then the
//! automatic `pid` and `location`, then the call's fields (logger.md §1).

use crate::bindings::wippy::runtime::logging::Host;
use crate::bindings::{Level, LogRecord};
use crate::instance::ProcessState;
use crate::logging::{json_string, payload_json};

impl Host for ProcessState {
    fn enabled(&mut self, level: Level) -> bool {
        self.runtime.log.enabled(level)
    }

    fn log(&mut self, record: LogRecord) {
        let mut fields: Vec<_> = record
            .context
            .iter()
            .map(|(name, value)| (name.clone(), payload_json(value)))
            .collect();
        fields.push((
            "pid".to_string(),
            json_string(self.process.pid_text.as_bytes()),
        ));
        if let Some(location) = &record.location {
            fields.push(("location".into(), json_string(location.as_bytes())));
        }
        fields.extend(
            record
                .fields
                .iter()
                .map(|(name, value)| (name.clone(), payload_json(value))),
        );
        self.runtime.log.write(
            record.level,
            record.logger_name.as_deref(),
            &record.message,
            &fields,
        );
    }
}
