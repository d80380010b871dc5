//! The `os` table a process gets (manifest.md §3.1): `time`, `date`, `clock`,
//! `difftime` and `platform = "wippy"` (Lua 5.4 manual §6.9). The calendar is
//! proleptic Gregorian; the local zone is the host's.

use crate::host::Host;
use std::rc::Rc;

use piccolo::{CallbackReturn, Context, Error, IntoValue, Table, Value};

use super::args::{check_table, library_fn, to_numeric, type_error};
use super::check::{arg_error, check_integer, float_to_integer};
use crate::api::set;
use crate::calendar;
use crate::env::Env;

const NANOS_PER_SECOND: i64 = 1_000_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// Installs the `os` table.
pub fn install(ctx: Context<'_>, env: &Rc<Env>) {
    let os = Table::new(&ctx);
    set(ctx, os, "platform", "wippy");

    let e = env.clone();
    set(
        ctx,
        os,
        "time",
        library_fn(ctx, move |ctx, _, mut stack| {
            let seconds = match stack.get(0) {
                Value::Nil => e.host.now().div_euclid(NANOS_PER_SECOND),
                _ => {
                    let fields = check_table(ctx, &stack, 0, "time")?;
                    time_from_fields(ctx, &e, fields)?
                }
            };
            stack.replace(ctx, seconds);
            Ok(CallbackReturn::Return)
        }),
    );

    let e = env.clone();
    set(
        ctx,
        os,
        "date",
        library_fn(ctx, move |ctx, _, mut stack| {
            let format = match stack.get(0) {
                Value::Nil => "%c".to_string(),
                Value::String(s) => s.to_str_lossy().into_owned(),
                value @ (Value::Integer(_) | Value::Number(_)) => crate::api::display(value),
                _ => return Err(type_error(ctx, &stack, 0, "date", "string")),
            };
            let seconds = match stack.get(1) {
                Value::Nil => e.host.now().div_euclid(NANOS_PER_SECOND),
                _ => check_integer(ctx, &stack, 1, "date")?,
            };
            let (utc, format) = match format.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, format.as_str()),
            };
            let (offset, zone) = if utc {
                (0, "UTC".to_string())
            } else {
                e.host.local_offset(seconds)
            };
            let time = BrokenDown::at(seconds + i64::from(offset), offset, zone);
            if format.starts_with("*t") {
                let fields = Table::new(&ctx);
                time.store(ctx, fields);
                stack.replace(ctx, fields);
            } else {
                let text = time.format(format).map_err(|spec| {
                    arg_error(
                        ctx,
                        0,
                        "date",
                        format!("invalid conversion specifier '%{spec}'"),
                    )
                })?;
                stack.replace(ctx, piccolo::String::from_slice(&ctx, text));
            }
            Ok(CallbackReturn::Return)
        }),
    );

    // No CPU clock reaches the sandbox: `os.clock()` is the wall-clock time this
    // process has existed, in seconds, which bounds its CPU time from above.
    let e = env.clone();
    set(
        ctx,
        os,
        "clock",
        library_fn(ctx, move |ctx, _, mut stack| {
            let elapsed = e.host.now().saturating_sub(e.started_at.get());
            stack.replace(ctx, elapsed as f64 / NANOS_PER_SECOND as f64);
            Ok(CallbackReturn::Return)
        }),
    );

    set(
        ctx,
        os,
        "difftime",
        library_fn(ctx, |ctx, _, mut stack| {
            let t2 = check_integer(ctx, &stack, 0, "difftime")?;
            let t1 = check_integer(ctx, &stack, 1, "difftime")?;
            stack.replace(ctx, t2 as f64 - t1 as f64);
            Ok(CallbackReturn::Return)
        }),
    );
    set(ctx, ctx.globals(), "os", os);
}

/// An integer field of an `os.time` table, as Lua's `getfield` reads it: `default`
/// when absent (none: required), `delta` subtracted, and within C's `int`.
fn field<'gc>(
    ctx: Context<'gc>,
    fields: Table<'gc>,
    key: &str,
    default: Option<i64>,
    delta: i64,
) -> Result<i64, Error<'gc>> {
    let value = fields.get(ctx, ctx.intern(key.as_bytes()));
    let number = match to_numeric(value) {
        Some(Value::Integer(i)) => Some(i),
        Some(Value::Number(n)) => float_to_integer(n),
        _ => None,
    };
    let Some(number) = number else {
        return match (value, default) {
            (Value::Nil, Some(default)) => Ok(default),
            (Value::Nil, None) => Err(fail(ctx, format!("field '{key}' missing in date table"))),
            _ => Err(fail(ctx, format!("field '{key}' is not an integer"))),
        };
    };
    let in_range = if number >= 0 {
        number - delta <= i64::from(i32::MAX)
    } else {
        i64::from(i32::MIN) + delta <= number
    };
    if !in_range {
        return Err(fail(ctx, format!("field '{key}' is out-of-bound")));
    }
    Ok(number - delta)
}

fn fail(ctx: Context<'_>, message: String) -> Error<'_> {
    message.into_value(ctx).into()
}

/// `os.time{...}`: the local time the fields name (normalised like `mktime`), as
/// seconds since the epoch; the table is updated with the normalised fields.
fn time_from_fields<'gc>(
    ctx: Context<'gc>,
    env: &Env,
    fields: Table<'gc>,
) -> Result<i64, Error<'gc>> {
    let year = field(ctx, fields, "year", None, 1900)? + 1900;
    let month = field(ctx, fields, "month", None, 1)?;
    let day = field(ctx, fields, "day", None, 0)?;
    let hour = field(ctx, fields, "hour", Some(12), 0)?;
    let minute = field(ctx, fields, "min", Some(0), 0)?;
    let second = field(ctx, fields, "sec", Some(0), 0)?;
    let year = year + month.div_euclid(12);
    let month = month.rem_euclid(12);
    let local = days_from_civil(year, month + 1, 1) * SECONDS_PER_DAY
        + (day - 1) * SECONDS_PER_DAY
        + hour * 3600
        + minute * 60
        + second;
    // The offset in force at the instant meant; asked twice so a guess made with the
    // wrong side of a zone change corrects itself.
    let first_guess = local - i64::from(env.host.local_offset(local).0);
    let (offset, zone) = env.host.local_offset(first_guess);
    let seconds = local - i64::from(offset);
    BrokenDown::at(seconds + i64::from(offset), offset, zone).store(ctx, fields);
    Ok(seconds)
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (month 1–12).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    (calendar::days_from_civil(year.into(), month.into()) + i128::from(day) - 1) as i64
}

/// The date of a day counted from 1970-01-01: (year, month 1–12, day 1–31).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let (year, month, day) = calendar::civil_from_days(days.into());
    (year, month.into(), day.into())
}

/// A time of day in some zone, C's `struct tm`.
struct BrokenDown {
    year: i64,
    /// 1–12.
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    /// 0 = Sunday.
    weekday: i64,
    /// 1–366.
    year_day: i64,
    offset: i32,
    zone: String,
}

impl BrokenDown {
    /// The fields of `local_seconds` (seconds since the epoch, shifted into the zone).
    fn at(local_seconds: i64, offset: i32, zone: String) -> Self {
        let days = local_seconds.div_euclid(SECONDS_PER_DAY);
        let in_day = local_seconds.rem_euclid(SECONDS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        BrokenDown {
            year,
            month,
            day,
            hour: in_day / 3600,
            minute: in_day % 3600 / 60,
            second: in_day % 60,
            weekday: (days + 4).rem_euclid(7),
            year_day: days - days_from_civil(year, 1, 1) + 1,
            offset,
            zone,
        }
    }

    /// Writes the `os.date("*t")` fields into `table`.
    fn store<'gc>(&self, ctx: Context<'gc>, table: Table<'gc>) {
        set(ctx, table, "year", self.year);
        set(ctx, table, "month", self.month);
        set(ctx, table, "day", self.day);
        set(ctx, table, "hour", self.hour);
        set(ctx, table, "min", self.minute);
        set(ctx, table, "sec", self.second);
        set(ctx, table, "wday", self.weekday + 1);
        set(ctx, table, "yday", self.year_day);
        set(ctx, table, "isdst", false);
    }

    /// ISO 8601 week-based year and week number (`%G`, `%V`).
    fn iso_week(&self) -> (i64, i64) {
        let weekday_from_monday = (self.weekday + 6) % 7;
        let week = (self.year_day - 1 - weekday_from_monday + 10) / 7;
        if week < 1 {
            let previous = self.year - 1;
            let days_in_previous = if calendar::is_leap(previous) {
                366
            } else {
                365
            };
            let shifted = BrokenDown {
                year: previous,
                year_day: self.year_day + days_in_previous,
                zone: String::new(),
                ..*self
            };
            return shifted.iso_week();
        }
        let days_in_year = if calendar::is_leap(self.year) {
            366
        } else {
            365
        };
        if week == 53 && self.year_day - weekday_from_monday > days_in_year - 3 {
            return (self.year + 1, 1);
        }
        (self.year, week)
    }

    /// C's `strftime` in the "C" locale; `Err` names an invalid conversion.
    fn format(&self, format: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut chars = format.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let mut spec = chars.next().map(String::from).unwrap_or_default();
            // C99's E and O modifiers change nothing in the "C" locale.
            if let Some(modifier @ ('E' | 'O')) = spec.chars().next() {
                let next = chars.next().map(String::from).unwrap_or_default();
                let allowed = if modifier == 'E' {
                    "cCxXyY"
                } else {
                    "deHImMSuUVwWy"
                };
                if next.is_empty() || !allowed.contains(next.as_str()) {
                    return Err(format!("{modifier}{next}"));
                }
                spec = next;
            }
            self.conversion(&spec, &mut out)?;
        }
        Ok(out)
    }

    fn conversion(&self, spec: &str, out: &mut String) -> Result<(), String> {
        let weekday = calendar::LONG_DAYS[self.weekday as usize % 7];
        let month = calendar::LONG_MONTHS[(self.month as usize + 11) % 12];
        let hour12 = if self.hour % 12 == 0 {
            12
        } else {
            self.hour % 12
        };
        let text = match spec {
            "a" => weekday[..3].to_string(),
            "A" => weekday.to_string(),
            "b" | "h" => month[..3].to_string(),
            "B" => month.to_string(),
            "c" => self.format("%a %b %e %H:%M:%S %Y")?,
            "C" => format!("{:02}", self.year.div_euclid(100)),
            "d" => format!("{:02}", self.day),
            "D" | "x" => self.format("%m/%d/%y")?,
            "e" => format!("{:2}", self.day),
            "F" => self.format("%Y-%m-%d")?,
            "g" => format!("{:02}", self.iso_week().0.rem_euclid(100)),
            "G" => self.iso_week().0.to_string(),
            "H" => format!("{:02}", self.hour),
            "I" => format!("{hour12:02}"),
            "j" => format!("{:03}", self.year_day),
            "m" => format!("{:02}", self.month),
            "M" => format!("{:02}", self.minute),
            "n" => "\n".to_string(),
            "p" => if self.hour < 12 { "AM" } else { "PM" }.to_string(),
            "r" => self.format("%I:%M:%S %p")?,
            "R" => self.format("%H:%M")?,
            "S" => format!("{:02}", self.second),
            "t" => "\t".to_string(),
            "T" | "X" => self.format("%H:%M:%S")?,
            "u" => (if self.weekday == 0 { 7 } else { self.weekday }).to_string(),
            "U" => format!("{:02}", (self.year_day - 1 + 7 - self.weekday) / 7),
            "V" => format!("{:02}", self.iso_week().1),
            "w" => self.weekday.to_string(),
            "W" => format!(
                "{:02}",
                (self.year_day - 1 + 7 - (self.weekday + 6) % 7) / 7
            ),
            "y" => format!("{:02}", self.year.rem_euclid(100)),
            "Y" => self.year.to_string(),
            "z" => {
                let sign = if self.offset < 0 { '-' } else { '+' };
                let minutes = self.offset.unsigned_abs() / 60;
                format!("{sign}{:02}{:02}", minutes / 60, minutes % 60)
            }
            "Z" => self.zone.clone(),
            "%" => "%".to_string(),
            other => return Err(other.to_string()),
        };
        out.push_str(&text);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{civil_from_days, days_from_civil, BrokenDown};

    #[test]
    fn civil_dates_round_trip() {
        for days in [-719_468, -1, 0, 1, 10_957, 11_016, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn strftime_conversions_follow_the_c_locale() {
        // 2021-01-03 is a Sunday in ISO week 53 of 2020.
        let seconds = days_from_civil(2021, 1, 3) * 86_400 + 13 * 3600 + 5 * 60 + 9;
        let time = BrokenDown::at(seconds, 0, "UTC".into());
        let text = time.format("%a %A %b %B %d %e %H %I %j %m %M %p %S %u %w %y %Y %G %V %U %W %%");
        assert_eq!(
            text.as_deref(),
            Ok("Sun Sunday Jan January 03  3 13 01 003 01 05 PM 09 7 0 21 2021 2020 53 01 00 %")
        );
        assert_eq!(time.format("%c").as_deref(), Ok("Sun Jan  3 13:05:09 2021"));
        assert_eq!(time.format("%Q"), Err("Q".to_string()));
        assert_eq!(time.format("%Ez"), Err("Ez".to_string()));
    }
}
