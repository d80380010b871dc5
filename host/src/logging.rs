//! Where log records go, and how they look in each CLI mode (logger.md §3).

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Instant;

use crate::bindings::{Level, Node, Payload};

/// The console formats of `wippy-wasm run`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogMode {
    /// No log output (`-s`, or `-x` without `-v`/`-c`).
    Silent,
    /// `-c`: elapsed seconds, padded levels, colours on a TTY; on stdout.
    Console,
    /// Default: date and time, on stderr.
    Plain,
}

/// The runtime's log output.
pub struct LogSink {
    mode: LogMode,
    min_level: Level,
    started: Instant,
    colour: bool,
}

/// One field of a record: a name and its value already rendered as JSON.
pub type Field = (String, String);

/// A field holding a string.
pub fn field(name: &str, value: &str) -> Field {
    (name.into(), json_string(value.as_bytes()))
}

impl LogSink {
    /// A sink in `mode` that drops records below `min_level`.
    pub fn new(mode: LogMode, min_level: Level) -> Self {
        let colour = mode == LogMode::Console && colour_allowed();
        LogSink {
            mode,
            min_level,
            started: Instant::now(),
            colour,
        }
    }

    /// Whether a record at `level` is written.
    pub fn enabled(&self, level: Level) -> bool {
        self.mode != LogMode::Silent && rank(level) >= rank(self.min_level)
    }

    /// Writes one record.
    pub fn write(&self, level: Level, name: Option<&str>, message: &str, fields: &[Field]) {
        if !self.enabled(level) {
            return;
        }
        let mut line = String::new();
        match self.mode {
            LogMode::Console => {
                let _ = write!(line, "{:6.2}s\t", self.started.elapsed().as_secs_f64());
                let label = format!("{:<5}", level_name(level));
                line += &self.paint(level_colour(level), &label);
            }
            _ => {
                line += &local_timestamp();
                line.push('\t');
                line += level_name(level);
            }
        }
        line.push('\t');
        if let Some(name) = name {
            let name = match self.mode {
                LogMode::Console => self.paint("\x1b[35m", &format!("{name:<12}")),
                _ => name.to_string(),
            };
            line += &name;
            line.push('\t');
        }
        line += message;
        if !fields.is_empty() {
            line.push('\t');
            line += &render_fields(fields);
        }
        line.push('\n');
        let _ = match self.mode {
            LogMode::Console => std::io::stdout().lock().write_all(line.as_bytes()),
            _ => std::io::stderr().lock().write_all(line.as_bytes()),
        };
    }

    fn paint(&self, colour: &str, text: &str) -> String {
        if self.colour {
            format!("{colour}{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

fn colour_allowed() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none()
        && std::env::var("TERM").map_or(true, |term| term != "dumb")
}

fn rank(level: Level) -> u8 {
    match level {
        Level::Debug => 0,
        Level::Info => 1,
        Level::Warn => 2,
        Level::Error => 3,
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Debug => "DEBUG",
        Level::Info => "INFO",
        Level::Warn => "WARN",
        Level::Error => "ERROR",
    }
}

fn level_colour(level: Level) -> &'static str {
    match level {
        Level::Debug => "\x1b[36m",
        Level::Info => "\x1b[32m",
        Level::Warn => "\x1b[33m",
        Level::Error => "\x1b[31m",
    }
}

/// `{"a": 1, "b": "x"}`: a space after every `:` and `,` (logger.md §3).
fn render_fields(fields: &[Field]) -> String {
    let parts: Vec<String> = fields
        .iter()
        .map(|(name, value)| format!("{}: {value}", json_string(name.as_bytes())))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

/// A JSON string literal for arbitrary bytes (invalid UTF-8 is replaced).
pub fn json_string(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out += "\\\"",
            '\\' => out += "\\\\",
            '\n' => out += "\\n",
            '\r' => out += "\\r",
            '\t' => out += "\\t",
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A payload as JSON: tables with keys 1..n are arrays, other tables objects with
/// their keys as strings; a table met again inside itself is `"<cycle>"`.
pub fn payload_json(payload: &Payload) -> String {
    let mut out = String::new();
    let mut open = Vec::new();
    node_json(payload, 0, &mut open, &mut out);
    out
}

fn node_json(payload: &Payload, index: u32, open: &mut Vec<u32>, out: &mut String) {
    // Hostile payloads may be deep; past this depth the rest is elided, not recursed.
    const MAX_DEPTH: usize = 64;
    match payload.nodes.get(index as usize) {
        None | Some(Node::Nil) => out.push_str("null"),
        Some(Node::Boolean(b)) => out.push_str(if *b { "true" } else { "false" }),
        Some(Node::Integer(i)) => out.push_str(&i.to_string()),
        Some(Node::Float(f)) if f.is_finite() => {
            let _ = write!(out, "{f}");
        }
        Some(Node::Float(f)) => out.push_str(&json_string(f.to_string().as_bytes())),
        Some(Node::Text(bytes)) => out.push_str(&json_string(bytes)),
        Some(Node::Error(error)) => out.push_str(&json_string(error.info.message.as_bytes())),
        Some(Node::Table(_)) if open.contains(&index) || open.len() >= MAX_DEPTH => {
            out.push_str("\"<cycle>\"")
        }
        Some(Node::Table(entries)) => {
            open.push(index);
            let is_array = entries.iter().enumerate().all(|(i, entry)| {
                matches!(payload.nodes.get(entry.key as usize), Some(Node::Integer(k)) if *k == i as i64 + 1)
            });
            if is_array && !entries.is_empty() {
                out.push('[');
                for (i, entry) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    node_json(payload, entry.value, open, out);
                }
                out.push(']');
            } else {
                out.push('{');
                for (i, entry) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&json_string(key_text(payload, entry.key).as_bytes()));
                    out.push_str(": ");
                    node_json(payload, entry.value, open, out);
                }
                out.push('}');
            }
            open.pop();
        }
    }
}

fn key_text(payload: &Payload, index: u32) -> String {
    match payload.nodes.get(index as usize) {
        Some(Node::Text(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
        Some(Node::Integer(i)) => i.to_string(),
        Some(Node::Float(f)) => f.to_string(),
        Some(Node::Boolean(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// `YYYY-MM-DD HH:MM:SS` in the local zone, as Go's logger writes it.
fn local_timestamp() -> String {
    let now = crate::clock::unix_seconds();
    let seconds = now + i64::from(crate::clock::local_offset(now).0);
    let (days, time) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        time / 3600,
        time % 3600 / 60,
        time % 60
    )
}

/// Howard Hinnant's days-to-civil conversion.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::TableEntry;

    #[test]
    fn payloads_render_as_spaced_json() {
        let payload = Payload {
            nodes: vec![
                Node::Table(vec![TableEntry { key: 1, value: 2 }]),
                Node::Text(b"value".to_vec()),
                Node::Integer(0),
            ],
        };
        assert_eq!(payload_json(&payload), "{\"value\": 0}");
        let fields = vec![("pid".to_string(), json_string(b"{a|0x00001}"))];
        assert_eq!(render_fields(&fields), "{\"pid\": \"{a|0x00001}\"}");
    }

    #[test]
    fn days_convert_to_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_000), (2024, 10, 4));
    }
}
