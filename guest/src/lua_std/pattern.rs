//! Lua patterns (manual §6.4.1): a port of `lstrlib.c`'s backtracking matcher.
//!
//! No regex crate speaks Lua's pattern dialect (`%b`, `%f`, position captures,
//! back-references), so this follows the reference matcher step by step; that keeps
//! every corner case (anchors, empty matches, malformed patterns) identical to
//! `lua5.4`. Unlike the C code it also counts its steps: a hostile pattern raises
//! `pattern too complex` instead of spinning for minutes.

use std::fmt;

/// Most captures one pattern may hold (`LUA_MAXCAPTURES`).
pub const MAX_CAPTURES: usize = 32;

/// Deepest recursion of the matcher (`MAXCCALLS` in `lstrlib.c`).
const MAX_DEPTH: usize = 200;

/// Matcher steps one string-library call may take before it gives up: about a
/// second of work, far beyond what an ordinary match needs, but it stops the
/// exponential backtracking of patterns like `("a*"):rep(30) .. "b"`.
const MAX_STEPS: u64 = 1 << 26;

/// The escape character of patterns and replacement strings.
const ESCAPE: u8 = b'%';

/// The characters that make a pattern more than a plain substring (`SPECIALS`).
const SPECIALS: &[u8] = b"^$*+?.([%-";

/// A malformed pattern or an exhausted budget, raised as a Lua error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError(pub String);

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn error<T>(message: impl Into<String>) -> Result<T, PatternError> {
    Err(PatternError(message.into()))
}

/// One capture of a successful match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capture {
    /// A `()` capture: the 0-based offset, which Lua reports as `offset + 1`.
    Position(usize),
    /// A substring `start..end` of the subject.
    Text(usize, usize),
}

/// The length of a capture while matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CaptureLen {
    Unfinished,
    Position,
    Closed(usize),
}

/// Whether `pattern` has no magic characters, so `string.find` may search it plainly.
pub fn is_plain(pattern: &[u8]) -> bool {
    !pattern.iter().any(|c| SPECIALS.contains(c))
}

/// The first offset at or after `from` where `needle` occurs in `haystack`.
pub fn find_plain(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let rest = haystack.get(from..)?;
    if needle.is_empty() {
        return Some(from);
    }
    rest.windows(needle.len())
        .position(|window| window == needle)
        .map(|i| i + from)
}

/// The matching state of one pattern against one subject (`MatchState`).
pub struct Matcher<'a> {
    src: &'a [u8],
    pat: &'a [u8],
    level: usize,
    captures: [(usize, CaptureLen); MAX_CAPTURES],
    depth: usize,
    steps: u64,
    /// The class (`p..ep` of the pattern) every match must begin with, if any: see
    /// [`Matcher::first_possible`].
    first_class: Option<(usize, usize)>,
}

impl<'a> Matcher<'a> {
    /// A matcher for `pattern` (without its `^` anchor) against `subject`.
    pub fn new(subject: &'a [u8], pattern: &'a [u8]) -> Self {
        Self {
            src: subject,
            pat: pattern,
            level: 0,
            captures: [(0, CaptureLen::Unfinished); MAX_CAPTURES],
            depth: MAX_DEPTH,
            steps: 0,
            first_class: None,
        }
        .with_first_class()
    }

    /// Finds the class a match must begin with: the pattern's first single-character
    /// class after any opening captures, when it is not optional (`*`, `?`, `-`).
    /// Anything else first (a position capture, `%b`, `%f`, a back-reference, the
    /// final `$`, an empty or malformed pattern) leaves it unknown.
    fn with_first_class(mut self) -> Self {
        let mut p = 0;
        while self.pat_at(p) == b'(' && self.pat_at(p + 1) != b')' {
            p += 1;
        }
        let special = match self.pat_at(p) {
            ESCAPE => matches!(self.pat_at(p + 1), b'b' | b'f' | b'0'..=b'9'),
            b'$' => p + 1 == self.pat.len(),
            b'(' | b')' => true,
            _ => p >= self.pat.len(),
        };
        if !special {
            if let Ok(ep) = self.class_end(p) {
                if !matches!(self.pat_at(ep), b'*' | b'?' | b'-') {
                    self.first_class = Some((p, ep));
                }
            }
        }
        self
    }

    /// The first offset at or after `from` where a match can begin (past the subject's
    /// end if none can): a scan for the pattern's first class, so that a search does
    /// not start the whole matcher at every byte that cannot begin a match. Matches
    /// found are the same; only their search is cheaper (bench/lua patterns).
    pub fn first_possible(&self, from: usize) -> usize {
        let Some((p, ep)) = self.first_class else {
            return from;
        };
        let mut s = from;
        while s < self.src.len() && !self.single_match(s, p, ep) {
            s += 1;
        }
        if s < self.src.len() {
            s
        } else {
            self.src.len() + 1
        }
    }

    /// Tries to match the whole pattern starting at offset `start`; on success,
    /// the offset just past the match. The step budget spans every attempt.
    pub fn match_at(&mut self, start: usize) -> Result<Option<usize>, PatternError> {
        self.level = 0;
        self.depth = MAX_DEPTH;
        self.do_match(start, 0)
    }

    /// How many values a match yields: its captures, or the whole match when
    /// `whole` and the pattern has none (`push_captures`).
    pub fn capture_count(&self, whole: bool) -> usize {
        if self.level == 0 && whole {
            1
        } else {
            self.level
        }
    }

    /// Capture `index` (0-based) of the match `start..end`; index 0 of a pattern
    /// without captures is the whole match (`get_onecapture`).
    pub fn capture(&self, index: usize, start: usize, end: usize) -> Result<Capture, PatternError> {
        if index >= self.level {
            if index == 0 {
                return Ok(Capture::Text(start, end));
            }
            return error(format!("invalid capture index %{}", index + 1));
        }
        let (init, len) = self.captures[index];
        match len {
            CaptureLen::Unfinished => error("unfinished capture"),
            CaptureLen::Position => Ok(Capture::Position(init)),
            CaptureLen::Closed(len) => Ok(Capture::Text(init, init + len)),
        }
    }

    // The helpers marked `#[inline(always)]` run once or more per subject byte; inlined,
    // `%a+` is one loop instead of calls per byte (bench/lua patterns: 9% less time in
    // the sandbox, 11% natively).

    /// The pattern byte at `p`, or 0 past the end (the C code reads the terminator).
    #[inline(always)]
    fn pat_at(&self, p: usize) -> u8 {
        self.pat.get(p).copied().unwrap_or(0)
    }

    #[inline(always)]
    fn step(&mut self) -> Result<(), PatternError> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return error("pattern too complex");
        }
        Ok(())
    }

    /// The offset just past the single-character class starting at `p`.
    #[inline(always)]
    fn class_end(&self, p: usize) -> Result<usize, PatternError> {
        let mut p = p;
        let c = self.pat_at(p);
        p += 1;
        match c {
            ESCAPE => {
                if p >= self.pat.len() {
                    return error("malformed pattern (ends with '%')");
                }
                Ok(p + 1)
            }
            b'[' => {
                if self.pat_at(p) == b'^' {
                    p += 1;
                }
                // Look for the closing ']'; the first character is never it.
                loop {
                    if p >= self.pat.len() {
                        return error("malformed pattern (missing ']')");
                    }
                    let c = self.pat[p];
                    p += 1;
                    if c == ESCAPE && p < self.pat.len() {
                        p += 1;
                    }
                    if self.pat_at(p) == b']' {
                        return Ok(p + 1);
                    }
                }
            }
            _ => Ok(p),
        }
    }

    /// Whether byte `c` is in the set `[...]` spanning `p` (the '[') to `end` (the ']').
    #[inline(always)]
    fn match_bracket_class(&self, c: u8, p: usize, end: usize) -> bool {
        let mut p = p;
        let mut matched = true;
        if self.pat_at(p + 1) == b'^' {
            matched = false;
            p += 1;
        }
        p += 1;
        while p < end {
            if self.pat[p] == ESCAPE {
                p += 1;
                if match_class(c, self.pat_at(p)) {
                    return matched;
                }
            } else if self.pat_at(p + 1) == b'-' && p + 2 < end {
                if self.pat[p] <= c && c <= self.pat[p + 2] {
                    return matched;
                }
                p += 2;
            } else if self.pat[p] == c {
                return matched;
            }
            p += 1;
        }
        !matched
    }

    /// Whether the subject byte at `s` matches the class `p..ep`.
    #[inline(always)]
    fn single_match(&self, s: usize, p: usize, ep: usize) -> bool {
        let Some(&c) = self.src.get(s) else {
            return false;
        };
        match self.pat[p] {
            b'.' => true,
            ESCAPE => match_class(c, self.pat_at(p + 1)),
            b'[' => self.match_bracket_class(c, p, ep - 1),
            literal => literal == c,
        }
    }

    fn do_match(&mut self, s: usize, p: usize) -> Result<Option<usize>, PatternError> {
        if self.depth == 0 {
            return error("pattern too complex");
        }
        self.depth -= 1;
        let result = self.match_body(s, p);
        self.depth += 1;
        result
    }

    /// `match` of `lstrlib.c`, its tail calls turned into the loop.
    fn match_body(&mut self, mut s: usize, mut p: usize) -> Result<Option<usize>, PatternError> {
        loop {
            self.step()?;
            if p == self.pat.len() {
                return Ok(Some(s));
            }
            match self.pat[p] {
                b'(' => {
                    return if self.pat_at(p + 1) == b')' {
                        self.start_capture(s, p + 2, CaptureLen::Position)
                    } else {
                        self.start_capture(s, p + 1, CaptureLen::Unfinished)
                    };
                }
                b')' => return self.end_capture(s, p + 1),
                b'$' if p + 1 == self.pat.len() => {
                    return Ok((s == self.src.len()).then_some(s));
                }
                ESCAPE if self.pat_at(p + 1) == b'b' => match self.match_balance(s, p + 2)? {
                    Some(end) => {
                        s = end;
                        p += 4;
                    }
                    None => return Ok(None),
                },
                ESCAPE if self.pat_at(p + 1) == b'f' => {
                    p += 2;
                    if self.pat_at(p) != b'[' {
                        return error("missing '[' after '%f' in pattern");
                    }
                    let ep = self.class_end(p)?;
                    let previous = if s == 0 { 0 } else { self.src[s - 1] };
                    let current = self.src.get(s).copied().unwrap_or(0);
                    if !self.match_bracket_class(previous, p, ep - 1)
                        && self.match_bracket_class(current, p, ep - 1)
                    {
                        p = ep;
                    } else {
                        return Ok(None);
                    }
                }
                ESCAPE if self.pat_at(p + 1).is_ascii_digit() => {
                    match self.match_capture(s, self.pat_at(p + 1))? {
                        Some(end) => {
                            s = end;
                            p += 2;
                        }
                        None => return Ok(None),
                    }
                }
                _ => {
                    let ep = self.class_end(p)?;
                    let suffix = self.pat_at(ep);
                    if !self.single_match(s, p, ep) {
                        if matches!(suffix, b'*' | b'?' | b'-') {
                            p = ep + 1;
                            continue;
                        }
                        return Ok(None);
                    }
                    match suffix {
                        b'?' => {
                            if let Some(end) = self.do_match(s + 1, ep + 1)? {
                                return Ok(Some(end));
                            }
                            p = ep + 1;
                        }
                        b'+' => return self.max_expand(s + 1, p, ep),
                        b'*' => return self.max_expand(s, p, ep),
                        b'-' => return self.min_expand(s, p, ep),
                        _ => {
                            s += 1;
                            p = ep;
                        }
                    }
                }
            }
        }
    }

    fn max_expand(&mut self, s: usize, p: usize, ep: usize) -> Result<Option<usize>, PatternError> {
        let mut count = 0;
        while self.single_match(s + count, p, ep) {
            self.step()?;
            count += 1;
        }
        // Try the rest of the pattern after the most repetitions, then fewer.
        loop {
            if let Some(end) = self.do_match(s + count, ep + 1)? {
                return Ok(Some(end));
            }
            if count == 0 {
                return Ok(None);
            }
            count -= 1;
        }
    }

    fn min_expand(&mut self, s: usize, p: usize, ep: usize) -> Result<Option<usize>, PatternError> {
        let mut s = s;
        loop {
            if let Some(end) = self.do_match(s, ep + 1)? {
                return Ok(Some(end));
            }
            if self.single_match(s, p, ep) {
                s += 1;
            } else {
                return Ok(None);
            }
        }
    }

    fn start_capture(
        &mut self,
        s: usize,
        p: usize,
        what: CaptureLen,
    ) -> Result<Option<usize>, PatternError> {
        if self.level >= MAX_CAPTURES {
            return error("too many captures");
        }
        self.captures[self.level] = (s, what);
        self.level += 1;
        let result = self.do_match(s, p)?;
        if result.is_none() {
            self.level -= 1;
        }
        Ok(result)
    }

    fn end_capture(&mut self, s: usize, p: usize) -> Result<Option<usize>, PatternError> {
        let Some(open) = (0..self.level)
            .rev()
            .find(|&l| self.captures[l].1 == CaptureLen::Unfinished)
        else {
            return error("invalid pattern capture");
        };
        self.captures[open].1 = CaptureLen::Closed(s - self.captures[open].0);
        let result = self.do_match(s, p)?;
        if result.is_none() {
            self.captures[open].1 = CaptureLen::Unfinished;
        }
        Ok(result)
    }

    /// `%bxy`: a balanced run from `x` to its matching `y`, starting at `s`.
    fn match_balance(&mut self, s: usize, p: usize) -> Result<Option<usize>, PatternError> {
        if p + 1 >= self.pat.len() {
            return error("malformed pattern (missing arguments to '%b')");
        }
        let (open, close) = (self.pat[p], self.pat[p + 1]);
        if self.src.get(s) != Some(&open) {
            return Ok(None);
        }
        let mut depth = 1;
        for i in s + 1..self.src.len() {
            self.step()?;
            let c = self.src[i];
            if c == close {
                depth -= 1;
                if depth == 0 {
                    return Ok(Some(i + 1));
                }
            } else if c == open {
                depth += 1;
            }
        }
        Ok(None)
    }

    /// `%1`..`%9`: the text of an earlier closed capture again, at `s`.
    fn match_capture(&mut self, s: usize, digit: u8) -> Result<Option<usize>, PatternError> {
        let index = usize::from(digit - b'0');
        let open = index
            .checked_sub(1)
            .filter(|&l| l < self.level && self.captures[l].1 != CaptureLen::Unfinished);
        let Some(l) = open else {
            return error(format!("invalid capture index %{index}"));
        };
        let (init, len) = self.captures[l];
        let CaptureLen::Closed(len) = len else {
            // A position capture has no text: it never matches (as in C, where its
            // length is a huge unsigned number).
            return Ok(None);
        };
        let text = &self.src[init..init + len];
        Ok(self.src[s..].starts_with(text).then_some(s + len))
    }
}

/// Whether byte `c` is in the class named by `class` (`%a`, `%D`, ...) in the C
/// locale; any other character stands for itself.
#[inline(always)]
fn match_class(c: u8, class: u8) -> bool {
    let result = match class.to_ascii_lowercase() {
        b'a' => c.is_ascii_alphabetic(),
        b'c' => c.is_ascii_control(),
        b'd' => c.is_ascii_digit(),
        b'g' => c.is_ascii_graphic(),
        b'l' => c.is_ascii_lowercase(),
        b'p' => c.is_ascii_punctuation(),
        b's' => matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c),
        b'u' => c.is_ascii_uppercase(),
        b'w' => c.is_ascii_alphanumeric(),
        b'x' => c.is_ascii_hexdigit(),
        // Deprecated since Lua 5.2 but still accepted by 5.4.
        b'z' => c == 0,
        _ => return class == c,
    };
    if class.is_ascii_uppercase() {
        !result
    } else {
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first match of `pattern` in `subject` as (start, end), 1-based like `find`.
    fn find(subject: &str, pattern: &str) -> Result<Option<(usize, usize)>, PatternError> {
        let (anchored, pattern) = match pattern.strip_prefix('^') {
            Some(rest) => (true, rest),
            None => (false, pattern),
        };
        let mut matcher = Matcher::new(subject.as_bytes(), pattern.as_bytes());
        for start in 0..=subject.len() {
            if let Some(end) = matcher.match_at(start)? {
                return Ok(Some((start + 1, end)));
            }
            if anchored {
                break;
            }
        }
        Ok(None)
    }

    #[test]
    fn classes_sets_and_repetitions() {
        assert_eq!(find("hello world", "o w"), Ok(Some((5, 7))));
        assert_eq!(find("abc123", "%d+"), Ok(Some((4, 6))));
        assert_eq!(find("abc123", "[%a]+"), Ok(Some((1, 3))));
        assert_eq!(find("abc123", "[^%a]"), Ok(Some((4, 4))));
        assert_eq!(find("a-b", "[a%-]+"), Ok(Some((1, 2))));
        assert_eq!(find("xyz", "[x-y]*"), Ok(Some((1, 2))));
        assert_eq!(find("<<a>>", "<-"), Ok(Some((1, 0))));
        assert_eq!(find("]", "[]]"), Ok(Some((1, 1))));
        assert_eq!(find("aaa", "^a-$"), Ok(Some((1, 3))));
        assert_eq!(find("baaa", "^a"), Ok(None));
    }

    #[test]
    fn balanced_frontier_and_back_references() {
        assert_eq!(find("x(a(b)c)y", "%b()"), Ok(Some((2, 8))));
        assert_eq!(find("THE (quick) fox", "%f[%a]%a+"), Ok(Some((1, 3))));
        assert_eq!(find("say 'hi' now", "(['\"]).-%1"), Ok(Some((5, 8))));
    }

    #[test]
    fn malformed_patterns_are_errors() {
        let message = |p: &str| find("abc", p).unwrap_err().0;
        assert_eq!(message("%"), "malformed pattern (ends with '%')");
        assert_eq!(message("[a"), "malformed pattern (missing ']')");
        assert_eq!(
            message("%b"),
            "malformed pattern (missing arguments to '%b')"
        );
        assert_eq!(message("%f"), "missing '[' after '%f' in pattern");
        assert_eq!(message("a)"), "invalid pattern capture");
        assert_eq!(message("%1"), "invalid capture index %1");
        assert_eq!(message(&"()".repeat(33)), "too many captures");
    }

    #[test]
    fn hostile_patterns_stop_with_an_error() {
        let subject = "a".repeat(40);
        let pattern = format!("{}b", "a*".repeat(40));
        assert_eq!(
            find(&subject, &pattern),
            Err(PatternError("pattern too complex".into()))
        );
        let deep = "a?".repeat(300);
        assert_eq!(
            find(&"a".repeat(300), &deep),
            Err(PatternError("pattern too complex".into()))
        );
    }
}
