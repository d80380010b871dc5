//! Process identifiers (process.md §1).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// A process identifier: the host it runs on and a runtime-wide counter value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pid {
    /// The host entry ID (`app:processes`).
    pub host: String,
    /// The counter value, never reused.
    pub uid: u64,
}

impl Pid {
    /// Parses `{host|0x...}`; `None` for anything else (then it is a registered name).
    pub fn parse(text: &str) -> Option<Pid> {
        let inner = text.strip_prefix('{')?.strip_suffix('}')?;
        let (host, uid) = inner.split_once('|')?;
        let uid = u64::from_str_radix(uid.strip_prefix("0x")?, 16).ok()?;
        Some(Pid {
            host: host.to_string(),
            uid,
        })
    }

    /// Whether a destination string has the shape of a PID (process.md §1): anything
    /// else is looked up as a registered name.
    pub fn looks_like_pid(text: &str) -> bool {
        text.starts_with('{') && text.ends_with('}') && text.contains('|')
    }
}

impl fmt::Display for Pid {
    /// `0x` + lowercase hex, zero-padded to 5, 6, 8 or 16 digits by size.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = match self.uid {
            0..=0xfffff => 5,
            0x100000..=0xffffff => 6,
            0x1000000..=0xffffffff => 8,
            _ => 16,
        };
        write!(f, "{{{}|0x{:0width$x}}}", self.host, self.uid)
    }
}

/// Mints PIDs: one counter per runtime, starting at 1 (process.md §1).
#[derive(Default)]
pub struct PidCounter(AtomicU64);

impl PidCounter {
    /// The next PID on `host`.
    pub fn mint(&self, host: &str) -> Pid {
        Pid {
            host: host.to_string(),
            uid: self.0.fetch_add(1, Ordering::Relaxed) + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids_render_and_parse_like_wippy() {
        let counter = PidCounter::default();
        let first = counter.mint("app:processes");
        assert_eq!(first.to_string(), "{app:processes|0x00001}");
        assert_eq!(Pid::parse(&first.to_string()), Some(first));
        let big = Pid {
            host: "h".into(),
            uid: 0x123456,
        };
        assert_eq!(big.to_string(), "{h|0x123456}");
        let bigger = Pid {
            host: "h".into(),
            uid: 0x1234567,
        };
        assert_eq!(bigger.to_string(), "{h|0x01234567}");
        assert!(Pid::parse("relay").is_none());
        assert!(Pid::looks_like_pid("{a|b}"));
    }
}
