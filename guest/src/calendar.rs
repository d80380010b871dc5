//! The proleptic Gregorian calendar and Go's reference-layout formatting and parsing
//! (`2006-01-02 15:04:05`), reproduced from Go's `time` package so `time.format` and
//! `time.parse` behave as Wippy's Go runtime does. Pure Rust: no Lua, no host.
//!
//! Instants are Unix seconds plus nanoseconds; "local seconds" are the seconds of a
//! civil date-time read as if it were UTC (Unix seconds plus the zone's offset).
//! Arithmetic is done in `i128`, so no Lua-supplied field can overflow.

/// Seconds in a civil day.
const SECONDS_PER_DAY: i128 = 86_400;
/// Nanoseconds in a second.
pub const NANOS_PER_SECOND: i64 = 1_000_000_000;
/// Unix seconds of Go's zero time, January 1 of year 1, 00:00:00 UTC.
pub const ZERO_TIME_UNIX: i64 = -62_135_596_800;

/// English month names, January first.
pub const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
/// English weekday names, Sunday first.
pub const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Go's `Time.String()` layout.
const STRING_LAYOUT: &[u8] = b"2006-01-02 15:04:05.999999999 -0700 MST";

/// Whether `year` is a Gregorian leap year.
pub fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days in `month` (1–12) of `year`.
pub fn days_in_month(month: u32, year: i64) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to `year-month-01` (month 1–12), Howard Hinnant's algorithm.
pub fn days_from_civil(year: i128, month: i128) -> i128 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The civil date (year, month 1–12, day 1–31) `days` after 1970-01-01.
pub fn civil_from_days(days: i128) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i128::from(month <= 2);
    // An i64 of seconds spans under 3e11 years, so these always fit.
    (year as i64, month as u32, day as u32)
}

/// Go's `norm`: moves whole multiples of `base` from `low` into `high`.
fn norm(high: i128, low: i128, base: i128) -> (i128, i128) {
    (high + low.div_euclid(base), low.rem_euclid(base))
}

/// Local seconds and nanoseconds of a civil date-time whose fields may be out of range,
/// normalised as Go's `time.Date` does (month 13 is January of the next year, day 0 the
/// last day of the previous month, ...). `None` when the result does not fit in `i64`.
pub fn normalise(
    year: i128,
    month: i128,
    day: i128,
    hour: i128,
    minute: i128,
    second: i128,
    nanosecond: i128,
) -> Option<(i64, u32)> {
    let (year, month_index) = norm(year, month - 1, 12);
    let (second, nanosecond) = norm(second, nanosecond, i128::from(NANOS_PER_SECOND));
    let (minute, second) = norm(minute, second, 60);
    let (hour, minute) = norm(hour, minute, 60);
    let (day, hour) = norm(day, hour, 24);
    let days = days_from_civil(year, month_index + 1).checked_add(day - 1)?;
    let seconds = days
        .checked_mul(SECONDS_PER_DAY)?
        .checked_add(hour * 3600 + minute * 60 + second)?;
    Some((i64::try_from(seconds).ok()?, nanosecond as u32))
}

/// The broken-down fields of an instant in some zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// Year (may be zero or negative: proleptic Gregorian).
    pub year: i64,
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month, 1–31.
    pub day: u32,
    /// Hour, 0–23.
    pub hour: u32,
    /// Minute, 0–59.
    pub minute: u32,
    /// Second, 0–59.
    pub second: u32,
    /// Nanosecond, 0–999,999,999.
    pub nanosecond: u32,
    /// Day of the week, 0 = Sunday.
    pub weekday: u32,
    /// Day of the year, 1–366.
    pub year_day: u32,
}

impl Civil {
    /// The fields of `unix_seconds` (+ `nanosecond`) in a zone `offset` seconds east of UTC.
    pub fn at(unix_seconds: i64, nanosecond: u32, offset: i32) -> Civil {
        let local = i128::from(unix_seconds) + i128::from(offset);
        let days = local.div_euclid(SECONDS_PER_DAY);
        let second_of_day = local.rem_euclid(SECONDS_PER_DAY) as u32;
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: second_of_day / 3600,
            minute: second_of_day / 60 % 60,
            second: second_of_day % 60,
            nanosecond,
            // 1970-01-01 was a Thursday.
            weekday: (days + 4).rem_euclid(7) as u32,
            year_day: (days - days_from_civil(i128::from(year), 1) + 1) as u32,
        }
    }
}

/// How a numeric zone offset is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OffsetStyle {
    /// `-07`
    Hours,
    /// `-0700`
    HoursMinutes,
    /// `-07:00`
    ColonHoursMinutes,
    /// `-070000`
    HoursMinutesSeconds,
    /// `-07:00:00`
    ColonHoursMinutesSeconds,
}

/// One element of a layout (Go's `std*` constants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Element {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    UpperPm,
    LowerPm,
    ZoneName,
    /// A numeric offset; `iso` writes `Z` for UTC (the `Z07:00` forms).
    Offset {
        style: OffsetStyle,
        iso: bool,
    },
    /// `.000` (`trim` false) or `.999` (`trim` true), with `,` or `.` as `separator`.
    Fraction {
        digits: usize,
        trim: bool,
        separator: u8,
    },
}

/// Numeric offset layouts, longest first as Go matches them (after the `-` or `Z`).
const OFFSET_LAYOUTS: [(&[u8], OffsetStyle); 5] = [
    (b"070000", OffsetStyle::HoursMinutesSeconds),
    (b"07:00:00", OffsetStyle::ColonHoursMinutesSeconds),
    (b"0700", OffsetStyle::HoursMinutes),
    (b"07:00", OffsetStyle::ColonHoursMinutes),
    (b"07", OffsetStyle::Hours),
];

/// Go's `nextStdChunk`: the literal prefix length, the element and its length, or
/// `None` when the rest of the layout is literal.
fn next_element(layout: &[u8]) -> Option<(usize, Element, usize)> {
    let starts = |at: usize, text: &[u8]| layout[at..].starts_with(text);
    let starts_lower = |at: usize| layout.get(at).is_some_and(u8::is_ascii_lowercase);
    for i in 0..layout.len() {
        let found = match layout[i] {
            b'J' if starts(i, b"January") => Some((Element::LongMonth, 7)),
            b'J' if starts(i, b"Jan") && !starts_lower(i + 3) => Some((Element::Month, 3)),
            b'M' if starts(i, b"Monday") => Some((Element::LongWeekDay, 6)),
            b'M' if starts(i, b"Mon") && !starts_lower(i + 3) => Some((Element::WeekDay, 3)),
            b'M' if starts(i, b"MST") => Some((Element::ZoneName, 3)),
            b'0' => match layout.get(i + 1) {
                Some(b'1') => Some((Element::ZeroMonth, 2)),
                Some(b'2') => Some((Element::ZeroDay, 2)),
                Some(b'3') => Some((Element::ZeroHour12, 2)),
                Some(b'4') => Some((Element::ZeroMinute, 2)),
                Some(b'5') => Some((Element::ZeroSecond, 2)),
                Some(b'6') => Some((Element::Year, 2)),
                Some(b'0') if starts(i, b"002") => Some((Element::ZeroYearDay, 3)),
                _ => None,
            },
            b'1' if starts(i, b"15") => Some((Element::Hour, 2)),
            b'1' => Some((Element::NumMonth, 1)),
            b'2' if starts(i, b"2006") => Some((Element::LongYear, 4)),
            b'2' => Some((Element::Day, 1)),
            // `_2006` is a literal `_` followed by the year.
            b'_' if starts(i, b"_2006") => return Some((i + 1, Element::LongYear, 4)),
            b'_' if starts(i, b"_2") => Some((Element::UnderDay, 2)),
            b'_' if starts(i, b"__2") => Some((Element::UnderYearDay, 3)),
            b'3' => Some((Element::Hour12, 1)),
            b'4' => Some((Element::Minute, 1)),
            b'5' => Some((Element::Second, 1)),
            b'P' if starts(i, b"PM") => Some((Element::UpperPm, 2)),
            b'p' if starts(i, b"pm") => Some((Element::LowerPm, 2)),
            sign @ (b'-' | b'Z') => OFFSET_LAYOUTS
                .iter()
                .find(|(text, _)| starts(i + 1, text))
                .map(|(text, style)| {
                    let iso = sign == b'Z';
                    (Element::Offset { style: *style, iso }, text.len() + 1)
                }),
            separator @ (b'.' | b',') => match layout.get(i + 1) {
                Some(&digit @ (b'0' | b'9')) => {
                    let run = layout[i + 1..].iter().take_while(|&&c| c == digit).count();
                    // Only a run of one repeated digit, not followed by another digit.
                    let followed_by_digit = layout.get(i + 1 + run).is_some_and(u8::is_ascii_digit);
                    (!followed_by_digit).then_some((
                        Element::Fraction {
                            digits: run,
                            trim: digit == b'9',
                            separator,
                        },
                        run + 1,
                    ))
                }
                _ => None,
            },
            _ => None,
        };
        if let Some((element, len)) = found {
            return Some((i, element, len));
        }
    }
    None
}

/// Go's `appendInt`: `value` in decimal, its magnitude zero-padded to `width` digits.
fn append_int(out: &mut Vec<u8>, value: i64, width: usize) {
    if value < 0 {
        out.push(b'-');
    }
    out.extend(format!("{:0width$}", value.unsigned_abs()).bytes());
}

/// Formats an instant, already broken down into `civil`, in a zone named `zone_name`
/// `offset` seconds east of UTC, following the Go reference `layout`.
pub fn format(layout: &[u8], civil: &Civil, zone_name: &[u8], offset: i32) -> Vec<u8> {
    let mut out = Vec::with_capacity(layout.len() + 10);
    let mut rest = layout;
    while let Some((prefix, element, len)) = next_element(rest) {
        out.extend_from_slice(&rest[..prefix]);
        rest = &rest[prefix + len..];
        format_element(&mut out, element, civil, zone_name, offset);
    }
    out.extend_from_slice(rest);
    out
}

fn format_element(out: &mut Vec<u8>, element: Element, c: &Civil, zone_name: &[u8], offset: i32) {
    let month_name = LONG_MONTHS[c.month as usize - 1];
    let day_name = LONG_DAYS[c.weekday as usize];
    let hour12 = match c.hour % 12 {
        0 => 12,
        hour => hour,
    };
    match element {
        Element::Year => append_int(out, (c.year % 100).abs(), 2),
        Element::LongYear => append_int(out, c.year, 4),
        Element::Month => out.extend_from_slice(&month_name.as_bytes()[..3]),
        Element::LongMonth => out.extend_from_slice(month_name.as_bytes()),
        Element::NumMonth => append_int(out, c.month.into(), 0),
        Element::ZeroMonth => append_int(out, c.month.into(), 2),
        Element::WeekDay => out.extend_from_slice(&day_name.as_bytes()[..3]),
        Element::LongWeekDay => out.extend_from_slice(day_name.as_bytes()),
        Element::Day => append_int(out, c.day.into(), 0),
        Element::UnderDay => {
            if c.day < 10 {
                out.push(b' ');
            }
            append_int(out, c.day.into(), 0);
        }
        Element::ZeroDay => append_int(out, c.day.into(), 2),
        Element::UnderYearDay => {
            let pad = if c.year_day < 10 {
                "  "
            } else if c.year_day < 100 {
                " "
            } else {
                ""
            };
            out.extend_from_slice(pad.as_bytes());
            append_int(out, c.year_day.into(), 0);
        }
        Element::ZeroYearDay => append_int(out, c.year_day.into(), 3),
        Element::Hour => append_int(out, c.hour.into(), 2),
        Element::Hour12 => append_int(out, hour12.into(), 0),
        Element::ZeroHour12 => append_int(out, hour12.into(), 2),
        Element::Minute => append_int(out, c.minute.into(), 0),
        Element::ZeroMinute => append_int(out, c.minute.into(), 2),
        Element::Second => append_int(out, c.second.into(), 0),
        Element::ZeroSecond => append_int(out, c.second.into(), 2),
        Element::UpperPm => out.extend_from_slice(if c.hour >= 12 { b"PM" } else { b"AM" }),
        Element::LowerPm => out.extend_from_slice(if c.hour >= 12 { b"pm" } else { b"am" }),
        Element::ZoneName if !zone_name.is_empty() => out.extend_from_slice(zone_name),
        // An unnamed zone is written as -0700.
        Element::ZoneName => format_offset(out, OffsetStyle::HoursMinutes, offset),
        Element::Offset { iso: true, .. } if offset == 0 => out.push(b'Z'),
        Element::Offset { style, .. } => format_offset(out, style, offset),
        Element::Fraction {
            digits,
            trim,
            separator,
        } => format_fraction(out, c.nanosecond, digits, trim, separator),
    }
}

fn format_offset(out: &mut Vec<u8>, style: OffsetStyle, offset: i32) {
    out.push(if offset < 0 { b'-' } else { b'+' });
    let magnitude = i64::from(offset).abs();
    append_int(out, magnitude / 3600, 2);
    let colon = matches!(
        style,
        OffsetStyle::ColonHoursMinutes | OffsetStyle::ColonHoursMinutesSeconds
    );
    if style != OffsetStyle::Hours {
        if colon {
            out.push(b':');
        }
        append_int(out, magnitude / 60 % 60, 2);
    }
    if matches!(
        style,
        OffsetStyle::HoursMinutesSeconds | OffsetStyle::ColonHoursMinutesSeconds
    ) {
        if colon {
            out.push(b':');
        }
        append_int(out, magnitude % 60, 2);
    }
}

/// Go's `appendNano`.
fn format_fraction(out: &mut Vec<u8>, nanosecond: u32, digits: usize, trim: bool, separator: u8) {
    if trim && (digits == 0 || nanosecond == 0) {
        return;
    }
    let all = format!("{nanosecond:09}");
    let mut kept = &all[..digits.min(9)];
    if trim {
        kept = kept.trim_end_matches('0');
        if kept.is_empty() {
            return;
        }
    }
    out.push(separator);
    out.extend_from_slice(kept.as_bytes());
}

/// Go's `Time.String()` without the monotonic reading:
/// `2024-12-29 15:04:05.123456789 +0000 UTC`, the fraction only when non-zero.
pub fn time_string(civil: &Civil, zone_name: &[u8], offset: i32) -> Vec<u8> {
    format(STRING_LAYOUT, civil, zone_name, offset)
}

/// Go's `time.quote`: double quotes, `"` and `\` escaped, other bytes outside
/// printable ASCII as `\xNN` (`crate::duration` has the same for its messages).
pub fn go_quote(text: &[u8]) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for &byte in text {
        if (0x20..0x80).contains(&byte) {
            if byte == b'"' || byte == b'\\' {
                quoted.push('\\');
            }
            quoted.push(byte as char);
        } else {
            quoted.push_str(&format!("\\x{byte:02x}"));
        }
    }
    quoted.push('"');
    quoted
}

/// What a parsed value said about its zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedZone {
    /// Nothing: the default location applies.
    Unspecified,
    /// `Z` or `UTC`.
    Utc,
    /// A numeric offset (seconds east of UTC), with the zone abbreviation if one was parsed too.
    Offset {
        /// Seconds east of UTC.
        offset: i32,
        /// An abbreviation such as `MST`, or empty.
        name: String,
    },
    /// An abbreviation only; `guessed_offset` is what Go assumes when no zone knows it
    /// (the hours of `GMT+3`, else 0).
    Name {
        /// The abbreviation, e.g. `PST`.
        name: String,
        /// Seconds east of UTC to use when no location has this abbreviation.
        guessed_offset: i32,
    },
}

/// A successfully parsed value: the civil date-time as local seconds, and its zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The civil date-time read as UTC (Unix seconds plus the zone's offset).
    pub local_seconds: i64,
    /// Nanoseconds, 0–999,999,999.
    pub nanosecond: u32,
    /// What the value said about its zone.
    pub zone: ParsedZone,
}

/// The message of Go's `ParseError`.
fn parse_error(layout: &[u8], value: &[u8], layout_elem: &[u8], value_elem: &[u8]) -> String {
    format!(
        "parsing time {} as {}: cannot parse {} as {}",
        go_quote(value),
        go_quote(layout),
        go_quote(value_elem),
        go_quote(layout_elem)
    )
}

/// Go's `getnum`: one or two digits (exactly two when `fixed`).
fn get_num(value: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let digit = |i: usize| {
        value
            .get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| i64::from(c - b'0'))
    };
    let first = digit(0)?;
    match digit(1) {
        Some(second) => Some((first * 10 + second, &value[2..])),
        None if fixed => None,
        None => Some((first, &value[1..])),
    }
}

/// Go's `getnum3`: one to three digits (exactly three when `fixed`).
fn get_num3(value: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let count = value
        .iter()
        .take(3)
        .take_while(|c| c.is_ascii_digit())
        .count();
    if count == 0 || (fixed && count != 3) {
        return None;
    }
    let number = value[..count]
        .iter()
        .fold(0, |n, c| n * 10 + i64::from(c - b'0'));
    Some((number, &value[count..]))
}

/// Go's `atoi`: an optionally signed decimal integer making up all of `text`.
fn atoi(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut number: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        number = number.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
    }
    Some(if negative { -number } else { number })
}

/// Go's `lookup`: the index of the name `value` starts with, ignoring ASCII case.
fn lookup_name<'v>(names: &[&str], len: Option<usize>, value: &'v [u8]) -> Option<(i64, &'v [u8])> {
    names.iter().enumerate().find_map(|(index, name)| {
        let name = &name.as_bytes()[..len.unwrap_or(name.len())];
        let prefix = value.get(..name.len())?;
        prefix
            .eq_ignore_ascii_case(name)
            .then_some((index as i64, &value[name.len()..]))
    })
}

/// Go's `skip`: consumes the literal `prefix`; a space matches any run of spaces.
/// On a mismatch, the error is the value from where it stopped matching.
fn skip<'v>(mut value: &'v [u8], mut prefix: &[u8]) -> Result<&'v [u8], &'v [u8]> {
    let trim = |text: &'v [u8]| &text[text.iter().take_while(|&&c| c == b' ').count()..];
    while let Some(&expected) = prefix.first() {
        if expected == b' ' {
            if value.first().is_some_and(|&c| c != b' ') {
                return Err(value);
            }
            prefix = &prefix[prefix.iter().take_while(|&&c| c == b' ').count()..];
            value = trim(value);
            continue;
        }
        if value.first() != Some(&expected) {
            return Err(value);
        }
        prefix = &prefix[1..];
        value = &value[1..];
    }
    Ok(value)
}

/// Go's `parseNanoseconds`: `value[..len]` is a separator and digits.
fn parse_nanoseconds(value: &[u8], len: usize) -> Result<i64, Option<&'static str>> {
    if !matches!(value.first(), Some(b'.' | b',')) {
        return Err(None);
    }
    let len = len.min(10);
    let nanos = atoi(&value[1..len]).ok_or(None)?;
    if nanos < 0 {
        return Err(Some("fractional second"));
    }
    Ok(nanos * 10i64.pow((10 - len) as u32))
}

/// Go's `parseSignedOffset`: the length of `+N`/`-N` (N ≤ 23) at the start of `value`, or 0.
fn signed_offset_len(value: &[u8]) -> usize {
    if !matches!(value.first(), Some(b'+' | b'-')) {
        return 0;
    }
    let digits = value[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    match atoi(&value[1..1 + digits]) {
        Some(hours) if digits > 0 && hours <= 23 => 1 + digits,
        _ => 0,
    }
}

/// Go's `parseTimeZone`: the length of a zone abbreviation at the start of `value`.
fn zone_name_len(value: &[u8]) -> Option<usize> {
    if value.len() < 3 {
        return None;
    }
    if value.starts_with(b"ChST") || value.starts_with(b"MeST") {
        return Some(4);
    }
    if value.starts_with(b"GMT") {
        return Some(3 + signed_offset_len(&value[3..]));
    }
    if matches!(value[0], b'+' | b'-') {
        return Some(signed_offset_len(value)).filter(|&len| len > 0);
    }
    let upper = value
        .iter()
        .take(6)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    match upper {
        3 => Some(3),
        4 if value[3] == b'T' || value.starts_with(b"WITA") => Some(4),
        5 if value[4] == b'T' => Some(5),
        _ => None,
    }
}

/// Fields collected while parsing; `None` is "not in the value".
#[derive(Default)]
struct Fields {
    year: i64,
    month: Option<i64>,
    day: Option<i64>,
    year_day: Option<i64>,
    hour: i64,
    minute: i64,
    second: i64,
    nanosecond: i64,
    pm: Option<bool>,
    utc: bool,
    offset: Option<i32>,
    zone_name: Vec<u8>,
}

/// Why one element failed: a plain mismatch, or a named field out of range.
enum ElementError {
    Bad,
    Range(&'static str),
}

/// Parses `value` with a Go reference `layout`, as Go's `time.Parse` does before it
/// resolves the zone. Errors carry Go's `ParseError` text.
pub fn parse(layout: &[u8], value: &[u8]) -> Result<Parsed, String> {
    let mut fields = Fields::default();
    let mut layout_rest = layout;
    let mut rest = value;
    loop {
        let next = next_element(layout_rest);
        let prefix = &layout_rest[..next.map_or(layout_rest.len(), |(prefix, _, _)| prefix)];
        rest = skip(rest, prefix).map_err(|at| parse_error(layout, value, prefix, at))?;
        let Some((prefix_len, element, len)) = next else {
            if !rest.is_empty() {
                return Err(format!(
                    "parsing time {}: extra text: {}",
                    go_quote(value),
                    go_quote(rest)
                ));
            }
            break;
        };
        let element_text = &layout_rest[prefix_len..prefix_len + len];
        layout_rest = &layout_rest[prefix_len + len..];
        let hold = rest;
        match parse_element(element, rest, layout_rest, &mut fields) {
            Ok(remaining) => rest = remaining,
            Err(ElementError::Range(what)) => {
                return Err(format!(
                    "parsing time {}: {what} out of range",
                    go_quote(value)
                ))
            }
            Err(ElementError::Bad) => return Err(parse_error(layout, value, element_text, hold)),
        }
    }
    finish(fields, value)
}

/// Parses one element at the start of `value`, returning what follows it.
fn parse_element<'v>(
    element: Element,
    value: &'v [u8],
    layout_rest: &[u8],
    fields: &mut Fields,
) -> Result<&'v [u8], ElementError> {
    use ElementError::{Bad, Range};
    let range = |ok: bool, what| if ok { Ok(()) } else { Err(Range(what)) };
    let rest = match element {
        Element::Year => {
            let digits = value.get(..2).ok_or(Bad)?;
            let year = atoi(digits).ok_or(Bad)?;
            // Two-digit years 69–99 are 19xx, as in Go (Unix time starts in 1969 somewhere).
            fields.year = if year >= 69 { year + 1900 } else { year + 2000 };
            &value[2..]
        }
        Element::LongYear => {
            let digits = value
                .get(..4)
                .filter(|d| d[0].is_ascii_digit())
                .ok_or(Bad)?;
            fields.year = atoi(digits).ok_or(Bad)?;
            &value[4..]
        }
        Element::Month | Element::LongMonth => {
            let len = (element == Element::Month).then_some(3);
            let (index, rest) = lookup_name(&LONG_MONTHS, len, value).ok_or(Bad)?;
            fields.month = Some(index + 1);
            rest
        }
        Element::NumMonth | Element::ZeroMonth => {
            let (month, rest) = get_num(value, element == Element::ZeroMonth).ok_or(Bad)?;
            range((1..=12).contains(&month), "month")?;
            fields.month = Some(month);
            rest
        }
        Element::WeekDay | Element::LongWeekDay => {
            // The weekday is checked for form only, as in Go.
            let len = (element == Element::WeekDay).then_some(3);
            lookup_name(&LONG_DAYS, len, value).ok_or(Bad)?.1
        }
        Element::Day | Element::UnderDay | Element::ZeroDay => {
            let value = match value {
                [b' ', rest @ ..] if element == Element::UnderDay => rest,
                _ => value,
            };
            let (day, rest) = get_num(value, element == Element::ZeroDay).ok_or(Bad)?;
            fields.day = Some(day);
            rest
        }
        Element::UnderYearDay | Element::ZeroYearDay => {
            let mut value = value;
            for _ in 0..2 {
                if element == Element::UnderYearDay && value.first() == Some(&b' ') {
                    value = &value[1..];
                }
            }
            let (year_day, rest) = get_num3(value, element == Element::ZeroYearDay).ok_or(Bad)?;
            fields.year_day = Some(year_day);
            rest
        }
        Element::Hour => {
            let (hour, rest) = get_num(value, false).ok_or(Bad)?;
            range(hour < 24, "hour")?;
            fields.hour = hour;
            rest
        }
        Element::Hour12 | Element::ZeroHour12 => {
            let (hour, rest) = get_num(value, element == Element::ZeroHour12).ok_or(Bad)?;
            range(hour <= 12, "hour")?;
            fields.hour = hour;
            rest
        }
        Element::Minute | Element::ZeroMinute => {
            let (minute, rest) = get_num(value, element == Element::ZeroMinute).ok_or(Bad)?;
            range(minute < 60, "minute")?;
            fields.minute = minute;
            rest
        }
        Element::Second | Element::ZeroSecond => {
            let (second, rest) = get_num(value, element == Element::ZeroSecond).ok_or(Bad)?;
            range(second < 60, "second")?;
            fields.second = second;
            parse_unlisted_fraction(rest, layout_rest, fields)?
        }
        Element::UpperPm | Element::LowerPm => {
            let (am, pm): (&[u8], &[u8]) = if element == Element::UpperPm {
                (b"AM", b"PM")
            } else {
                (b"am", b"pm")
            };
            let marker = value.get(..2).ok_or(Bad)?;
            fields.pm = Some(if marker == pm {
                true
            } else if marker == am {
                false
            } else {
                return Err(Bad);
            });
            &value[2..]
        }
        Element::Offset { iso: true, .. } if value.first() == Some(&b'Z') => {
            fields.utc = true;
            &value[1..]
        }
        Element::Offset { style, .. } => {
            let (offset, rest) = parse_offset(style, value)?;
            fields.offset = Some(offset);
            rest
        }
        Element::ZoneName if value.starts_with(b"UTC") => {
            fields.utc = true;
            &value[3..]
        }
        Element::ZoneName => {
            let len = zone_name_len(value).ok_or(Bad)?;
            fields.zone_name = value[..len].to_vec();
            &value[len..]
        }
        Element::Fraction {
            trim: false,
            digits,
            ..
        } => {
            let len = 1 + digits;
            if value.len() < len {
                return Err(Bad);
            }
            fields.nanosecond = parse_nanoseconds(value, len).map_err(range_or_bad)?;
            &value[len..]
        }
        Element::Fraction { trim: true, .. } => {
            let has_fraction = matches!(value.first(), Some(b'.' | b','))
                && value.get(1).is_some_and(u8::is_ascii_digit);
            if !has_fraction {
                return Ok(value);
            }
            // Any number of digits, even more than the layout shows.
            let len = 1 + value[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            fields.nanosecond = parse_nanoseconds(value, len).map_err(range_or_bad)?;
            &value[len..]
        }
    };
    Ok(rest)
}

fn range_or_bad(error: Option<&'static str>) -> ElementError {
    error.map_or(ElementError::Bad, ElementError::Range)
}

/// A fraction after the seconds that the layout does not list is still accepted (Go).
fn parse_unlisted_fraction<'v>(
    value: &'v [u8],
    layout_rest: &[u8],
    fields: &mut Fields,
) -> Result<&'v [u8], ElementError> {
    let has_fraction =
        matches!(value.first(), Some(b'.' | b',')) && value.get(1).is_some_and(u8::is_ascii_digit);
    let layout_has_fraction = matches!(
        next_element(layout_rest),
        Some((_, Element::Fraction { .. }, _))
    );
    if !has_fraction || layout_has_fraction {
        return Ok(value);
    }
    let len = 1 + value[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    fields.nanosecond = parse_nanoseconds(value, len).map_err(range_or_bad)?;
    Ok(&value[len..])
}

/// Parses a numeric zone offset in `style` at the start of `value`.
fn parse_offset(style: OffsetStyle, value: &[u8]) -> Result<(i32, &[u8]), ElementError> {
    use ElementError::{Bad, Range};
    // Byte positions of hours, minutes, seconds and required colons, and the total length.
    let (len, minutes_at, seconds_at, colons): (usize, Option<usize>, Option<usize>, &[usize]) =
        match style {
            OffsetStyle::Hours => (3, None, None, &[]),
            OffsetStyle::HoursMinutes => (5, Some(3), None, &[]),
            OffsetStyle::ColonHoursMinutes => (6, Some(4), None, &[3]),
            OffsetStyle::HoursMinutesSeconds => (7, Some(3), Some(5), &[]),
            OffsetStyle::ColonHoursMinutesSeconds => (9, Some(4), Some(7), &[3, 6]),
        };
    let text = value.get(..len).ok_or(Bad)?;
    if colons.iter().any(|&at| text[at] != b':') {
        return Err(Bad);
    }
    let two_digits = |at: Option<usize>| match at {
        None => Ok(0),
        Some(at) => get_num(&text[at..at + 2], true).map(|(n, _)| n).ok_or(Bad),
    };
    let hours = two_digits(Some(1))?;
    let minutes = two_digits(minutes_at)?;
    let seconds = two_digits(seconds_at)?;
    // Go compares with > rather than >=: offsets of 24 hours or 60 minutes are written.
    if seconds > 60 {
        return Err(Range("time zone offset second"));
    }
    if minutes > 60 {
        return Err(Range("time zone offset minute"));
    }
    if hours > 24 {
        return Err(Range("time zone offset hour"));
    }
    let magnitude = ((hours * 60 + minutes) * 60 + seconds) as i32;
    let offset = match text[0] {
        b'+' => magnitude,
        b'-' => -magnitude,
        _ => return Err(Bad),
    };
    Ok((offset, &value[len..]))
}

/// Validates the collected fields and builds the result (the tail of Go's `parse`).
fn finish(mut fields: Fields, value: &[u8]) -> Result<Parsed, String> {
    let error = |what: &str| format!("parsing time {}: {what}", go_quote(value));
    match fields.pm {
        Some(true) if fields.hour < 12 => fields.hour += 12,
        Some(false) if fields.hour == 12 => fields.hour = 0,
        _ => {}
    }
    let year = fields.year;
    let (month, day) = match fields.year_day {
        Some(year_day) => {
            let (month, day) = month_day_of_year(year_day, year)
                .ok_or_else(|| error("day-of-year out of range"))?;
            if fields.month.is_some_and(|m| m != month) {
                return Err(error("day-of-year does not match month"));
            }
            if fields.day.is_some_and(|d| d != day) {
                return Err(error("day-of-year does not match day"));
            }
            (month, day)
        }
        None => (fields.month.unwrap_or(1), fields.day.unwrap_or(1)),
    };
    if day < 1 || day > i64::from(days_in_month(month as u32, year)) {
        return Err(error("day out of range"));
    }
    let (local_seconds, nanosecond) = normalise(
        year.into(),
        month.into(),
        day.into(),
        fields.hour.into(),
        fields.minute.into(),
        fields.second.into(),
        fields.nanosecond.into(),
    )
    .ok_or_else(|| error("year out of range"))?;
    let name = String::from_utf8_lossy(&fields.zone_name).into_owned();
    let zone = if fields.utc {
        ParsedZone::Utc
    } else if let Some(offset) = fields.offset {
        ParsedZone::Offset { offset, name }
    } else if !name.is_empty() {
        let guessed_offset = match name.strip_prefix("GMT") {
            Some(hours) if !hours.is_empty() => atoi(hours.as_bytes()).unwrap_or(0) as i32 * 3600,
            _ => 0,
        };
        ParsedZone::Name {
            name,
            guessed_offset,
        }
    } else {
        ParsedZone::Unspecified
    };
    Ok(Parsed {
        local_seconds,
        nanosecond,
        zone,
    })
}

/// Month and day of day-of-year `year_day` (1–366) in `year`.
fn month_day_of_year(year_day: i64, year: i64) -> Option<(i64, i64)> {
    let days_in_year = if is_leap(year) { 366 } else { 365 };
    if !(1..=days_in_year).contains(&year_day) {
        return None;
    }
    let mut remaining = year_day;
    for month in 1..=12 {
        let days = i64::from(days_in_month(month, year));
        if remaining <= days {
            return Some((month.into(), remaining));
        }
        remaining -= days;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Formats Unix time `seconds.nanos` in a zone, as a string.
    fn fmt(layout: &str, seconds: i64, nanos: u32, name: &str, offset: i32) -> String {
        let civil = Civil::at(seconds, nanos, offset);
        String::from_utf8(format(layout.as_bytes(), &civil, name.as_bytes(), offset)).unwrap()
    }

    /// Go's reference time, Mon Jan 2 15:04:05 MST 2006 (MST = -0700).
    const REFERENCE: i64 = 1_136_239_445;
    const MST: i32 = -7 * 3600;

    fn unix_of(year: i64, month: i64, day: i64, hour: i64, minute: i64, second: i64) -> i64 {
        normalise(
            year.into(),
            month.into(),
            day.into(),
            hour.into(),
            minute.into(),
            second.into(),
            0,
        )
        .unwrap()
        .0
    }

    #[test]
    fn civil_dates_round_trip_through_days() {
        assert_eq!(unix_of(1970, 1, 1, 0, 0, 0), 0);
        assert_eq!(unix_of(2006, 1, 2, 22, 4, 5), REFERENCE);
        assert_eq!(unix_of(2000, 2, 29, 0, 0, 0), 951_782_400);
        assert_eq!(unix_of(1, 1, 1, 0, 0, 0), ZERO_TIME_UNIX);
        assert_eq!(unix_of(1969, 12, 31, 23, 59, 59), -1);
        for days in [-800_000i128, -1, 0, 1, 59, 60, 365, 10_956, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(
                days_from_civil(y.into(), m.into()) + i128::from(d) - 1,
                days
            );
        }
    }

    #[test]
    fn civil_fields_weekday_and_year_day() {
        let c = Civil::at(REFERENCE, 5, MST);
        assert_eq!(
            c,
            Civil {
                year: 2006,
                month: 1,
                day: 2,
                hour: 15,
                minute: 4,
                second: 5,
                nanosecond: 5,
                weekday: 1,
                year_day: 2
            }
        );
        // 2024-12-31 is a Tuesday, day 366 of a leap year.
        let c = Civil::at(unix_of(2024, 12, 31, 12, 0, 0), 0, 0);
        assert_eq!((c.weekday, c.year_day), (2, 366));
        // 1969-12-31 23:59:59 UTC: a Wednesday.
        let c = Civil::at(-1, 0, 0);
        assert_eq!(
            (c.year, c.month, c.day, c.hour, c.weekday),
            (1969, 12, 31, 23, 3)
        );
        // Year 1 began on a Monday.
        assert_eq!(Civil::at(ZERO_TIME_UNIX, 0, 0).weekday, 1);
    }

    #[test]
    fn leap_years_and_month_lengths() {
        assert!(is_leap(2000) && is_leap(2024) && is_leap(0) && is_leap(-4));
        assert!(!is_leap(1900) && !is_leap(2023) && !is_leap(2100));
        assert_eq!(days_in_month(2, 2024), 29);
        assert_eq!(days_in_month(2, 2023), 28);
        assert_eq!(days_in_month(4, 2023), 30);
        assert_eq!(days_in_month(12, 2023), 31);
    }

    #[test]
    fn out_of_range_fields_normalise_like_go_date() {
        // Go: Date(2024, 13, 32, ...) is 2025-02-01.
        assert_eq!(unix_of(2024, 13, 32, 0, 0, 0), unix_of(2025, 2, 1, 0, 0, 0));
        // Go's doc: October 32 converts to November 1.
        assert_eq!(
            unix_of(2011, 10, 32, 0, 0, 0),
            unix_of(2011, 11, 1, 0, 0, 0)
        );
        assert_eq!(unix_of(2024, 3, 0, 0, 0, 0), unix_of(2024, 2, 29, 0, 0, 0));
        assert_eq!(unix_of(2024, 0, 1, 0, 0, 0), unix_of(2023, 12, 1, 0, 0, 0));
        assert_eq!(unix_of(2024, -11, 1, 0, 0, 0), unix_of(2023, 1, 1, 0, 0, 0));
        assert_eq!(
            unix_of(2024, -12, 1, 0, 0, 0),
            unix_of(2022, 12, 1, 0, 0, 0)
        );
        assert_eq!(
            unix_of(2024, 1, 1, 25, 61, 61),
            unix_of(2024, 1, 2, 2, 2, 1)
        );
        assert_eq!(
            unix_of(2024, 1, 1, -1, 0, 0),
            unix_of(2023, 12, 31, 23, 0, 0)
        );
        let (seconds, nanos) = normalise(2024, 1, 1, 0, 0, 0, -1).unwrap();
        assert_eq!(
            (seconds, nanos),
            (unix_of(2023, 12, 31, 23, 59, 59), 999_999_999)
        );
        let (seconds, nanos) = normalise(2024, 1, 1, 0, 0, 0, 2_500_000_000).unwrap();
        assert_eq!(
            (seconds, nanos),
            (unix_of(2024, 1, 1, 0, 0, 2), 500_000_000)
        );
    }

    #[test]
    fn normalise_rejects_what_i64_cannot_hold() {
        let max = i128::from(i64::MAX);
        assert_eq!(normalise(max, 1, 1, 0, 0, 0, 0), None);
        assert_eq!(normalise(2024, 1, max, max, max, max, max), None);
        assert!(normalise(2024, max, 1, 0, 0, 0, 0).is_none());
    }

    #[test]
    fn formats_go_reference_elements() {
        let f = |layout| fmt(layout, REFERENCE, 0, "MST", MST);
        assert_eq!(f("2006-01-02 15:04:05"), "2006-01-02 15:04:05");
        assert_eq!(f("Jan January Mon Monday"), "Jan January Mon Monday");
        assert_eq!(f("1 01 2 02 _2 06 2006"), "1 01 2 02  2 06 2006");
        assert_eq!(f("3 03 15 4 04 5 05 PM pm"), "3 03 15 4 04 5 05 PM pm");
        assert_eq!(f("002 __2"), "002   2");
        assert_eq!(
            f("MST -0700 -07:00 -07 -070000 -07:00:00"),
            "MST -0700 -07:00 -07 -070000 -07:00:00"
        );
        assert_eq!(
            f("Z0700 Z07:00 Z07 Z070000 Z07:00:00"),
            "-0700 -07:00 -07 -070000 -07:00:00"
        );
        assert_eq!(f("_2006"), "_2006");
        // Not elements: "Janx" would be, "Jane" is not (lower-case letter follows).
        assert_eq!(f("Jane Monx"), "Jane Monx");
        assert_eq!(f("Monthly"), "Monthly");
        assert_eq!(f("literal text: ok"), "literal text: ok");
    }

    #[test]
    fn formats_go_layout_constants() {
        let t = REFERENCE;
        assert_eq!(
            fmt("2006-01-02T15:04:05Z07:00", t, 0, "MST", MST),
            "2006-01-02T15:04:05-07:00"
        );
        assert_eq!(
            fmt("2006-01-02T15:04:05Z07:00", t, 0, "UTC", 0),
            "2006-01-02T22:04:05Z"
        );
        assert_eq!(
            fmt("02 Jan 06 15:04 MST", t, 0, "MST", MST),
            "02 Jan 06 15:04 MST"
        );
        assert_eq!(
            fmt("Monday, 02-Jan-06 15:04:05 MST", t, 0, "MST", MST),
            "Monday, 02-Jan-06 15:04:05 MST"
        );
        assert_eq!(
            fmt("Mon, 02 Jan 2006 15:04:05 -0700", t, 0, "MST", MST),
            "Mon, 02 Jan 2006 15:04:05 -0700"
        );
        assert_eq!(fmt("3:04PM", t, 0, "MST", MST), "3:04PM");
        assert_eq!(
            fmt("Jan _2 15:04:05.000", t, 123_456_789, "MST", MST),
            "Jan  2 15:04:05.123"
        );
        // Midnight and noon on the 12-hour clock.
        assert_eq!(
            fmt("3:04PM 03pm", unix_of(2024, 5, 6, 0, 7, 0), 0, "UTC", 0),
            "12:07AM 12am"
        );
        assert_eq!(
            fmt("3:04PM", unix_of(2024, 5, 6, 12, 0, 0), 0, "UTC", 0),
            "12:00PM"
        );
    }

    #[test]
    fn formats_fractional_seconds() {
        let t = REFERENCE;
        let f = |layout, nanos| fmt(layout, t, nanos, "UTC", 0);
        assert_eq!(f("05.000", 120_000_000), "05.120");
        assert_eq!(f("05,000", 120_000_000), "05,120");
        assert_eq!(f("05.999", 120_000_000), "05.12");
        assert_eq!(f("05.999", 0), "05");
        assert_eq!(f("05.000", 0), "05.000");
        assert_eq!(f("05.999999999", 1), "05.000000001");
        assert_eq!(f("05.000000000", 123_456_789), "05.123456789");
        assert_eq!(f("05.9", 950_000_000), "05.9");
        assert_eq!(f("05.999", 400), "05");
    }

    #[test]
    fn formats_offsets_and_zone_names() {
        let f = |layout, name, offset| fmt(layout, 0, 0, name, offset);
        assert_eq!(f("-07:00", "", 5 * 3600 + 30 * 60), "+05:30");
        assert_eq!(f("-0700", "", -(3 * 3600 + 30 * 60)), "-0330");
        assert_eq!(f("-07:00:00", "", 3600 + 61), "+01:01:01");
        assert_eq!(f("Z07:00", "", 0), "Z");
        assert_eq!(f("-07:00", "", 0), "+00:00");
        // An unnamed zone prints its offset in MST's place.
        assert_eq!(f("MST", "", 3600), "+0100");
        assert_eq!(f("MST", "", -(9 * 3600 + 30 * 60)), "-0930");
    }

    #[test]
    fn formats_years_outside_four_digits() {
        let f = |year| fmt("2006 06", unix_of(year, 1, 1, 0, 0, 0), 0, "UTC", 0);
        assert_eq!(f(5), "0005 05");
        assert_eq!(f(12345), "12345 45");
        assert_eq!(f(-5), "-0005 05");
    }

    #[test]
    fn time_string_matches_go() {
        let t = unix_of(2024, 12, 29, 15, 4, 5);
        let s = |nanos, name: &str, offset| {
            String::from_utf8(time_string(
                &Civil::at(t - i64::from(offset), nanos, offset),
                name.as_bytes(),
                offset,
            ))
            .unwrap()
        };
        assert_eq!(s(0, "UTC", 0), "2024-12-29 15:04:05 +0000 UTC");
        assert_eq!(
            s(123_456_789, "UTC", 0),
            "2024-12-29 15:04:05.123456789 +0000 UTC"
        );
        assert_eq!(s(500_000_000, "UTC", 0), "2024-12-29 15:04:05.5 +0000 UTC");
        assert_eq!(s(0, "CET", 3600), "2024-12-29 15:04:05 +0100 CET");
        assert_eq!(s(0, "", -3600), "2024-12-29 15:04:05 -0100 -0100");
    }

    fn parsed(layout: &str, value: &str) -> Result<Parsed, String> {
        parse(layout.as_bytes(), value.as_bytes())
    }

    fn parsed_at(layout: &str, value: &str) -> (i64, u32, ParsedZone) {
        let p = parsed(layout, value).unwrap();
        (p.local_seconds, p.nanosecond, p.zone)
    }

    #[test]
    fn parses_dates_and_times() {
        assert_eq!(
            parsed_at("2006-01-02 15:04:05", "2024-12-29 15:04:05"),
            (unix_of(2024, 12, 29, 15, 4, 5), 0, ParsedZone::Unspecified)
        );
        assert_eq!(
            parsed_at("2006-01-02", "2024-02-29").0,
            unix_of(2024, 2, 29, 0, 0, 0)
        );
        assert_eq!(
            parsed_at("15:04:05", "23:59:58").0,
            unix_of(0, 1, 1, 23, 59, 58)
        );
        assert_eq!(
            parsed_at("Jan 2, 2006", "feb 3, 2013").0,
            unix_of(2013, 2, 3, 0, 0, 0)
        );
        assert_eq!(
            parsed_at("January 2 06", "MARCH 9 70").0,
            unix_of(1970, 3, 9, 0, 0, 0)
        );
        assert_eq!(parsed_at("06", "68").0, unix_of(2068, 1, 1, 0, 0, 0));
        assert_eq!(
            parsed_at("Mon Jan _2 2006", "Tue Mar  5 2024").0,
            unix_of(2024, 3, 5, 0, 0, 0)
        );
        assert_eq!(
            parsed_at("Monday 1/2/2006", "Friday 7/4/2025").0,
            unix_of(2025, 7, 4, 0, 0, 0)
        );
        assert_eq!(parsed_at("3:04PM", "12:30AM").0, unix_of(0, 1, 1, 0, 30, 0));
        assert_eq!(parsed_at("3:04pm", "1:05pm").0, unix_of(0, 1, 1, 13, 5, 0));
        assert_eq!(
            parsed_at("2006 002", "2024 060").0,
            unix_of(2024, 2, 29, 0, 0, 0)
        );
        assert_eq!(
            parsed_at("2006 __2", "2023  60").0,
            unix_of(2023, 3, 1, 0, 0, 0)
        );
        // Spaces in the layout match any run of spaces.
        assert_eq!(
            parsed_at("2006 01", "2024   05").0,
            unix_of(2024, 5, 1, 0, 0, 0)
        );
    }

    #[test]
    fn parses_fractions() {
        assert_eq!(parsed_at("05.000", "07.120").1, 120_000_000);
        assert_eq!(parsed_at("05.999", "07").1, 0);
        assert_eq!(parsed_at("05.999", "07.123456789").1, 123_456_789);
        // A fraction the layout does not mention is still read after the seconds.
        assert_eq!(parsed_at("15:04:05", "10:00:01.5").1, 500_000_000);
        assert_eq!(parsed_at("05,000", "01,250").1, 250_000_000);
        // More than nine digits are truncated.
        assert_eq!(parsed_at("05.999", "01.1234567891").1, 123_456_789);
    }

    #[test]
    fn parses_zones() {
        let t = unix_of(2006, 1, 2, 15, 4, 5);
        assert_eq!(
            parsed_at("2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05Z"),
            (t, 0, ParsedZone::Utc)
        );
        assert_eq!(
            parsed_at("2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05-07:00").2,
            ParsedZone::Offset {
                offset: MST,
                name: String::new()
            }
        );
        assert_eq!(
            parsed_at(
                "2006-01-02 15:04:05 -0700 MST",
                "2006-01-02 15:04:05 +0530 IST"
            )
            .2,
            ParsedZone::Offset {
                offset: 19_800,
                name: "IST".into()
            }
        );
        assert_eq!(
            parsed_at("-07", "+03").2,
            ParsedZone::Offset {
                offset: 10_800,
                name: String::new()
            }
        );
        assert_eq!(
            parsed_at("-07:00:00", "-01:02:03").2,
            ParsedZone::Offset {
                offset: -3723,
                name: String::new()
            }
        );
        assert_eq!(parsed_at("MST", "UTC").2, ParsedZone::Utc);
        assert_eq!(
            parsed_at("MST", "PST").2,
            ParsedZone::Name {
                name: "PST".into(),
                guessed_offset: 0
            }
        );
        assert_eq!(
            parsed_at("MST", "CEST").2,
            ParsedZone::Name {
                name: "CEST".into(),
                guessed_offset: 0
            }
        );
        assert_eq!(
            parsed_at("MST", "GMT+3").2,
            ParsedZone::Name {
                name: "GMT+3".into(),
                guessed_offset: 10_800
            }
        );
        assert_eq!(
            parsed_at("MST", "GMT").2,
            ParsedZone::Name {
                name: "GMT".into(),
                guessed_offset: 0
            }
        );
    }

    #[test]
    fn parse_errors_carry_go_texts() {
        let err = |layout, value| parsed(layout, value).unwrap_err();
        assert_eq!(
            err("2006-01-02", "2024/01/02"),
            r#"parsing time "2024/01/02" as "2006-01-02": cannot parse "/01/02" as "-""#
        );
        assert_eq!(
            err("2006-01-02", "24-01-02"),
            r#"parsing time "24-01-02" as "2006-01-02": cannot parse "24-01-02" as "2006""#
        );
        assert_eq!(
            err("2006-01-02", "2024-13-02"),
            r#"parsing time "2024-13-02": month out of range"#
        );
        assert_eq!(
            err("2006-01-02", "2023-02-29"),
            r#"parsing time "2023-02-29": day out of range"#
        );
        assert_eq!(
            err("15:04", "24:00"),
            r#"parsing time "24:00": hour out of range"#
        );
        assert_eq!(
            err("15:04", "23:60"),
            r#"parsing time "23:60": minute out of range"#
        );
        assert_eq!(
            err("15:04:05", "23:59:60"),
            r#"parsing time "23:59:60": second out of range"#
        );
        assert_eq!(
            err("2006-01-02", "2024-01-02x"),
            r#"parsing time "2024-01-02x": extra text: "x""#
        );
        assert_eq!(
            err("Jan 2006", "Foo 2006"),
            r#"parsing time "Foo 2006" as "Jan 2006": cannot parse "Foo 2006" as "Jan""#
        );
        assert_eq!(
            err("3PM", "3XM"),
            r#"parsing time "3XM" as "3PM": cannot parse "XM" as "PM""#
        );
        assert_eq!(
            err("-07:00", "+0100"),
            r#"parsing time "+0100" as "-07:00": cannot parse "+0100" as "-07:00""#
        );
        assert_eq!(
            err("-0700", "+2500"),
            r#"parsing time "+2500": time zone offset hour out of range"#
        );
        assert_eq!(
            err("2006 002", "2023 366"),
            r#"parsing time "2023 366": day-of-year out of range"#
        );
        assert_eq!(
            err("2006 002 01", "2024 060 03"),
            r#"parsing time "2024 060 03": day-of-year does not match month"#
        );
        assert_eq!(
            err("05.000", "01.12"),
            r#"parsing time "01.12" as "05.000": cannot parse ".12" as ".000""#
        );
        assert_eq!(
            err("2006", "é"),
            r#"parsing time "\xc3\xa9" as "2006": cannot parse "\xc3\xa9" as "2006""#
        );
        assert_eq!(err("", "x"), r#"parsing time "x": extra text: "x""#);
    }

    #[test]
    fn format_then_parse_round_trips() {
        let layout = "2006-01-02T15:04:05.999999999Z07:00";
        for (seconds, nanos, offset) in [(REFERENCE, 5, MST), (0, 0, 0), (-86_401, 999, 3600)] {
            let text = fmt(layout, seconds, nanos, "", offset);
            let p = parsed(layout, &text).unwrap();
            assert_eq!(p.local_seconds, seconds + i64::from(offset), "{text}");
            assert_eq!(p.nanosecond, nanos);
        }
    }

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote(b"a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote(b"\t\xff"), r#""\x09\xff""#);
    }
}
