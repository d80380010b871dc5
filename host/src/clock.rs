//! Wall-clock time and the local zone, for `time.now()` and log timestamps.

use std::time::{SystemTime, UNIX_EPOCH};

/// Nanoseconds since the Unix epoch (negative before it).
pub fn unix_nanos() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_nanos()).unwrap_or(i64::MAX),
    }
}

/// Unix time in whole seconds.
pub fn unix_seconds() -> i64 {
    unix_nanos().div_euclid(1_000_000_000)
}

/// The local zone's UTC offset in seconds at Unix time `seconds`, and its abbreviation.
///
/// Uses the C library's `localtime_r`, which reads `TZ` and the system zone database;
/// std has no time-zone support and no well-kept crate does this without shipping its
/// own database. `UTC`/0 when the C library cannot say.
pub fn local_offset(seconds: i64) -> (i32, String) {
    let time: libc::time_t = seconds as libc::time_t;
    // SAFETY: `tm` is plain old data, fully written by `localtime_r` on success, and
    // `localtime_r` (unlike `localtime`) keeps no shared state.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let converted = unsafe { libc::localtime_r(&time, &mut tm) };
    if converted.is_null() {
        return (0, "UTC".into());
    }
    let name = if tm.tm_zone.is_null() {
        String::new()
    } else {
        // SAFETY: on success `tm_zone` points at a NUL-terminated static string.
        unsafe { std::ffi::CStr::from_ptr(tm.tm_zone) }
            .to_string_lossy()
            .into_owned()
    };
    (tm.tm_gmtoff as i32, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_is_past_2020_and_the_offset_is_within_a_day() {
        assert!(unix_seconds() > 1_577_836_800);
        let (offset, name) = local_offset(unix_seconds());
        assert!(offset.abs() <= 14 * 3600, "{offset}");
        assert!(!name.is_empty());
    }
}
