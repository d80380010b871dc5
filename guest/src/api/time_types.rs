//! The values of the `time` module (time.md §3, §4): Time, Duration and Location
//! userdata, the functions that make them (`now`, `date`, `unix`, `parse`,
//! `parse_duration`, `load_location`, `fixed_zone`) and the module's constants.
//!
//! A Time is Unix seconds, nanoseconds, its zone's offset at that instant and its
//! Location (32 bytes), so a timer can make one per tick cheaply. The calendar and Go's
//! layouts live in [`crate::calendar`].

use crate::host::Host;
use std::rc::Rc;

use piccolo::{Callback, CallbackReturn, Context, Error, Stack, Table, UserData, Value};

use crate::api::{invalid, lua_string, metatable, return_result, set};
use crate::bindings::ErrorInfo;
use crate::calendar::{self, Civil, ParsedZone, NANOS_PER_SECOND, ZERO_TIME_UNIX};
use crate::duration::{format_go_duration, parse_go_duration};
use crate::env::Env;

/// Go's `time.RFC3339`, also what `format_rfc3339` writes.
const RFC3339: &str = "2006-01-02T15:04:05Z07:00";

/// The layout constants of time.md §4, with Go's values.
const LAYOUTS: [(&str, &str); 15] = [
    ("RFC3339", RFC3339),
    ("RFC3339NANO", "2006-01-02T15:04:05.999999999Z07:00"),
    ("RFC822", "02 Jan 06 15:04 MST"),
    ("RFC822Z", "02 Jan 06 15:04 -0700"),
    ("RFC850", "Monday, 02-Jan-06 15:04:05 MST"),
    ("RFC1123", "Mon, 02 Jan 2006 15:04:05 MST"),
    ("RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700"),
    ("KITCHEN", "3:04PM"),
    ("STAMP", "Jan _2 15:04:05"),
    ("STAMP_MILLI", "Jan _2 15:04:05.000"),
    ("STAMP_MICRO", "Jan _2 15:04:05.000000"),
    ("STAMP_NANO", "Jan _2 15:04:05.000000000"),
    ("DATE_TIME", "2006-01-02 15:04:05"),
    ("DATE_ONLY", "2006-01-02"),
    ("TIME_ONLY", "15:04:05"),
];

const MONTHS: [&str; 12] = [
    "JANUARY",
    "FEBRUARY",
    "MARCH",
    "APRIL",
    "MAY",
    "JUNE",
    "JULY",
    "AUGUST",
    "SEPTEMBER",
    "OCTOBER",
    "NOVEMBER",
    "DECEMBER",
];

const WEEKDAYS: [&str; 7] = [
    "SUNDAY",
    "MONDAY",
    "TUESDAY",
    "WEDNESDAY",
    "THURSDAY",
    "FRIDAY",
    "SATURDAY",
];

/// Metatable names (keys of [`metatable`]).
const TIME: &str = "time.Time";
const DURATION: &str = "time.Duration";
const LOCATION: &str = "time.Location";

/// A zone with one offset for all time.
#[derive(Debug, PartialEq, Eq)]
pub struct FixedZone {
    /// What `Location:string()` gives, e.g. `Etc/GMT+5` or the name given to `fixed_zone`.
    name: String,
    /// What the `MST` layout element writes, e.g. `-05`; empty writes the offset.
    abbreviation: String,
    /// Seconds east of UTC.
    offset: i32,
}

/// A time zone: the Location userdata and the zone of every Time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// UTC.
    Utc,
    /// The host's local zone, asked of the host per instant.
    Local,
    /// A fixed offset.
    Fixed(Rc<FixedZone>),
}

impl Location {
    fn fixed(name: &str, abbreviation: &str, offset: i32) -> Location {
        Location::Fixed(Rc::new(FixedZone {
            name: name.into(),
            abbreviation: abbreviation.into(),
            offset,
        }))
    }

    /// Go's `Location.String()`.
    fn name(&self) -> &str {
        match self {
            Location::Utc => "UTC",
            Location::Local => "Local",
            Location::Fixed(zone) => &zone.name,
        }
    }

    /// Offset (seconds east of UTC) at Unix time `seconds`.
    fn offset_at(&self, env: &Env, seconds: i64) -> i32 {
        match self {
            Location::Utc => 0,
            Location::Local => env.host.local_offset(seconds).0,
            Location::Fixed(zone) => zone.offset,
        }
    }

    /// Abbreviation of the zone in effect at Unix time `seconds` (`UTC`, `CET`, ...).
    fn abbreviation_at(&self, env: &Env, seconds: i64) -> String {
        match self {
            Location::Utc => "UTC".into(),
            Location::Local => env.host.local_offset(seconds).1,
            Location::Fixed(zone) => zone.abbreviation.clone(),
        }
    }

    /// Unix seconds of local seconds (a civil time read as UTC) in this zone, as Go's
    /// `time.Date` resolves them: the offset in effect at the guessed instant.
    fn unix_of_local(&self, env: &Env, local: i64) -> Option<i64> {
        let guess = self.offset_at(env, local);
        if guess == 0 {
            return Some(local);
        }
        let offset = self.offset_at(env, local.checked_sub(guess.into())?);
        local.checked_sub(offset.into())
    }

    /// The offset of a zone abbreviation `name` at Unix time `seconds`, if this
    /// location uses that abbreviation then (Go's `lookupName`).
    fn offset_of_abbreviation(&self, env: &Env, name: &str, seconds: i64) -> Option<i32> {
        match self {
            Location::Local => {
                let (offset, abbreviation) = env.host.local_offset(seconds);
                (abbreviation == name).then_some(offset)
            }
            _ => (self.abbreviation_at(env, seconds) == name).then(|| self.offset_at(env, seconds)),
        }
    }
}

/// An instant with the zone it is shown in.
#[derive(Debug, Clone)]
pub struct Time {
    seconds: i64,
    nanos: u32,
    /// The location's offset at this instant, looked up once.
    offset: i32,
    location: Location,
}

impl Time {
    fn new(env: &Env, seconds: i64, nanos: u32, location: Location) -> Time {
        Time {
            seconds,
            nanos,
            offset: location.offset_at(env, seconds),
            location,
        }
    }

    /// The instant `total` nanoseconds after the Unix epoch, if it fits.
    fn from_total_nanos(env: &Env, total: i128, location: Location) -> Option<Time> {
        let nanos_per_second = i128::from(NANOS_PER_SECOND);
        let seconds = i64::try_from(total.div_euclid(nanos_per_second)).ok()?;
        let nanos = total.rem_euclid(nanos_per_second) as u32;
        Some(Time::new(env, seconds, nanos, location))
    }

    fn total_nanos(&self) -> i128 {
        i128::from(self.seconds) * i128::from(NANOS_PER_SECOND) + i128::from(self.nanos)
    }

    fn civil(&self) -> Civil {
        Civil::at(self.seconds, self.nanos, self.offset)
    }

    /// The same instant in another location.
    fn in_location(&self, env: &Env, location: Location) -> Time {
        Time::new(env, self.seconds, self.nanos, location)
    }

    fn format(&self, env: &Env, layout: &[u8]) -> Vec<u8> {
        let abbreviation = self.location.abbreviation_at(env, self.seconds);
        calendar::format(layout, &self.civil(), abbreviation.as_bytes(), self.offset)
    }

    fn string(&self, env: &Env) -> Vec<u8> {
        let abbreviation = self.location.abbreviation_at(env, self.seconds);
        calendar::time_string(&self.civil(), abbreviation.as_bytes(), self.offset)
    }

    /// Go's `Time.Sub`: saturates at the Duration range.
    fn sub(&self, other: &Time) -> i64 {
        let difference = self.total_nanos() - other.total_nanos();
        difference.clamp(i64::MIN.into(), i64::MAX.into()) as i64
    }

    /// `self` minus its remainder modulo `step` since Go's zero time (year 1), and that
    /// remainder, as Go's `Truncate` and `Round` compute them.
    fn floor_and_remainder(&self, step: i64) -> (i128, i128) {
        let since_zero =
            self.total_nanos() - i128::from(ZERO_TIME_UNIX) * i128::from(NANOS_PER_SECOND);
        let remainder = since_zero.rem_euclid(step.into());
        (self.total_nanos() - remainder, remainder)
    }
}

/// A span of time in nanoseconds (Go's `time.Duration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration(i64);

/// A duration argument: a number of nanoseconds, a Go duration string or a Duration
/// (time.md §1).
pub fn duration_arg(value: Value<'_>) -> Result<i64, String> {
    match value {
        Value::Integer(ns) => Ok(ns),
        Value::Number(ns) => Ok(ns as i64),
        Value::String(text) => parse_go_duration(&text.to_str_lossy()),
        _ => match as_duration(value) {
            Some(duration) => Ok(duration.0),
            None => Err("duration must be number or string".into()),
        },
    }
}

fn as_time(value: Value<'_>) -> Option<&Time> {
    match value {
        Value::UserData(userdata) => userdata.downcast_static::<Time>().ok(),
        _ => None,
    }
}

fn as_duration(value: Value<'_>) -> Option<Duration> {
    match value {
        Value::UserData(userdata) => userdata.downcast_static::<Duration>().ok().copied(),
        _ => None,
    }
}

fn as_location(value: Value<'_>) -> Option<&Location> {
    match value {
        Value::UserData(userdata) => userdata.downcast_static::<Location>().ok(),
        _ => None,
    }
}

/// A Time in the local zone, `unix_nanos` after the Unix epoch: what `time.now()`
/// returns and timer channels deliver.
pub fn time_value<'gc>(ctx: Context<'gc>, env: &Rc<Env>, unix_nanos: i64) -> Value<'gc> {
    let seconds = unix_nanos.div_euclid(NANOS_PER_SECOND);
    let nanos = unix_nanos.rem_euclid(NANOS_PER_SECOND) as u32;
    new_time(ctx, env, Time::new(env, seconds, nanos, Location::Local))
}

fn new_time<'gc>(ctx: Context<'gc>, env: &Rc<Env>, time: Time) -> Value<'gc> {
    with_metatable(
        ctx,
        UserData::new_static(&ctx, time),
        env,
        TIME,
        time_metatable,
    )
}

fn new_duration<'gc>(ctx: Context<'gc>, env: &Rc<Env>, nanos: i64) -> Value<'gc> {
    let userdata = UserData::new_static(&ctx, Duration(nanos));
    with_metatable(ctx, userdata, env, DURATION, duration_metatable)
}

fn new_location<'gc>(ctx: Context<'gc>, env: &Rc<Env>, location: Location) -> Value<'gc> {
    let userdata = UserData::new_static(&ctx, location);
    with_metatable(ctx, userdata, env, LOCATION, location_metatable)
}

fn with_metatable<'gc>(
    ctx: Context<'gc>,
    userdata: UserData<'gc>,
    env: &Rc<Env>,
    name: &'static str,
    build: fn(Context<'gc>, &Rc<Env>) -> Table<'gc>,
) -> Value<'gc> {
    userdata.set_metatable(&ctx, Some(metatable(ctx, env, name, build)));
    Value::UserData(userdata)
}

/// The standard "bad argument" error; `position` counts from 1, not counting `self`.
fn bad_argument<'gc>(ctx: Context<'gc>, position: usize, function: &str, why: &str) -> Error<'gc> {
    lua_string(
        ctx,
        &format!("bad argument #{position} to '{function}' ({why})"),
    )
    .into()
}

fn out_of_range<'gc>(ctx: Context<'gc>, function: &str) -> Error<'gc> {
    lua_string(ctx, &format!("{function}: time out of range")).into()
}

/// Stack slot `index` as an integer; `position` is what the message calls it.
fn integer_arg<'gc>(
    ctx: Context<'gc>,
    stack: &Stack<'gc, '_>,
    index: usize,
    position: usize,
    function: &str,
) -> Result<i64, Error<'gc>> {
    let value = stack.get(index);
    match value {
        Value::Integer(_) | Value::Number(_) | Value::String(_) => value.to_integer(),
        _ => None,
    }
    .ok_or_else(|| {
        let why = match value {
            Value::Number(_) => "number has no integer representation".to_string(),
            _ => format!("number expected, got {}", value.type_name()),
        };
        bad_argument(ctx, position, function, &why)
    })
}

/// Stack slot `index` as the bytes of a string (numbers are converted, as Lua does).
fn bytes_arg<'gc>(
    ctx: Context<'gc>,
    stack: &Stack<'gc, '_>,
    index: usize,
    position: usize,
    function: &str,
) -> Result<Vec<u8>, Error<'gc>> {
    match stack.get(index) {
        Value::String(text) => Ok(text.as_bytes().to_vec()),
        value @ (Value::Integer(_) | Value::Number(_)) => Ok(crate::api::display(value).into()),
        value => Err(bad_argument(
            ctx,
            position,
            function,
            &format!("string expected, got {}", value.type_name()),
        )),
    }
}

fn time_arg<'gc>(
    ctx: Context<'gc>,
    value: Value<'gc>,
    position: usize,
    function: &str,
) -> Result<&'gc Time, Error<'gc>> {
    as_time(value).ok_or_else(|| {
        let why = format!("Time expected, got {}", type_name(value));
        bad_argument(ctx, position, function, &why)
    })
}

fn location_arg<'gc>(
    ctx: Context<'gc>,
    value: Value<'gc>,
    position: usize,
    function: &str,
) -> Result<Location, Error<'gc>> {
    as_location(value).cloned().ok_or_else(|| {
        let why = format!("Location expected, got {}", type_name(value));
        bad_argument(ctx, position, function, &why)
    })
}

/// A Location argument that may be `nil`.
fn optional_location_arg<'gc>(
    ctx: Context<'gc>,
    value: Value<'gc>,
    position: usize,
    function: &str,
) -> Result<Option<Location>, Error<'gc>> {
    match value {
        Value::Nil => Ok(None),
        _ => location_arg(ctx, value, position, function).map(Some),
    }
}

/// Lua's type name, or the name of one of this module's userdata types.
fn type_name(value: Value<'_>) -> &'static str {
    if as_time(value).is_some() {
        "Time"
    } else if as_duration(value).is_some() {
        "Duration"
    } else if as_location(value).is_some() {
        "Location"
    } else {
        value.type_name()
    }
}

/// One Time method: reads its arguments after `self` and leaves its results on the stack.
type TimeMethod =
    for<'gc, 'a> fn(Context<'gc>, &Rc<Env>, &Time, &mut Stack<'gc, 'a>) -> Result<(), Error<'gc>>;

/// A field of the broken-down time, returned as an integer.
type CivilField = fn(&Civil) -> i64;

fn time_metatable<'gc>(ctx: Context<'gc>, env: &Rc<Env>) -> Table<'gc> {
    let methods = Table::new(&ctx);
    let fields: [(&'static str, CivilField); 9] = [
        ("year", |c| c.year),
        ("month", |c| c.month.into()),
        ("day", |c| c.day.into()),
        ("hour", |c| c.hour.into()),
        ("minute", |c| c.minute.into()),
        ("second", |c| c.second.into()),
        ("nanosecond", |c| c.nanosecond.into()),
        ("weekday", |c| c.weekday.into()),
        ("year_day", |c| c.year_day.into()),
    ];
    for (name, field) in fields {
        let method = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
            let time = time_arg(ctx, stack.get(0), 1, name)?;
            stack.replace(ctx, field(&time.civil()));
            Ok(CallbackReturn::Return)
        });
        set(ctx, methods, name, method);
    }
    let time_methods: [(&'static str, TimeMethod); 23] = [
        ("add", time_add),
        ("sub", time_sub),
        ("add_date", time_add_date),
        ("before", |ctx, _, time, stack| {
            let other = time_arg(ctx, stack.get(1), 1, "before")?;
            stack.replace(ctx, time.total_nanos() < other.total_nanos());
            Ok(())
        }),
        ("after", |ctx, _, time, stack| {
            let other = time_arg(ctx, stack.get(1), 1, "after")?;
            stack.replace(ctx, time.total_nanos() > other.total_nanos());
            Ok(())
        }),
        ("equal", |ctx, _, time, stack| {
            let other = time_arg(ctx, stack.get(1), 1, "equal")?;
            stack.replace(ctx, time.total_nanos() == other.total_nanos());
            Ok(())
        }),
        ("format", |ctx, env, time, stack| {
            let layout = bytes_arg(ctx, stack, 1, 1, "format")?;
            let text = time.format(env, &layout);
            stack.replace(ctx, piccolo::String::from_slice(&ctx, text));
            Ok(())
        }),
        ("format_rfc3339", |ctx, env, time, stack| {
            let text = time.format(env, RFC3339.as_bytes());
            stack.replace(ctx, piccolo::String::from_slice(&ctx, text));
            Ok(())
        }),
        ("unix", |ctx, _, time, stack| {
            stack.replace(ctx, time.seconds);
            Ok(())
        }),
        ("unix_nano", |ctx, _, time, stack| {
            // Go leaves instants outside ±292 years undefined; this wraps instead of failing.
            stack.replace(ctx, time.total_nanos() as i64);
            Ok(())
        }),
        ("date", |ctx, _, time, stack| {
            let c = time.civil();
            stack.replace(ctx, (c.year, i64::from(c.month), i64::from(c.day)));
            Ok(())
        }),
        ("clock", |ctx, _, time, stack| {
            let c = time.civil();
            let clock = (i64::from(c.hour), i64::from(c.minute), i64::from(c.second));
            stack.replace(ctx, clock);
            Ok(())
        }),
        ("is_zero", |ctx, _, time, stack| {
            stack.replace(ctx, time.seconds == ZERO_TIME_UNIX && time.nanos == 0);
            Ok(())
        }),
        ("utc", |ctx, env, time, stack| {
            stack.replace(
                ctx,
                new_time(ctx, env, time.in_location(env, Location::Utc)),
            );
            Ok(())
        }),
        ("in_local", |ctx, env, time, stack| {
            let local = time.in_location(env, Location::Local);
            stack.replace(ctx, new_time(ctx, env, local));
            Ok(())
        }),
        ("in_location", |ctx, env, time, stack| {
            let location = location_arg(ctx, stack.get(1), 1, "in_location")?;
            let moved = time.in_location(env, location);
            stack.replace(ctx, new_time(ctx, env, moved));
            Ok(())
        }),
        ("location", |ctx, env, time, stack| {
            stack.replace(ctx, new_location(ctx, env, time.location.clone()));
            Ok(())
        }),
        ("round", |ctx, env, time, stack| {
            let step = duration_userdata_arg(ctx, stack.get(1), "round")?;
            if step <= 0 {
                stack.replace(ctx, new_time(ctx, env, time.clone()));
                return Ok(());
            }
            let (floor, remainder) = time.floor_and_remainder(step);
            // Halfway rounds up, as in Go.
            let total = if remainder * 2 < i128::from(step) {
                floor
            } else {
                floor + i128::from(step)
            };
            let rounded = Time::from_total_nanos(env, total, time.location.clone())
                .ok_or_else(|| out_of_range(ctx, "round"))?;
            stack.replace(ctx, new_time(ctx, env, rounded));
            Ok(())
        }),
        ("truncate", |ctx, env, time, stack| {
            let step = duration_userdata_arg(ctx, stack.get(1), "truncate")?;
            if step <= 0 {
                stack.replace(ctx, new_time(ctx, env, time.clone()));
                return Ok(());
            }
            let (floor, _) = time.floor_and_remainder(step);
            let truncated = Time::from_total_nanos(env, floor, time.location.clone())
                .ok_or_else(|| out_of_range(ctx, "truncate"))?;
            stack.replace(ctx, new_time(ctx, env, truncated));
            Ok(())
        }),
        ("__tostring", |ctx, env, time, stack| {
            let text = time.string(env);
            stack.replace(ctx, piccolo::String::from_slice(&ctx, text));
            Ok(())
        }),
        ("__eq", |ctx, _, time, stack| {
            let equal =
                as_time(stack.get(1)).is_some_and(|o| o.total_nanos() == time.total_nanos());
            stack.replace(ctx, equal);
            Ok(())
        }),
        ("__lt", |ctx, _, time, stack| {
            let other = compared(ctx, stack.get(1), as_time)?;
            stack.replace(ctx, time.total_nanos() < other.total_nanos());
            Ok(())
        }),
        ("__le", |ctx, _, time, stack| {
            let other = compared(ctx, stack.get(1), as_time)?;
            stack.replace(ctx, time.total_nanos() <= other.total_nanos());
            Ok(())
        }),
    ];
    let metatable = Table::new(&ctx);
    for (name, method) in time_methods {
        let e = env.clone();
        let callback = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
            let time = time_arg(ctx, stack.get(0), 1, name)?;
            method(ctx, &e, time, &mut stack)?;
            Ok(CallbackReturn::Return)
        });
        let target = if name.starts_with("__") {
            metatable
        } else {
            methods
        };
        set(ctx, target, name, callback);
    }
    set(ctx, metatable, "__index", methods);
    metatable
}

/// The other operand of `<` or `<=`, which must be of the same type.
fn compared<'gc, T>(
    ctx: Context<'gc>,
    value: Value<'gc>,
    cast: fn(Value<'gc>) -> Option<T>,
) -> Result<T, Error<'gc>> {
    cast(value).ok_or_else(|| {
        // Lua's wording; the left operand is always one of ours.
        let message = match value.type_name() {
            "userdata" => "attempt to compare two userdata values".to_string(),
            other => format!("attempt to compare userdata with {other}"),
        };
        lua_string(ctx, &message).into()
    })
}

/// A Duration userdata argument (`round` and `truncate` take no other form).
fn duration_userdata_arg<'gc>(
    ctx: Context<'gc>,
    value: Value<'gc>,
    function: &str,
) -> Result<i64, Error<'gc>> {
    as_duration(value).map(|d| d.0).ok_or_else(|| {
        let why = format!("Duration expected, got {}", type_name(value));
        bad_argument(ctx, 1, function, &why)
    })
}

fn time_add<'gc>(
    ctx: Context<'gc>,
    env: &Rc<Env>,
    time: &Time,
    stack: &mut Stack<'gc, '_>,
) -> Result<(), Error<'gc>> {
    let nanos = duration_arg(stack.get(1)).map_err(|why| bad_argument(ctx, 1, "add", &why))?;
    let total = time.total_nanos() + i128::from(nanos);
    let moved = Time::from_total_nanos(env, total, time.location.clone())
        .ok_or_else(|| out_of_range(ctx, "add"))?;
    stack.replace(ctx, new_time(ctx, env, moved));
    Ok(())
}

fn time_sub<'gc>(
    ctx: Context<'gc>,
    env: &Rc<Env>,
    time: &Time,
    stack: &mut Stack<'gc, '_>,
) -> Result<(), Error<'gc>> {
    let other = time_arg(ctx, stack.get(1), 1, "sub")?;
    stack.replace(ctx, new_duration(ctx, env, time.sub(other)));
    Ok(())
}

fn time_add_date<'gc>(
    ctx: Context<'gc>,
    env: &Rc<Env>,
    time: &Time,
    stack: &mut Stack<'gc, '_>,
) -> Result<(), Error<'gc>> {
    let years = integer_arg(ctx, stack, 1, 1, "add_date")?;
    let months = integer_arg(ctx, stack, 2, 2, "add_date")?;
    let days = integer_arg(ctx, stack, 3, 3, "add_date")?;
    let c = time.civil();
    let moved = calendar::normalise(
        i128::from(c.year) + i128::from(years),
        i128::from(c.month) + i128::from(months),
        i128::from(c.day) + i128::from(days),
        c.hour.into(),
        c.minute.into(),
        c.second.into(),
        c.nanosecond.into(),
    )
    .and_then(|(local, nanos)| {
        let seconds = time.location.unix_of_local(env, local)?;
        Some(Time::new(env, seconds, nanos, time.location.clone()))
    })
    .ok_or_else(|| out_of_range(ctx, "add_date"))?;
    stack.replace(ctx, new_time(ctx, env, moved));
    Ok(())
}

/// `nanos` in whole `unit`s plus the fraction, computed as Go does to keep precision.
fn in_units(nanos: i64, unit: i64) -> f64 {
    (nanos / unit) as f64 + (nanos % unit) as f64 / unit as f64
}

/// `<` or `<=` on nanoseconds.
type Ordering = fn(&i64, &i64) -> bool;

fn duration_metatable<'gc>(ctx: Context<'gc>, _env: &Rc<Env>) -> Table<'gc> {
    let methods = Table::new(&ctx);
    // Whole units are integers (truncated); seconds and up are floats (time.md §3).
    let conversions: [(&'static str, i64, bool); 6] = [
        ("nanoseconds", 1, false),
        ("microseconds", 1_000, false),
        ("milliseconds", 1_000_000, false),
        ("seconds", NANOS_PER_SECOND, true),
        ("minutes", 60 * NANOS_PER_SECOND, true),
        ("hours", 3600 * NANOS_PER_SECOND, true),
    ];
    for (name, unit, fractional) in conversions {
        let method = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
            let nanos = duration_self(ctx, stack.get(0), name)?;
            let value = if fractional {
                Value::Number(in_units(nanos, unit))
            } else {
                Value::Integer(nanos / unit)
            };
            stack.replace(ctx, value);
            Ok(CallbackReturn::Return)
        });
        set(ctx, methods, name, method);
    }
    let metatable = Table::new(&ctx);
    set(ctx, metatable, "__index", methods);
    let tostring = Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let nanos = duration_self(ctx, stack.get(0), "__tostring")?;
        stack.replace(ctx, lua_string(ctx, &format_go_duration(nanos)));
        Ok(CallbackReturn::Return)
    });
    set(ctx, metatable, "__tostring", tostring);
    let eq = Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let equal = as_duration(stack.get(0)).is_some()
            && as_duration(stack.get(0)) == as_duration(stack.get(1));
        stack.replace(ctx, equal);
        Ok(CallbackReturn::Return)
    });
    set(ctx, metatable, "__eq", eq);
    let comparisons: [(&str, Ordering); 2] = [("__lt", i64::lt), ("__le", i64::le)];
    for (name, compare) in comparisons {
        let callback = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
            let left = duration_self(ctx, stack.get(0), name)?;
            let right = compared(ctx, stack.get(1), as_duration)?;
            stack.replace(ctx, compare(&left, &right.0));
            Ok(CallbackReturn::Return)
        });
        set(ctx, metatable, name, callback);
    }
    metatable
}

fn duration_self<'gc>(
    ctx: Context<'gc>,
    value: Value<'gc>,
    method: &str,
) -> Result<i64, Error<'gc>> {
    as_duration(value).map(|d| d.0).ok_or_else(|| {
        let message = format!(
            "bad self to '{method}' (Duration expected, got {})",
            type_name(value)
        );
        lua_string(ctx, &message).into()
    })
}

fn location_metatable<'gc>(ctx: Context<'gc>, _env: &Rc<Env>) -> Table<'gc> {
    let metatable = Table::new(&ctx);
    let methods = Table::new(&ctx);
    for (target, name) in [(methods, "string"), (metatable, "__tostring")] {
        let callback = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
            let location = location_arg(ctx, stack.get(0), 1, name)?;
            stack.replace(ctx, lua_string(ctx, location.name()));
            Ok(CallbackReturn::Return)
        });
        set(ctx, target, name, callback);
    }
    let eq = Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let equal = as_location(stack.get(0)).is_some()
            && as_location(stack.get(0)) == as_location(stack.get(1));
        stack.replace(ctx, equal);
        Ok(CallbackReturn::Return)
    });
    set(ctx, metatable, "__eq", eq);
    set(ctx, metatable, "__index", methods);
    metatable
}

/// `load_location(name)`: the zones we can compute without a zone database.
fn load_location(name: &str) -> Result<Location, ErrorInfo> {
    const UTC_ALIASES: [&str; 7] = [
        "Etc/UTC",
        "Etc/UCT",
        "Etc/Universal",
        "Etc/Zulu",
        "UCT",
        "Universal",
        "Zulu",
    ];
    const GMT_ALIASES: [&str; 10] = [
        "GMT",
        "GMT0",
        "GMT+0",
        "GMT-0",
        "Greenwich",
        "Etc/GMT",
        "Etc/GMT0",
        "Etc/GMT+0",
        "Etc/GMT-0",
        "Etc/Greenwich",
    ];
    match name {
        "" => return Err(invalid("time: invalid location name")),
        "UTC" => return Ok(Location::Utc),
        "Local" => return Ok(Location::Local),
        _ if UTC_ALIASES.contains(&name) => return Ok(Location::fixed(name, "UTC", 0)),
        _ if GMT_ALIASES.contains(&name) => return Ok(Location::fixed(name, "GMT", 0)),
        _ => {}
    }
    // Etc/GMT+5 is five hours *behind* UTC (POSIX sign), abbreviated "-05".
    let etc_offset = name.strip_prefix("Etc/GMT").and_then(|signed| {
        let (sign, hours) = signed.split_at_checked(1)?;
        let hours: i32 = hours.parse().ok().filter(|h| (1..=14).contains(h))?;
        match sign {
            "+" if hours <= 12 => Some(-hours),
            "-" => Some(hours),
            _ => None,
        }
    });
    match etc_offset {
        Some(hours) => {
            let abbreviation = format!("{}{:02}", if hours < 0 { '-' } else { '+' }, hours.abs());
            Ok(Location::fixed(name, &abbreviation, hours * 3600))
        }
        None => Err(ErrorInfo {
            kind: "NotFound".into(),
            message: format!("unknown time zone {name}"),
            retryable: Some(false),
        }),
    }
}

/// `time.parse`: Go's `Parse` without a location, `ParseInLocation` with one.
fn parse_time(
    env: &Env,
    layout: &[u8],
    value: &[u8],
    location: Option<Location>,
) -> Result<Time, ErrorInfo> {
    let parsed = calendar::parse(layout, value).map_err(|message| invalid(&message))?;
    let (default, local) = match location {
        Some(location) => (location.clone(), location),
        None => (Location::Utc, Location::Local),
    };
    let local_seconds = parsed.local_seconds;
    let range_error = || {
        invalid(&format!(
            "parsing time {}: time out of range",
            calendar::go_quote(value)
        ))
    };
    let (seconds, location) = match parsed.zone {
        ParsedZone::Utc => (local_seconds, Location::Utc),
        ParsedZone::Unspecified => {
            let seconds = default
                .unix_of_local(env, local_seconds)
                .ok_or_else(range_error)?;
            (seconds, default)
        }
        ParsedZone::Offset { offset, name } => {
            let seconds = local_seconds
                .checked_sub(offset.into())
                .ok_or_else(range_error)?;
            let matches_local = local.offset_at(env, seconds) == offset
                && (name.is_empty() || local.abbreviation_at(env, seconds) == name);
            if matches_local {
                (seconds, local)
            } else {
                (seconds, Location::fixed(&name, &name, offset))
            }
        }
        ParsedZone::Name {
            name,
            guessed_offset,
        } => match local.offset_of_abbreviation(env, &name, local_seconds) {
            Some(offset) => (
                local_seconds
                    .checked_sub(offset.into())
                    .ok_or_else(range_error)?,
                local,
            ),
            None => {
                let seconds = local_seconds
                    .checked_sub(guessed_offset.into())
                    .ok_or_else(range_error)?;
                (seconds, Location::fixed(&name, &name, guessed_offset))
            }
        },
    };
    Ok(Time::new(env, seconds, parsed.nanosecond, location))
}

/// Adds the constructors and constants of this module to the `time` table.
pub fn install<'gc>(ctx: Context<'gc>, env: &Rc<Env>, time: Table<'gc>) {
    let e = env.clone();
    let now = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        stack.replace(ctx, time_value(ctx, &e, e.host.now()));
        Ok(CallbackReturn::Return)
    });
    set(ctx, time, "now", now);

    let e = env.clone();
    let date = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let mut fields = [0i128; 7];
        for (index, field) in fields.iter_mut().enumerate() {
            *field = integer_arg(ctx, &stack, index, index + 1, "date")?.into();
        }
        let location =
            optional_location_arg(ctx, stack.get(7), 8, "date")?.unwrap_or(Location::Local);
        let [year, month, day, hour, minute, second, nanosecond] = fields;
        let time = calendar::normalise(year, month, day, hour, minute, second, nanosecond)
            .and_then(|(local, nanos)| {
                let seconds = location.unix_of_local(&e, local)?;
                Some(Time::new(&e, seconds, nanos, location))
            })
            .ok_or_else(|| out_of_range(ctx, "time.date"))?;
        stack.replace(ctx, new_time(ctx, &e, time));
        Ok(CallbackReturn::Return)
    });
    set(ctx, time, "date", date);

    let e = env.clone();
    let unix = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let seconds = integer_arg(ctx, &stack, 0, 1, "unix")?;
        let nanos = integer_arg(ctx, &stack, 1, 2, "unix")?;
        let total = i128::from(seconds) * i128::from(NANOS_PER_SECOND) + i128::from(nanos);
        let time = Time::from_total_nanos(&e, total, Location::Local)
            .ok_or_else(|| out_of_range(ctx, "time.unix"))?;
        stack.replace(ctx, new_time(ctx, &e, time));
        Ok(CallbackReturn::Return)
    });
    set(ctx, time, "unix", unix);

    let e = env.clone();
    let parse = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let layout = bytes_arg(ctx, &stack, 0, 1, "parse")?;
        let value = bytes_arg(ctx, &stack, 1, 2, "parse")?;
        let location = optional_location_arg(ctx, stack.get(2), 3, "parse")?;
        let result = parse_time(&e, &layout, &value, location).map(|t| new_time(ctx, &e, t));
        return_result(ctx, &e, &mut stack, result);
        Ok(CallbackReturn::Return)
    });
    set(ctx, time, "parse", parse);

    let e = env.clone();
    let parse_duration = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let result = duration_arg(stack.get(0))
            .map(|nanos| new_duration(ctx, &e, nanos))
            .map_err(|message| invalid(&message));
        return_result(ctx, &e, &mut stack, result);
        Ok(CallbackReturn::Return)
    });
    set(ctx, time, "parse_duration", parse_duration);

    let e = env.clone();
    let load = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let name = bytes_arg(ctx, &stack, 0, 1, "load_location")?;
        let result =
            load_location(&String::from_utf8_lossy(&name)).map(|l| new_location(ctx, &e, l));
        return_result(ctx, &e, &mut stack, result);
        Ok(CallbackReturn::Return)
    });
    set(ctx, time, "load_location", load);

    let e = env.clone();
    let fixed_zone = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let name = bytes_arg(ctx, &stack, 0, 1, "fixed_zone")?;
        let offset = integer_arg(ctx, &stack, 1, 2, "fixed_zone")?;
        let offset = i32::try_from(offset)
            .map_err(|_| bad_argument(ctx, 2, "fixed_zone", "offset out of range"))?;
        let name = String::from_utf8_lossy(&name);
        stack.replace(
            ctx,
            new_location(ctx, &e, Location::fixed(&name, &name, offset)),
        );
        Ok(CallbackReturn::Return)
    });
    set(ctx, time, "fixed_zone", fixed_zone);

    for (name, layout) in LAYOUTS {
        set(ctx, time, name, layout);
    }
    for (number, name) in MONTHS.iter().enumerate() {
        set(ctx, time, name, number as i64 + 1);
    }
    for (number, name) in WEEKDAYS.iter().enumerate() {
        set(ctx, time, name, number as i64);
    }
    set(ctx, time, "utc", new_location(ctx, env, Location::Utc));
    set(
        ctx,
        time,
        "localtz",
        new_location(ctx, env, Location::Local),
    );
}

#[cfg(test)]
mod tests {
    use piccolo::{Executor, Fuel};

    use super::*;
    use crate::testing::{run_process, with_ctx};

    /// 2024-12-29 15:04:05.123456789 UTC, in nanoseconds since the Unix epoch.
    const NOW: i64 = 1_735_484_645_123_456_789;

    /// Runs `body` as `main` with the fake clock at `now`; `show(...)` writes one line of
    /// tab-separated `tostring`s. Returns the lines, then the outcome after `|`.
    fn run_at(now: i64, body: &str) -> String {
        let source = format!(
            "local io = require('io')\nlocal time = require('time')\n\
             local function show(...)\n\
               local values, parts = {{...}}, ''\n\
               for i = 1, select('#', ...) do\n\
                 parts = parts .. (i > 1 and '\\t' or '') .. tostring(values[i])\n\
               end\n\
               io.write(parts, '\\n')\n\
             end\n\
             local function main()\n{body}\nend\nreturn {{ main = main }}"
        );
        let run = run_process(&source, |host| host.now = now);
        format!("{}|{}", run.stdout(), run.outcome())
    }

    fn run(body: &str) -> String {
        run_at(NOW, body)
    }

    /// The lines `body` shows, checking it ended normally.
    fn lines(body: &str) -> Vec<String> {
        let out = run(body);
        let (shown, outcome) = out.rsplit_once('|').unwrap();
        assert_eq!(outcome, "nil", "{out}");
        shown.lines().map(String::from).collect()
    }

    #[test]
    fn now_reads_the_host_clock_in_the_local_zone() {
        let out = lines(
            "local t = time.now()
             show(tostring(t))
             show(t:unix(), t:unix_nano(), t:nanosecond())
             show(t:location():string(), tostring(t:location()))",
        );
        assert_eq!(
            out,
            [
                "2024-12-29 15:04:05.123456789 +0000 UTC",
                "1735484645\t1735484645123456789\t123456789",
                "Local\tLocal",
            ]
        );
        assert_eq!(
            run_at(-1, "show(tostring(time.now()))"),
            "1969-12-31 23:59:59.999999999 +0000 UTC\n|nil"
        );
    }

    #[test]
    fn date_builds_times_and_normalises_like_go() {
        let out = lines(
            "local t = time.date(2024, 2, 29, 13, 45, 30, 500000000, time.utc)
             show(tostring(t))
             show(t:date())
             show(t:clock())
             show(t:year(), t:month(), t:day(), t:hour(), t:minute(), t:second(), t:nanosecond())
             show(t:weekday(), t:year_day(), t:unix())
             show(tostring(time.date(2024, 13, 32, 0, 0, 0, 0, time.utc)))
             show(tostring(time.date(2024, 3, 0, 24, 60, 60, -1, time.utc)))
             show(tostring(time.date(2024, 1, 1, 0, 0, 0, 0)))
             show(tostring(time.date(2024.0, '7', 4, 12, 0, 0, 0, time.utc)))",
        );
        assert_eq!(
            out,
            [
                "2024-02-29 13:45:30.5 +0000 UTC",
                "2024\t2\t29",
                "13\t45\t30",
                "2024\t2\t29\t13\t45\t30\t500000000",
                "4\t60\t1709214330",
                "2025-02-01 00:00:00 +0000 UTC",
                "2024-03-01 01:00:59.999999999 +0000 UTC",
                "2024-01-01 00:00:00 +0000 UTC",
                "2024-07-04 12:00:00 +0000 UTC",
            ]
        );
    }

    #[test]
    fn date_in_a_fixed_zone_keeps_the_civil_fields() {
        let out = lines(
            "local est = time.fixed_zone('EST', -5 * 3600)
             local t = time.date(2024, 1, 15, 9, 30, 0, 0, est)
             show(tostring(t), t:hour(), t:unix())
             show(tostring(t:utc()), t:utc():hour())
             show(t:location():string(), tostring(est))",
        );
        assert_eq!(
            out,
            [
                "2024-01-15 09:30:00 -0500 EST\t9\t1705329000",
                "2024-01-15 14:30:00 +0000 UTC\t14",
                "EST\tEST",
            ]
        );
    }

    #[test]
    fn unix_normalises_nanoseconds() {
        let out = lines(
            "show(time.unix(1, -1):unix_nano(), time.unix(0, 1500000000):unix())
             show(tostring(time.unix(0, 0):utc()))
             show(tostring(time.unix(1700000000, 5)))",
        );
        assert_eq!(
            out,
            [
                "999999999\t1",
                "1970-01-01 00:00:00 +0000 UTC",
                "2023-11-14 22:13:20.000000005 +0000 UTC",
            ]
        );
    }

    #[test]
    fn add_and_sub_work_with_every_duration_form() {
        let out = lines(
            "local t = time.date(2024, 12, 31, 23, 0, 0, 0, time.utc)
             show(tostring(t:add('1h30m')))
             show(tostring(t:add(time.SECOND)))
             show(tostring(t:add(time.parse_duration('-1.5h'))))
             show(tostring(t:add(1.5)))
             local later = t:add('90m')
             show(tostring(later:sub(t)), tostring(t:sub(later)))
             show(later:sub(t):minutes())
             show(tostring(time.date(1, 1, 1, 0, 0, 0, 0, time.utc):sub(t)))",
        );
        assert_eq!(
            out,
            [
                "2025-01-01 00:30:00 +0000 UTC",
                "2024-12-31 23:00:01 +0000 UTC",
                "2024-12-31 21:30:00 +0000 UTC",
                "2024-12-31 23:00:00.000000001 +0000 UTC",
                "1h30m0s\t-1h30m0s",
                "90.0",
                // Go saturates at the smallest Duration.
                "-2562047h47m16.854775808s",
            ]
        );
    }

    #[test]
    fn add_date_normalises_like_go() {
        let out = lines(
            "local jan31 = time.date(2024, 1, 31, 8, 0, 0, 0, time.utc)
             show(tostring(jan31:add_date(0, 1, 0)))
             show(tostring(time.date(2024, 2, 29, 0, 0, 0, 0, time.utc):add_date(1, 0, 0)))
             show(tostring(jan31:add_date(0, 0, -31)))
             show(tostring(jan31:add_date(-1, 11, 1)))",
        );
        assert_eq!(
            out,
            [
                "2024-03-02 08:00:00 +0000 UTC",
                "2025-03-01 00:00:00 +0000 UTC",
                "2023-12-31 08:00:00 +0000 UTC",
                "2024-01-01 08:00:00 +0000 UTC",
            ]
        );
    }

    #[test]
    fn comparisons_look_at_the_instant_not_the_zone() {
        let out = lines(
            "local a = time.date(2024, 1, 1, 12, 0, 0, 0, time.utc)
             local b = a:add('1ns')
             local same = a:in_location(time.fixed_zone('X', 3600))
             show(a:before(b), a:after(b), b:after(a), a:equal(b), a:equal(same))
             show(a == same, a == b, a ~= b, a == 5)
             show(time.parse_duration('60s') == time.parse_duration('1m'),
                  time.parse_duration('1s') == time.parse_duration('2s'))
             show(a:utc():location() == time.utc, same:location() == time.utc,
                  time.localtz == time.now():location())",
        );
        assert_eq!(
            out,
            [
                "true\tfalse\ttrue\tfalse\ttrue",
                "true\tfalse\ttrue\tfalse",
                "true\tfalse",
                "true\tfalse\ttrue",
            ]
        );
    }

    #[test]
    fn table_sort_orders_times_and_durations() {
        let out = lines(
            "local base = time.date(2024, 1, 1, 0, 0, 0, 0, time.utc)
             local times = { base:add('2h'), base, base:add('1h') }
             table.sort(times)
             show(times[1]:hour(), times[2]:hour(), times[3]:hour())
             local durations = { time.parse_duration('1m'), time.parse_duration('1s'),
                                 time.parse_duration('1h') }
             table.sort(durations)
             show(tostring(durations[1]), tostring(durations[2]), tostring(durations[3]))
             show(pcall(table.sort, { base, time.parse_duration('1s') }))",
        );
        assert_eq!(
            out,
            [
                "0\t1\t2",
                "1s\t1m0s\t1h0m0s",
                "false\tattempt to compare two userdata values",
            ]
        );
    }

    #[test]
    fn ordering_metamethods_compare_instants_and_lengths() {
        with_ctx(|ctx, env| {
            let call = |function, a, b| {
                let Value::Function(function) = function else {
                    panic!("not a function")
                };
                let executor = Executor::start(ctx, function, (a, b));
                while !executor.step(ctx, &mut Fuel::with(1000)) {}
                executor.take_result::<bool>(ctx).unwrap().unwrap()
            };
            let early = time_value(ctx, env, 1);
            let late = time_value(ctx, env, 2);
            let Value::UserData(time) = early else {
                panic!("not userdata")
            };
            let metatable = time.metatable().unwrap();
            let (lt, le) = (metatable.get(ctx, "__lt"), metatable.get(ctx, "__le"));
            assert!(call(lt, early, late));
            assert!(!call(lt, late, early));
            assert!(!call(lt, early, early));
            assert!(call(le, early, early));
            assert!(!call(le, late, early));

            let short = new_duration(ctx, env, 5);
            let long = new_duration(ctx, env, 7);
            let Value::UserData(duration) = short else {
                panic!("not userdata")
            };
            let metatable = duration.metatable().unwrap();
            let (lt, le) = (metatable.get(ctx, "__lt"), metatable.get(ctx, "__le"));
            assert!(call(lt, short, long));
            assert!(!call(lt, long, short));
            assert!(call(le, short, short));
            assert!(!call(le, long, short));
        });
    }

    #[test]
    fn format_uses_go_layouts() {
        let out = lines(
            "local t = time.date(2006, 1, 2, 15, 4, 5, 123456789, time.fixed_zone('MST', -7 * 3600))
             show(t:format('Mon Jan _2 15:04:05 MST 2006'))
             show(t:format(time.RFC1123), t:format(time.KITCHEN))
             show(t:format(time.RFC3339NANO), t:format_rfc3339())
             show(t:utc():format_rfc3339(), t:format(time.STAMP_MILLI))
             show(t:format('02/01/06 3:04:05.000 pm -07:00'), t:format('literal'))",
        );
        assert_eq!(
            out,
            [
                "Mon Jan  2 15:04:05 MST 2006",
                "Mon, 02 Jan 2006 15:04:05 MST\t3:04PM",
                "2006-01-02T15:04:05.123456789-07:00\t2006-01-02T15:04:05-07:00",
                "2006-01-02T22:04:05Z\tJan  2 15:04:05.123",
                "02/01/06 3:04:05.123 pm -07:00\tliteral",
            ]
        );
    }

    #[test]
    fn round_and_truncate_take_durations() {
        let out = lines(
            "local t = time.date(2024, 1, 1, 10, 37, 45, 600000000, time.utc)
             local hour, second = time.parse_duration('1h'), time.parse_duration('1s')
             show(tostring(t:truncate(hour)), tostring(t:round(hour)))
             show(tostring(t:round(second)), tostring(t:truncate(second)))
             show(tostring(t:round(time.parse_duration('0s'))))
             show(tostring(time.date(2024, 1, 1, 0, 0, 30, 0, time.utc):round(time.parse_duration('1m'))))
             show(pcall(t.round, t, time.SECOND))",
        );
        assert_eq!(
            out,
            [
                "2024-01-01 10:00:00 +0000 UTC\t2024-01-01 11:00:00 +0000 UTC",
                "2024-01-01 10:37:46 +0000 UTC\t2024-01-01 10:37:45 +0000 UTC",
                "2024-01-01 10:37:45.6 +0000 UTC",
                // Halfway rounds up.
                "2024-01-01 00:01:00 +0000 UTC",
                "false\tbad argument #1 to 'round' (Duration expected, got number)",
            ]
        );
    }

    #[test]
    fn is_zero_is_go_zero_time() {
        let out = lines(
            "show(time.date(1, 1, 1, 0, 0, 0, 0, time.utc):is_zero(), time.unix(0, 0):is_zero())
             show(tostring(time.date(1, 1, 1, 0, 0, 0, 0, time.utc)))",
        );
        assert_eq!(out, ["true\tfalse", "0001-01-01 00:00:00 +0000 UTC"]);
    }

    #[test]
    fn in_location_and_in_local_move_the_zone_only() {
        let out = lines(
            "local t = time.date(2024, 6, 1, 12, 0, 0, 0, time.utc)
             local tokyo = t:in_location(time.fixed_zone('JST', 9 * 3600))
             show(tostring(tokyo), tokyo:hour(), tokyo:unix() == t:unix())
             show(tostring(tokyo:in_local()), tokyo:in_local():location():string())
             local nameless = t:in_location(time.fixed_zone('', -(3 * 3600 + 1800)))
             show(tostring(nameless), nameless:location():string() == '')",
        );
        assert_eq!(
            out,
            [
                "2024-06-01 21:00:00 +0900 JST\t21\ttrue",
                "2024-06-01 12:00:00 +0000 UTC\tLocal",
                "2024-06-01 08:30:00 -0330 -0330\ttrue",
            ]
        );
    }

    #[test]
    fn parse_resolves_zones_like_go() {
        let out = lines(
            "local t = time.parse(time.RFC3339, '2024-12-29T15:04:05+01:00')
             show(tostring(t), tostring(t:utc()))
             show(tostring(time.parse(time.RFC3339, '2024-12-29T15:04:05Z')))
             local plain = time.parse(time.DATE_TIME, '2024-12-29 15:04:05')
             show(tostring(plain), plain:location():string())
             local est = time.fixed_zone('EST', -5 * 3600)
             show(tostring(time.parse(time.DATE_ONLY, '2024-07-04', est)))
             show(tostring(time.parse('2006-01-02 MST', '2024-07-04 EST', est)))
             show(time.parse(time.RFC3339, '2024-12-29T15:04:05+00:00'):location():string())
             show(tostring(time.parse(time.RFC1123, 'Sun, 29 Dec 2024 15:04:05 PST')))
             show(tostring(time.parse(time.RFC3339NANO, '2024-12-29T15:04:05.5-07:00')))",
        );
        assert_eq!(
            out,
            [
                "2024-12-29 15:04:05 +0100 +0100\t2024-12-29 14:04:05 +0000 UTC",
                "2024-12-29 15:04:05 +0000 UTC",
                "2024-12-29 15:04:05 +0000 UTC\tUTC",
                "2024-07-04 00:00:00 -0500 EST",
                "2024-07-04 00:00:00 -0500 EST",
                // The offset matches the local zone, so Go picks Local.
                "Local",
                // An unknown abbreviation gets offset 0, as in Go.
                "2024-12-29 15:04:05 +0000 PST",
                "2024-12-29 15:04:05.5 -0700 -0700",
            ]
        );
    }

    #[test]
    fn parse_failures_return_invalid_errors() {
        let out = lines(
            "local t, err = time.parse(time.DATE_ONLY, '2024-02-30')
             show(t, err:kind(), tostring(err))
             local _, err2 = time.parse(time.DATE_ONLY, 'tomorrow')
             show(err2:message())",
        );
        assert_eq!(
            out,
            [
                "nil\tInvalid\tparsing time \"2024-02-30\": day out of range",
                "parsing time \"tomorrow\" as \"2006-01-02\": cannot parse \"tomorrow\" as \"2006\"",
            ]
        );
    }

    #[test]
    fn parse_duration_and_duration_methods() {
        let out = lines(
            "local d = time.parse_duration('1h30m')
             show(tostring(d), d:hours(), d:minutes(), d:seconds())
             show(d:milliseconds(), d:microseconds(), d:nanoseconds())
             show(tostring(time.parse_duration('1.5s')), tostring(time.parse_duration('500ms')),
                  tostring(time.parse_duration('-2m')), tostring(time.parse_duration('0')),
                  tostring(time.parse_duration('1us')), tostring(time.parse_duration(1500)))
             local odd = time.parse_duration('1999us')
             show(odd:milliseconds(), odd:seconds(), time.parse_duration('-1999us'):milliseconds())
             show(tostring(time.parse_duration(d)), tostring(time.parse_duration(2.5 * time.SECOND)))",
        );
        assert_eq!(
            out,
            [
                "1h30m0s\t1.5\t90.0\t5400.0",
                "5400000\t5400000000\t5400000000000",
                "1.5s\t500ms\t-2m0s\t0s\t1\u{b5}s\t1.5\u{b5}s",
                "1\t0.001999\t-1",
                "1h30m0s\t2.5s",
            ]
        );
    }

    #[test]
    fn parse_duration_errors_match_the_spec() {
        let out = lines(
            "for _, text in ipairs({ '', '5', '1d', '5 s', 'abc' }) do
               local d, err = time.parse_duration(text)
               show(d, err:kind(), tostring(err))
             end
             local _, err = time.parse_duration({})
             show(err:message())",
        );
        assert_eq!(
            out,
            [
                "nil\tInvalid\ttime: invalid duration \"\"",
                "nil\tInvalid\ttime: missing unit in duration \"5\"",
                "nil\tInvalid\ttime: unknown unit \"d\" in duration \"1d\"",
                "nil\tInvalid\ttime: invalid duration \"5 s\"",
                "nil\tInvalid\ttime: invalid duration \"abc\"",
                "duration must be number or string",
            ]
        );
    }

    #[test]
    fn load_location_knows_fixed_zones_only() {
        let out = lines(
            "show(tostring(time.load_location('UTC')), tostring(time.load_location('Local')))
             show(time.load_location('UTC') == time.utc)
             local t = time.date(2024, 1, 1, 12, 0, 0, 0, time.utc)
             show(tostring(t:in_location(time.load_location('Etc/GMT+5'))))
             show(tostring(t:in_location(time.load_location('Etc/GMT-14'))))
             show(tostring(t:in_location(time.load_location('Etc/UTC'))))
             show(time.load_location('Etc/GMT'):string())
             local none, err = time.load_location('America/New_York')
             show(none, err:kind(), tostring(err))
             local _, empty = time.load_location('')
             show(empty:kind(), select(2, time.load_location('Etc/GMT+13')):kind())",
        );
        assert_eq!(
            out,
            [
                "UTC\tLocal",
                "true",
                "2024-01-01 07:00:00 -0500 -05",
                "2024-01-02 02:00:00 +1400 +14",
                "2024-01-01 12:00:00 +0000 UTC",
                "Etc/GMT",
                "nil\tNotFound\tunknown time zone America/New_York",
                "Invalid\tNotFound",
            ]
        );
    }

    #[test]
    fn constants_have_go_values() {
        let out = lines(
            "show(time.RFC3339, time.RFC3339NANO, time.RFC822, time.RFC822Z)
             show(time.RFC850, time.RFC1123, time.RFC1123Z, time.KITCHEN)
             show(time.STAMP, time.STAMP_MILLI, time.STAMP_MICRO, time.STAMP_NANO)
             show(time.DATE_TIME, time.DATE_ONLY, time.TIME_ONLY)
             show(time.JANUARY, time.JUNE, time.DECEMBER, time.SUNDAY, time.WEDNESDAY, time.SATURDAY)
             show(tostring(time.utc), tostring(time.localtz), time.utc:string())",
        );
        assert_eq!(
            out,
            [
                "2006-01-02T15:04:05Z07:00\t2006-01-02T15:04:05.999999999Z07:00\t02 Jan 06 15:04 MST\t02 Jan 06 15:04 -0700",
                "Monday, 02-Jan-06 15:04:05 MST\tMon, 02 Jan 2006 15:04:05 MST\tMon, 02 Jan 2006 15:04:05 -0700\t3:04PM",
                "Jan _2 15:04:05\tJan _2 15:04:05.000\tJan _2 15:04:05.000000\tJan _2 15:04:05.000000000",
                "2006-01-02 15:04:05\t2006-01-02\t15:04:05",
                "1\t6\t12\t0\t3\t6",
                "UTC\tLocal\tUTC",
            ]
        );
    }

    #[test]
    fn bad_arguments_raise() {
        let out = lines(
            "local t = time.now()
             local function try(f, ...) show(select(2, pcall(f, ...))) end
             try(t.add, t, {})
             try(t.add, t, '5')
             try(t.format, t)
             try(t.sub, t, 5)
             try(t.in_location, t, 'UTC')
             try(t.add_date, t, 1, 'x', 0)
             try(t.year, 'nope')
             try(time.date, 2024, 1.5, 1, 0, 0, 0, 0)
             try(time.date, 2024, 1, 1)
             try(time.date, 2024, 1, 1, 0, 0, 0, 0, 'UTC')
             try(time.unix, 1)
             try(time.fixed_zone, 'X', 2^40)
             try(time.load_location, nil)
             try(time.date, math.maxinteger, 1, 1, 0, 0, 0, 0, time.utc)
             local far = time.unix(math.maxinteger, 0)
             try(far.add, far, time.SECOND)
             show(far:year(), far:format('2006-01-02T15:04:05'))
             try(time.parse_duration('1s').hours, t)",
        );
        assert_eq!(
            out,
            [
                "bad argument #1 to 'add' (duration must be number or string)",
                "bad argument #1 to 'add' (time: missing unit in duration \"5\")",
                "bad argument #1 to 'format' (string expected, got nil)",
                "bad argument #1 to 'sub' (Time expected, got number)",
                "bad argument #1 to 'in_location' (Location expected, got string)",
                "bad argument #2 to 'add_date' (number expected, got string)",
                "bad argument #1 to 'year' (Time expected, got string)",
                "bad argument #2 to 'date' (number has no integer representation)",
                "bad argument #4 to 'date' (number expected, got nil)",
                "bad argument #8 to 'date' (Location expected, got string)",
                "bad argument #2 to 'unix' (number expected, got nil)",
                "bad argument #2 to 'fixed_zone' (offset out of range)",
                "bad argument #1 to 'load_location' (string expected, got nil)",
                "time.date: time out of range",
                "add: time out of range",
                "292277026596\t292277026596-12-04T15:30:07",
                "bad self to 'hours' (Duration expected, got Time)",
            ]
        );
    }

    #[test]
    fn duration_arg_accepts_numbers_strings_and_durations() {
        with_ctx(|ctx, env| {
            assert_eq!(duration_arg(Value::Integer(5)), Ok(5));
            assert_eq!(duration_arg(Value::Number(2.9)), Ok(2));
            assert_eq!(duration_arg(lua_string(ctx, "1m")), Ok(60_000_000_000));
            assert_eq!(duration_arg(new_duration(ctx, env, -7)), Ok(-7));
            let not_a_duration = time_value(ctx, env, 0);
            assert_eq!(
                duration_arg(not_a_duration),
                Err("duration must be number or string".into())
            );
            assert_eq!(
                duration_arg(Value::Boolean(true)),
                Err("duration must be number or string".into())
            );
        });
    }

    #[test]
    fn a_time_value_stays_small() {
        assert!(std::mem::size_of::<Time>() <= 32);
    }
}
