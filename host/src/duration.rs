//! Go duration strings (`"1h30m"`, `"500ms"`, `"-1.5s"`), as accepted by Go's
//! `time.ParseDuration` and printed by `time.Duration.String()`.
//!
//! Shared by the manifest loader, the CLI and the Lua `time` module, which is why
//! the parser works on signed nanoseconds and reproduces Go's error texts.

use std::time::Duration;

/// Nanoseconds per unit, the values of Go's `unitMap`.
const UNITS: &[(&str, u64)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("\u{b5}s", 1_000),  // µs, MICRO SIGN
    ("\u{3bc}s", 1_000), // μs, GREEK SMALL LETTER MU
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Largest magnitude Go accepts while accumulating (the magnitude of `i64::MIN`).
const MAGNITUDE_LIMIT: u64 = 1 << 63;

/// Parses a Go duration string into signed nanoseconds, with Go's error texts.
pub fn parse_go_duration(text: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", go_quote(text));
    // Go would report `unknown unit " s"` for "5 s"; the spec asks for "invalid duration"
    // whenever the text contains whitespace.
    if text.chars().any(char::is_whitespace) {
        return Err(invalid());
    }
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let (component, remaining) = parse_component(rest, text)?;
        rest = remaining;
        total = total
            .checked_add(component)
            .filter(|sum| *sum <= MAGNITUDE_LIMIT)
            .ok_or_else(invalid)?;
    }
    apply_sign(total, negative).ok_or_else(invalid)
}

/// Parses a Go duration string that must not be negative (manifest fields, timeouts).
pub fn parse_std_duration(text: &str) -> Result<Duration, String> {
    let nanos = parse_go_duration(text)?;
    u64::try_from(nanos)
        .map(Duration::from_nanos)
        .map_err(|_| format!("negative duration {}", go_quote(text)))
}

/// Formats signed nanoseconds like Go's `Duration.String()`: `1h30m0s`, `1.5s`, `500ms`, `0s`.
pub fn format_go_duration(nanos: i64) -> String {
    let magnitude = nanos.unsigned_abs();
    let body = if magnitude < 1_000_000_000 {
        format_sub_second(magnitude)
    } else {
        format_seconds_and_up(magnitude)
    };
    if nanos < 0 {
        format!("-{body}")
    } else {
        body
    }
}

/// Parses one `number unit` pair at the start of `rest`; `whole` is the full input for messages.
fn parse_component<'a>(rest: &'a str, whole: &str) -> Result<(u64, &'a str), String> {
    let invalid = || format!("time: invalid duration {}", go_quote(whole));
    if !rest.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
        return Err(invalid());
    }
    let (integer, after_integer) = leading_int(rest).ok_or_else(invalid)?;
    let has_integer = after_integer.len() != rest.len();
    let (fraction, scale, after_number, has_fraction) = match after_integer.strip_prefix('.') {
        Some(digits) => {
            let (fraction, scale, after) = leading_fraction(digits);
            (fraction, scale, after, after.len() != digits.len())
        }
        None => (0, 1.0, after_integer, false),
    };
    if !has_integer && !has_fraction {
        return Err(invalid());
    }
    let unit_len = after_number
        .find(|c: char| c == '.' || c.is_ascii_digit())
        .unwrap_or(after_number.len());
    if unit_len == 0 {
        return Err(format!(
            "time: missing unit in duration {}",
            go_quote(whole)
        ));
    }
    let (unit, remaining) = after_number.split_at(unit_len);
    let unit_nanos = unit_nanos(unit).ok_or_else(|| {
        format!(
            "time: unknown unit {} in duration {}",
            go_quote(unit),
            go_quote(whole)
        )
    })?;
    let value = scale_component(integer, fraction, scale, unit_nanos).ok_or_else(invalid)?;
    Ok((value, remaining))
}

/// Combines the integer and fractional parts of one component into nanoseconds.
fn scale_component(integer: u64, fraction: u64, scale: f64, unit_nanos: u64) -> Option<u64> {
    if integer > MAGNITUDE_LIMIT / unit_nanos {
        return None;
    }
    let mut value = integer * unit_nanos;
    if fraction > 0 {
        // Go uses float64 here: exact to the nanosecond for fractions of an hour.
        value = value.checked_add((fraction as f64 * (unit_nanos as f64 / scale)) as u64)?;
        if value > MAGNITUDE_LIMIT {
            return None;
        }
    }
    Some(value)
}

/// Consumes leading decimal digits; `None` when the number exceeds Go's limit.
fn leading_int(text: &str) -> Option<(u64, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let mut value: u64 = 0;
    for digit in text.bytes().take(digits) {
        if value > MAGNITUDE_LIMIT / 10 {
            return None;
        }
        value = value * 10 + u64::from(digit - b'0');
        if value > MAGNITUDE_LIMIT {
            return None;
        }
    }
    Some((value, &text[digits..]))
}

/// Consumes fraction digits, returning (digits as integer, 10^count kept, rest).
/// Digits beyond 63-bit precision are skipped, as in Go.
fn leading_fraction(text: &str) -> (u64, f64, &str) {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let mut value: u64 = 0;
    let mut scale = 1.0;
    let mut overflowed = false;
    for digit in text.bytes().take(digits) {
        if overflowed {
            continue;
        }
        let next = value.saturating_mul(10) + u64::from(digit - b'0');
        if value > (MAGNITUDE_LIMIT - 1) / 10 || next > MAGNITUDE_LIMIT {
            overflowed = true;
            continue;
        }
        value = next;
        scale *= 10.0;
    }
    (value, scale, &text[digits..])
}

/// Looks a unit name up in Go's unit table.
fn unit_nanos(unit: &str) -> Option<u64> {
    UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|(_, nanos)| *nanos)
}

/// Applies the sign to an accumulated magnitude, rejecting values outside `i64`.
fn apply_sign(magnitude: u64, negative: bool) -> Option<i64> {
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Go's `time.quote`: double quotes, `"` and `\` escaped, non-ASCII and control bytes as `\xNN`.
fn go_quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        if c.is_ascii() && c >= ' ' {
            if c == '"' || c == '\\' {
                quoted.push('\\');
            }
            quoted.push(c);
        } else {
            let mut buffer = [0u8; 4];
            for byte in c.encode_utf8(&mut buffer).bytes() {
                quoted.push_str(&format!("\\x{byte:02x}"));
            }
        }
    }
    quoted.push('"');
    quoted
}

/// Go's format below one second: a single unit with a fraction (`1.5ms`, `250µs`, `7ns`).
fn format_sub_second(nanos: u64) -> String {
    let (unit, precision) = match nanos {
        0 => return "0s".to_owned(),
        1..=999 => ("ns", 0),
        1_000..=999_999 => ("\u{b5}s", 3),
        _ => ("ms", 6),
    };
    format!("{}{unit}", format_fraction(nanos, precision))
}

/// Go's format from one second up: `[Nh][Nm]N[.fff]s`, with hours and minutes only when non-zero.
fn format_seconds_and_up(nanos: u64) -> String {
    let seconds = format_fraction(nanos % 60_000_000_000, 9);
    let minutes_total = nanos / 60_000_000_000;
    let (hours, minutes) = (minutes_total / 60, minutes_total % 60);
    match (hours, minutes_total) {
        (0, 0) => format!("{seconds}s"),
        (0, _) => format!("{minutes}m{seconds}s"),
        _ => format!("{hours}h{minutes}m{seconds}s"),
    }
}

/// Formats `value / 10^precision` with trailing fractional zeros (and a bare point) removed.
fn format_fraction(value: u64, precision: u32) -> String {
    let divisor = 10u64.pow(precision);
    let (whole, fraction) = (value / divisor, value % divisor);
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = format!("{fraction:0width$}", width = precision as usize);
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: i64 = 1_000_000_000;

    #[test]
    fn parses_single_units() {
        assert_eq!(parse_go_duration("5s"), Ok(5 * SECOND));
        assert_eq!(parse_go_duration("100ms"), Ok(100_000_000));
        assert_eq!(parse_go_duration("7ns"), Ok(7));
        assert_eq!(parse_go_duration("3us"), Ok(3_000));
        assert_eq!(parse_go_duration("3\u{b5}s"), Ok(3_000));
        assert_eq!(parse_go_duration("3\u{3bc}s"), Ok(3_000));
        assert_eq!(parse_go_duration("2m"), Ok(120 * SECOND));
        assert_eq!(parse_go_duration("1h"), Ok(3_600 * SECOND));
    }

    #[test]
    fn parses_combinations_fractions_and_signs() {
        assert_eq!(parse_go_duration("1m30s"), Ok(90 * SECOND));
        assert_eq!(parse_go_duration("1h30m"), Ok(5_400 * SECOND));
        assert_eq!(
            parse_go_duration("2h45m30.5s"),
            Ok(9_930 * SECOND + SECOND / 2)
        );
        assert_eq!(parse_go_duration("1.5h"), Ok(5_400 * SECOND));
        assert_eq!(parse_go_duration(".5s"), Ok(SECOND / 2));
        assert_eq!(parse_go_duration("1.s"), Ok(SECOND));
        assert_eq!(parse_go_duration("30s1m"), Ok(90 * SECOND));
        assert_eq!(parse_go_duration("-2m"), Ok(-120 * SECOND));
        assert_eq!(parse_go_duration("+5s"), Ok(5 * SECOND));
        assert_eq!(parse_go_duration("0"), Ok(0));
        assert_eq!(parse_go_duration("-0"), Ok(0));
        assert_eq!(parse_go_duration("0s"), Ok(0));
        assert_eq!(parse_go_duration("1.0000000001s"), Ok(SECOND));
    }

    #[test]
    fn accepts_the_i64_extremes() {
        assert_eq!(parse_go_duration("9223372036854775807ns"), Ok(i64::MAX));
        assert_eq!(parse_go_duration("-9223372036854775808ns"), Ok(i64::MIN));
    }

    #[test]
    fn reports_go_error_texts() {
        assert_eq!(
            parse_go_duration(""),
            Err(r#"time: invalid duration """#.to_owned())
        );
        assert_eq!(
            parse_go_duration("5"),
            Err(r#"time: missing unit in duration "5""#.to_owned())
        );
        assert_eq!(
            parse_go_duration("1d"),
            Err(r#"time: unknown unit "d" in duration "1d""#.to_owned())
        );
        assert_eq!(
            parse_go_duration("5 s"),
            Err(r#"time: invalid duration "5 s""#.to_owned())
        );
        assert_eq!(
            parse_go_duration("abc"),
            Err(r#"time: invalid duration "abc""#.to_owned())
        );
        for invalid in ["-", "+", ".s", "s", "--1s", "1s.s"] {
            assert_eq!(
                parse_go_duration(invalid),
                Err(format!("time: invalid duration \"{invalid}\"")),
                "{invalid}"
            );
        }
        assert_eq!(
            parse_go_duration("1s-2s"),
            Err(r#"time: unknown unit "s-" in duration "1s-2s""#.to_owned())
        );
        assert_eq!(
            parse_go_duration("1s2"),
            Err(r#"time: missing unit in duration "1s2""#.to_owned())
        );
    }

    #[test]
    fn rejects_overflow() {
        for overflowing in [
            "9223372036854775808ns",
            "2562048h",
            "99999999999999999999s",
            "9223372036854775807ns1ns",
        ] {
            assert_eq!(
                parse_go_duration(overflowing),
                Err(format!("time: invalid duration \"{overflowing}\"")),
                "{overflowing}"
            );
        }
    }

    #[test]
    fn quotes_like_go() {
        assert_eq!(
            parse_go_duration("1\u{e9}"),
            Err(r#"time: unknown unit "\xc3\xa9" in duration "1\xc3\xa9""#.to_owned())
        );
        assert_eq!(go_quote("a\"b\\"), r#""a\"b\\""#);
    }

    #[test]
    fn std_duration_rejects_negative_values() {
        assert_eq!(parse_std_duration("1.5s"), Ok(Duration::from_millis(1_500)));
        assert_eq!(
            parse_std_duration("-1s"),
            Err(r#"negative duration "-1s""#.to_owned())
        );
        assert!(parse_std_duration("1d").is_err());
    }

    #[test]
    fn formats_like_go() {
        let cases = [
            (0, "0s"),
            (1, "1ns"),
            (1_100, "1.1\u{b5}s"),
            (2_200_000, "2.2ms"),
            (500_000_000, "500ms"),
            (SECOND, "1s"),
            (SECOND + SECOND / 2, "1.5s"),
            (90 * SECOND, "1m30s"),
            (5_400 * SECOND, "1h30m0s"),
            (3_600 * SECOND, "1h0m0s"),
            (-120 * SECOND, "-2m0s"),
            (-1, "-1ns"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ];
        for (nanos, text) in cases {
            assert_eq!(format_go_duration(nanos), text, "{nanos}");
        }
    }

    #[test]
    fn format_and_parse_round_trip() {
        for nanos in [1, 999, 1_500, 12_345_678, 61 * SECOND + 7, -3_601 * SECOND] {
            assert_eq!(parse_go_duration(&format_go_duration(nanos)), Ok(nanos));
        }
    }
}
