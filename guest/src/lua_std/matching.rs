//! `string.find`, `match`, `gmatch` and `gsub` (manual §6.4.1) over the pattern
//! matcher. `gsub` with a function or an `__index`ed table calls back into Lua
//! through a `Sequence`, so the callback may itself call, error or yield.

use std::cell::Cell;

use gc_arena::Collect;
use piccolo::{
    meta_ops::{self, MetaResult},
    BoxSequence, Callback, CallbackReturn, Context, Error, Execution, Function, Sequence,
    SequencePoll, Stack, Value,
};

use crate::lua_std::check::{
    arg_error, check_string, lua_error, new_string, number_text, opt_integer, type_name,
};
use crate::lua_std::pattern::{find_plain, is_plain, Capture, Matcher, PatternError};
use crate::lua_std::string::{start_position, MAX_STRING_LEN};

fn pattern_error<'gc>(ctx: Context<'gc>, error: PatternError) -> Error<'gc> {
    lua_error(ctx, error)
}

/// The pattern without its `^` anchor, and whether it had one.
fn split_anchor(pattern: &[u8]) -> (bool, &[u8]) {
    match pattern.strip_prefix(b"^") {
        Some(rest) => (true, rest),
        None => (false, pattern),
    }
}

/// The Lua value of one capture of `subject`.
fn capture_value<'gc>(ctx: Context<'gc>, subject: &[u8], capture: Capture) -> Value<'gc> {
    match capture {
        Capture::Position(at) => Value::Integer(at as i64 + 1),
        Capture::Text(start, end) => {
            Value::String(piccolo::String::from_slice(&ctx, &subject[start..end]))
        }
    }
}

/// The values of a match `start..end`: its captures, or the whole match when
/// `whole` and there are none (`push_captures`).
fn captures<'gc>(
    ctx: Context<'gc>,
    matcher: &Matcher<'_>,
    subject: &[u8],
    whole: bool,
    start: usize,
    end: usize,
) -> Result<Vec<Value<'gc>>, Error<'gc>> {
    (0..matcher.capture_count(whole))
        .map(|i| {
            let capture = matcher
                .capture(i, start, end)
                .map_err(|e| pattern_error(ctx, e))?;
            Ok(capture_value(ctx, subject, capture))
        })
        .collect()
}

/// `string.find(s, pattern [, init [, plain]])`.
pub fn find<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    find_or_match(ctx, stack, true)
}

/// `string.match(s, pattern [, init])`.
pub fn match_<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    find_or_match(ctx, stack, false)
}

/// `str_find_aux` of `lstrlib.c`.
fn find_or_match<'gc>(
    ctx: Context<'gc>,
    mut stack: Stack<'gc, '_>,
    find: bool,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let name = if find { "find" } else { "match" };
    let subject = check_string(ctx, &stack, 0, name)?;
    let pattern = check_string(ctx, &stack, 1, name)?;
    let (subject, pattern) = (subject.as_bytes(), pattern.as_bytes());
    let init = start_position(opt_integer(ctx, &stack, 2, name, 1)?, subject.len()) - 1;
    let plain = stack.get(3).to_bool();
    stack.clear();
    if init > subject.len() {
        stack.push_back(Value::Nil);
        return Ok(CallbackReturn::Return);
    }
    if find && (plain || is_plain(pattern)) {
        match find_plain(subject, pattern, init) {
            Some(at) => {
                stack.push_back(Value::Integer(at as i64 + 1));
                stack.push_back(Value::Integer((at + pattern.len()) as i64));
            }
            None => stack.push_back(Value::Nil),
        }
        return Ok(CallbackReturn::Return);
    }
    let (anchored, pattern) = split_anchor(pattern);
    let mut matcher = Matcher::new(subject, pattern);
    let mut start = init;
    while start <= subject.len() {
        if !anchored {
            start = matcher.first_possible(start);
            if start > subject.len() {
                break;
            }
        }
        if let Some(end) = matcher.match_at(start).map_err(|e| pattern_error(ctx, e))? {
            if find {
                stack.push_back(Value::Integer(start as i64 + 1));
                stack.push_back(Value::Integer(end as i64));
            }
            stack.extend(captures(ctx, &matcher, subject, !find, start, end)?);
            return Ok(CallbackReturn::Return);
        }
        if anchored {
            break;
        }
        start += 1;
    }
    stack.push_back(Value::Nil);
    Ok(CallbackReturn::Return)
}

/// `string.gmatch(s, pattern [, init])`: an iterator over the matches. A `^` does
/// not anchor here (it would make the loop pointless); it matches itself.
pub fn gmatch<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let subject = check_string(ctx, &stack, 0, "gmatch")?;
    let pattern = check_string(ctx, &stack, 1, "gmatch")?;
    let len = subject.len() as usize;
    let init = start_position(opt_integer(ctx, &stack, 2, "gmatch", 1)?, len) - 1;
    let position = Cell::new(init.min(len + 1));
    let last_match = Cell::new(None::<usize>);
    let iterator = Callback::from_fn_with(
        &ctx,
        (subject, pattern),
        move |&(subject, pattern), ctx, _, mut stack| {
            let subject = subject.as_bytes();
            let mut matcher = Matcher::new(subject, pattern.as_bytes());
            stack.clear();
            let mut start = matcher.first_possible(position.get());
            while start <= subject.len() {
                let end = matcher.match_at(start).map_err(|e| pattern_error(ctx, e))?;
                if let Some(end) = end.filter(|&end| Some(end) != last_match.get()) {
                    position.set(end);
                    last_match.set(Some(end));
                    stack.extend(captures(ctx, &matcher, subject, true, start, end)?);
                    return Ok(CallbackReturn::Return);
                }
                start = matcher.first_possible(start + 1);
            }
            position.set(subject.len() + 1);
            Ok(CallbackReturn::Return)
        },
    );
    stack.replace(ctx, iterator);
    Ok(CallbackReturn::Return)
}

/// `string.gsub(s, pattern, repl [, n])`.
pub fn gsub<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let subject = check_string(ctx, &stack, 0, "gsub")?;
    let pattern = check_string(ctx, &stack, 1, "gsub")?;
    let replacement = stack.get(2);
    let max = opt_integer(ctx, &stack, 3, "gsub", subject.len() + 1)?;
    if !matches!(
        replacement,
        Value::Integer(_)
            | Value::Number(_)
            | Value::String(_)
            | Value::Table(_)
            | Value::Function(_)
    ) {
        let message = format!(
            "string/function/table expected, got {}",
            type_name(&stack, 2)
        );
        return Err(arg_error(ctx, 2, "gsub", message));
    }
    let mut state = Gsub {
        subject,
        pattern,
        replacement,
        max,
        position: 0,
        last_match: None,
        count: 0,
        changed: false,
        out: Vec::new(),
        pending: None,
    };
    match state.run(ctx)? {
        None => {
            state.finish(ctx, &mut stack)?;
            Ok(CallbackReturn::Return)
        }
        Some((function, args)) => {
            stack.clear();
            stack.extend(args);
            Ok(CallbackReturn::Call {
                function,
                then: Some(BoxSequence::new(&ctx, state)),
            })
        }
    }
}

/// A Lua call `gsub` waits on: the function and its arguments.
type PendingCall<'gc> = (Function<'gc>, Vec<Value<'gc>>);

/// `gsub` in progress (`str_gsub`); it pauses while a replacement function or an
/// `__index` metamethod runs.
#[derive(Collect)]
#[collect(no_drop)]
struct Gsub<'gc> {
    subject: piccolo::String<'gc>,
    pattern: piccolo::String<'gc>,
    replacement: Value<'gc>,
    max: i64,
    /// Where matching resumes in the subject.
    position: usize,
    /// The end of the last match: an empty match right there is skipped.
    last_match: Option<usize>,
    count: i64,
    changed: bool,
    out: Vec<u8>,
    /// The match whose replacement the pending call computes.
    pending: Option<(usize, usize)>,
}

impl<'gc> Gsub<'gc> {
    fn append(&mut self, ctx: Context<'gc>, bytes: &[u8]) -> Result<(), Error<'gc>> {
        if self.out.len() + bytes.len() > MAX_STRING_LEN {
            return Err(lua_error(ctx, "resulting string too large"));
        }
        self.out
            .try_reserve(bytes.len())
            .map_err(|_| lua_error(ctx, "not enough memory"))?;
        self.out.extend_from_slice(bytes);
        Ok(())
    }

    /// Replaces matches until done (`None`) or until a Lua call is needed.
    fn run(&mut self, ctx: Context<'gc>) -> Result<Option<PendingCall<'gc>>, Error<'gc>> {
        let subject = self.subject.as_bytes();
        let (anchored, pattern) = split_anchor(self.pattern.as_bytes());
        let mut matcher = Matcher::new(subject, pattern);
        while self.count < self.max {
            let end = matcher
                .match_at(self.position)
                .map_err(|e| pattern_error(ctx, e))?;
            if let Some(end) = end.filter(|&end| Some(end) != self.last_match) {
                self.count += 1;
                let start = self.position;
                if let Some(call) = self.add_value(ctx, &matcher, start, end)? {
                    self.pending = Some((start, end));
                    return Ok(Some(call));
                }
                self.position = end;
                self.last_match = Some(end);
            } else if self.position < subject.len() {
                // Up to where the next match can begin, the subject is copied as is.
                let next = if anchored {
                    self.position + 1
                } else {
                    matcher.first_possible(self.position + 1).min(subject.len())
                };
                self.append(ctx, &subject[self.position..next])?;
                self.position = next;
            } else {
                break;
            }
            if anchored {
                break;
            }
        }
        Ok(None)
    }

    /// Adds the replacement of the match `start..end`, or returns the call that
    /// computes it (`add_value`).
    fn add_value(
        &mut self,
        ctx: Context<'gc>,
        matcher: &Matcher<'_>,
        start: usize,
        end: usize,
    ) -> Result<Option<PendingCall<'gc>>, Error<'gc>> {
        let subject = self.subject.as_bytes();
        match self.replacement {
            Value::Function(function) => {
                let args = captures(ctx, matcher, subject, true, start, end)?;
                Ok(Some((function, args)))
            }
            Value::Table(table) => {
                let key = matcher
                    .capture(0, start, end)
                    .map_err(|e| pattern_error(ctx, e))?;
                let key = capture_value(ctx, subject, key);
                match meta_ops::index(ctx, Value::Table(table), key)? {
                    MetaResult::Value(value) => {
                        self.add_result(ctx, value, start, end)?;
                        Ok(None)
                    }
                    MetaResult::Call(call) => Ok(Some((call.function, call.args.to_vec()))),
                }
            }
            replacement => {
                let template = match replacement {
                    Value::String(s) => s.as_bytes().to_vec(),
                    other => number_text(other).unwrap_or_default(),
                };
                self.add_template(ctx, matcher, &template, start, end)?;
                self.changed = true;
                Ok(None)
            }
        }
    }

    /// A replacement string with `%0`..`%9` and `%%` (`add_s`).
    fn add_template(
        &mut self,
        ctx: Context<'gc>,
        matcher: &Matcher<'_>,
        template: &[u8],
        start: usize,
        end: usize,
    ) -> Result<(), Error<'gc>> {
        let subject = self.subject.as_bytes();
        let mut rest = template;
        while let Some(at) = rest.iter().position(|&c| c == b'%') {
            self.append(ctx, &rest[..at])?;
            match rest.get(at + 1) {
                Some(b'%') => self.append(ctx, b"%")?,
                Some(b'0') => self.append(ctx, &subject[start..end])?,
                Some(&digit @ b'1'..=b'9') => {
                    let capture = matcher
                        .capture(usize::from(digit - b'1'), start, end)
                        .map_err(|e| pattern_error(ctx, e))?;
                    match capture {
                        Capture::Position(at) => {
                            self.append(ctx, (at + 1).to_string().as_bytes())?
                        }
                        Capture::Text(from, to) => self.append(ctx, &subject[from..to])?,
                    }
                }
                _ => return Err(lua_error(ctx, "invalid use of '%' in replacement string")),
            }
            rest = &rest[at + 2..];
        }
        self.append(ctx, rest)
    }

    /// Adds what a replacement function or table gave: false/nil keeps the match.
    fn add_result(
        &mut self,
        ctx: Context<'gc>,
        value: Value<'gc>,
        start: usize,
        end: usize,
    ) -> Result<(), Error<'gc>> {
        if !value.to_bool() {
            let subject = self.subject.as_bytes();
            return self.append(ctx, &subject[start..end]);
        }
        let text = match value {
            Value::String(s) => s.as_bytes().to_vec(),
            other => number_text(other).ok_or_else(|| {
                lua_error(
                    ctx,
                    format!("invalid replacement value (a {})", other.type_name()),
                )
            })?,
        };
        self.append(ctx, &text)?;
        self.changed = true;
        Ok(())
    }

    /// Leaves the result string (or the original) and the count on the stack.
    fn finish(&mut self, ctx: Context<'gc>, stack: &mut Stack<'gc, '_>) -> Result<(), Error<'gc>> {
        let result = if self.changed {
            let subject = self.subject.as_bytes();
            let tail = &subject[self.position.min(subject.len())..];
            self.append(ctx, tail)?;
            Value::String(new_string(ctx, std::mem::take(&mut self.out)))
        } else {
            // Unchanged: the subject itself (a number argument comes back as its text).
            Value::String(self.subject)
        };
        stack.replace(ctx, (result, self.count));
        Ok(())
    }
}

impl<'gc> Sequence<'gc> for Gsub<'gc> {
    fn poll(
        &mut self,
        ctx: Context<'gc>,
        _: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        if let Some((start, end)) = self.pending.take() {
            self.add_result(ctx, stack.get(0), start, end)?;
            self.position = end;
            self.last_match = Some(end);
            if self.pattern.as_bytes().starts_with(b"^") {
                self.max = self.count;
            }
        }
        match self.run(ctx)? {
            None => {
                self.finish(ctx, &mut stack)?;
                Ok(SequencePoll::Return)
            }
            Some((function, args)) => {
                stack.clear();
                stack.extend(args);
                Ok(SequencePoll::Call {
                    function,
                    is_tail: false,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::run_lua;

    #[test]
    fn gsub_callbacks_may_yield() {
        // Beyond lua5.4, where this is "attempt to yield across a C-call boundary".
        let result = run_lua(
            "local co = coroutine.create(function()
               return string.gsub('abc', '%w', function(c) return coroutine.yield(c) end)
             end)
             local seen = ''
             local ok, v = coroutine.resume(co)
             while coroutine.status(co) == 'suspended' do
               seen = seen .. v
               ok, v = coroutine.resume(co, string.upper(v))
             end
             local _, r, n = true, v, select(2, coroutine.resume(co))
             return seen, ok, v",
        );
        assert_eq!(result, "abc\ttrue\tABC");
    }

    #[test]
    fn gsub_table_lookups_call_index_metamethods() {
        assert_eq!(
            run_lua(
                "local t = setmetatable({}, {__index = function(_, k) return k .. '!' end})
                 return string.gsub('a b', '%a', t)"
            ),
            "a! b!\t2"
        );
    }

    #[test]
    fn gmatch_and_find_report_positions() {
        assert_eq!(
            run_lua(
                "local out = ''
                 for p, c in string.gmatch('abc', '()(.)') do out = out .. p .. c end
                 return out, string.find('hello', '()ll()')"
            ),
            "1a2b3c\t3\t4\t3\t5"
        );
    }
}
