//! The `json` module (json.md): `json.encode` and `json.decode`.
//!
//! Both directions are written by hand rather than with serde_json, which the guest does
//! not otherwise depend on (it would bring serde too). Encoding has to copy Go's
//! `encoding/json` output byte for byte (HTML-safe escapes, U+FFFD per invalid byte,
//! integral floats without fraction), which serde_json's writer does not do. Decoding
//! with serde_json would build a `serde_json::Value` tree only to copy it into Lua
//! tables, reports positions as line and column instead of a byte offset, and rounds
//! some floats differently unless its `float_roundtrip` feature is on; a direct parser
//! into Lua values is a few hundred lines and avoids all three.
//!
//! Neither direction recurses: nesting lives in explicit stacks, so hostile input
//! (100,000 `[`) gets an error, never a wasm stack overflow.

use std::collections::HashSet;
use std::rc::Rc;

use piccolo::{Callback, CallbackReturn, Context, Table, Value};

use crate::api::{errors, invalid, return_result, set};
use crate::bindings::ErrorInfo;
use crate::env::Env;

/// The deepest nesting either direction accepts: a value inside more than this many
/// containers is an error (upstream's `DefaultMaxDepth` and `maxNestingDepth`).
const MAX_DEPTH: usize = 128;

const RECURSIVELY_NESTED: &str = "cannot encode recursively nested tables to JSON";
const SPARSE_ARRAY: &str = "cannot encode sparse array: non-contiguous numeric keys found";
const MIXED_KEYS: &str =
    "cannot encode mixed-key table: table has both numeric and non-numeric keys";
const ENCODE_TOO_DEEP: &str = "exceeded maximum nesting depth for JSON encoding";
const DECODE_TOO_DEEP: &str = "json: maximum nesting depth exceeded";

/// Builds the `json` module table.
pub fn module<'gc>(ctx: Context<'gc>, env: &Rc<Env>) -> Table<'gc> {
    let json = Table::new(&ctx);
    let e = env.clone();
    let encode_fn = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let result = encode(stack.get(0))
            .map(|text| Value::String(piccolo::String::from_slice(&ctx, text)))
            .map_err(internal);
        return_result(ctx, &e, &mut stack, result);
        Ok(CallbackReturn::Return)
    });
    set(ctx, json, "encode", encode_fn);
    let e = env.clone();
    let decode_fn = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let result = match stack.get(0) {
            Value::String(text) if text.as_bytes().is_empty() => {
                Err(invalid("empty string is not valid JSON"))
            }
            Value::String(text) => decode(ctx, text.as_bytes()).map_err(internal),
            _ => Err(invalid("string expected")),
        };
        return_result(ctx, &e, &mut stack, result);
        Ok(CallbackReturn::Return)
    });
    set(ctx, json, "decode", decode_fn);
    json
}

fn internal(message: impl Into<String>) -> ErrorInfo {
    ErrorInfo {
        kind: "Internal".into(),
        message: message.into(),
        retryable: Some(false),
    }
}

/// `value` as compact JSON text, the way upstream writes it (json.md §1).
///
/// Object members are written sorted by key bytes (string keys before number and
/// boolean keys of the same text), so equal tables always encode to the same text.
/// A value passed directly is written as Go's `json.Marshal` would (strings always
/// escaped the HTML-safe way, floats with an exponent outside `1e-6..1e21`); values
/// inside tables take upstream's table writer's forms (plain printable ASCII strings
/// verbatim, floats never with an exponent).
pub fn encode(value: Value<'_>) -> Result<Vec<u8>, &'static str> {
    let mut encoder = Encoder::default();
    match value {
        Value::Number(n) => write_top_level_float(&mut encoder.out, n),
        Value::String(s) => write_go_string(&mut encoder.out, s.as_bytes()),
        value => encoder.value(value, 0)?,
    }
    encoder.finish_open_containers()?;
    Ok(encoder.out)
}

#[derive(Default)]
struct Encoder<'gc> {
    out: Vec<u8>,
    /// The containers being written, outermost first.
    open: Vec<OpenContainer<'gc>>,
    /// The tables in `open`: meeting one again is a cycle.
    visiting: HashSet<*const ()>,
}

enum OpenContainer<'gc> {
    Array {
        table: Table<'gc>,
        next: i64,
        len: i64,
    },
    Object {
        table: Table<'gc>,
        members: Vec<Member<'gc>>,
        next: usize,
    },
}

/// One member of a table written as an object.
struct Member<'gc> {
    key: Vec<u8>,
    /// Orders members whose keys have the same text: string, number, then boolean keys.
    rank: u8,
    value: Value<'gc>,
}

fn table_ptr(table: Table<'_>) -> *const () {
    gc_arena::Gc::as_ptr(table.into_inner()) as *const ()
}

impl<'gc> Encoder<'gc> {
    /// Writes the rest of every open container, innermost first.
    fn finish_open_containers(&mut self) -> Result<(), &'static str> {
        while let Some(open) = self.open.last_mut() {
            let next = match open {
                OpenContainer::Array { table, next, len } => (*next <= *len).then(|| {
                    if *next > 1 {
                        self.out.push(b',');
                    }
                    let value = table.get_value(Value::Integer(*next));
                    *next += 1;
                    value
                }),
                OpenContainer::Object { members, next, .. } => members.get(*next).map(|member| {
                    if *next > 0 {
                        self.out.push(b',');
                    }
                    write_container_string(&mut self.out, &member.key);
                    self.out.push(b':');
                    *next += 1;
                    member.value
                }),
            };
            match next {
                Some(value) => {
                    let depth = self.open.len();
                    self.value(value, depth)?;
                }
                None => self.close(),
            }
        }
        Ok(())
    }

    fn close(&mut self) {
        let (table, end) = match self.open.pop() {
            Some(OpenContainer::Array { table, .. }) => (table, b']'),
            Some(OpenContainer::Object { table, .. }) => (table, b'}'),
            None => return,
        };
        self.out.push(end);
        self.visiting.remove(&table_ptr(table));
    }

    /// Writes a value inside `depth` containers; a non-empty table is opened and
    /// written by `finish_open_containers`.
    fn value(&mut self, value: Value<'gc>, depth: usize) -> Result<(), &'static str> {
        match value {
            Value::Nil => self.out.extend_from_slice(b"null"),
            Value::Boolean(b) => self
                .out
                .extend_from_slice(if b { b"true" } else { b"false" }),
            Value::Integer(i) => self.out.extend_from_slice(i.to_string().as_bytes()),
            Value::Number(n) => write_container_float(&mut self.out, n),
            Value::String(s) => write_container_string(&mut self.out, s.as_bytes()),
            // Upstream checks the depth of everything it cannot write inline.
            _ if depth > MAX_DEPTH => return Err(ENCODE_TOO_DEEP),
            Value::Table(table) => self.open_table(table)?,
            Value::UserData(_) => match errors::as_error(value) {
                Some(error) => write_go_string(&mut self.out, error.info.message.as_bytes()),
                None => self.out.extend_from_slice(b"null"),
            },
            Value::Function(_) | Value::Thread(_) => self.out.extend_from_slice(b"null"),
        }
        Ok(())
    }

    /// Decides whether `table` is an array or an object (json.md §1) and opens it.
    fn open_table(&mut self, table: Table<'gc>) -> Result<(), &'static str> {
        if !self.visiting.insert(table_ptr(table)) {
            return Err(RECURSIVELY_NESTED);
        }
        let mut indices = 0i64;
        let mut max_index = 0i64;
        let mut members = Vec::new();
        // Keys with no JSON text (tables, functions, ...) make the table an object but
        // are not written, as upstream does.
        let mut unwritable_keys = false;
        for (key, value) in table.iter() {
            let (key, rank) = match key {
                Value::Integer(i) if i > 0 => {
                    indices += 1;
                    max_index = max_index.max(i);
                    continue;
                }
                Value::String(s) => (s.as_bytes().to_vec(), 0),
                Value::Integer(i) => (i.to_string().into_bytes(), 1),
                Value::Number(n) => (go_float_key(n).into_bytes(), 1),
                Value::Boolean(b) => (b.to_string().into_bytes(), 2),
                _ => {
                    unwritable_keys = true;
                    continue;
                }
            };
            members.push(Member { key, rank, value });
        }
        let has_object_keys = !members.is_empty() || unwritable_keys;
        if indices > 0 && has_object_keys {
            return Err(MIXED_KEYS);
        }
        if has_object_keys {
            members.sort_by(|a, b| a.key.cmp(&b.key).then(a.rank.cmp(&b.rank)));
            self.out.push(b'{');
            self.open.push(OpenContainer::Object {
                table,
                members,
                next: 0,
            });
        } else {
            if indices != max_index {
                return Err(SPARSE_ARRAY);
            }
            self.out.push(b'[');
            self.open.push(OpenContainer::Array {
                table,
                next: 1,
                len: max_index,
            });
        }
        Ok(())
    }
}

/// A float key as Go's `strconv.FormatFloat(k, 'f', -1, 64)` writes it.
fn go_float_key(n: f64) -> String {
    if n.is_infinite() {
        if n > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{n}")
    }
}

/// A float inside a table: integral values as integers, others as the shortest
/// decimal that reads back to the same float, never with an exponent.
fn write_container_float(out: &mut Vec<u8>, n: f64) {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if !n.is_finite() {
        out.extend_from_slice(b"null");
    } else if n.fract() == 0.0 && (-TWO_POW_63..TWO_POW_63).contains(&n) {
        out.extend_from_slice((n as i64).to_string().as_bytes());
    } else {
        // Rust's `Display` for floats is the shortest round-trip decimal without an
        // exponent, the same text as Go's `FormatFloat(n, 'f', -1, 64)`.
        out.extend_from_slice(format!("{n}").as_bytes());
    }
}

/// A float passed directly, as Go's `json.Marshal(float64)` writes it.
fn write_top_level_float(out: &mut Vec<u8>, n: f64) {
    if !n.is_finite() {
        out.extend_from_slice(b"null");
        return;
    }
    let magnitude = n.abs();
    let text = if magnitude != 0.0 && !(1e-6..1e21).contains(&magnitude) {
        // Go's exponent always has a sign (`1e+21`, `1e-7`); Rust's has one only when
        // negative. The digits are the same shortest round-trip digits.
        let scientific = format!("{n:e}");
        match scientific.split_once('e') {
            Some((mantissa, exponent)) if !exponent.starts_with('-') => {
                format!("{mantissa}e+{exponent}")
            }
            _ => scientific,
        }
    } else {
        format!("{n}")
    };
    out.extend_from_slice(text.as_bytes());
}

/// A string inside a table: upstream copies plain printable ASCII verbatim and
/// escapes everything else the Go way.
fn write_container_string(out: &mut Vec<u8>, bytes: &[u8]) {
    if bytes.iter().all(|&b| is_plain_ascii(b)) {
        out.push(b'"');
        out.extend_from_slice(bytes);
        out.push(b'"');
    } else {
        write_go_string(out, bytes);
    }
}

/// A printable ASCII byte that stands for itself inside a JSON string.
fn is_plain_ascii(byte: u8) -> bool {
    (0x20..0x80).contains(&byte) && byte != b'"' && byte != b'\\'
}

/// A string as Go's `encoding/json` writes it: HTML-safe (`<`, `>`, `&` escaped),
/// U+2028 and U+2029 escaped, and `\ufffd` for every byte that does not start a valid
/// UTF-8 sequence.
fn write_go_string(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte < 0x80 {
            match byte {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0c => out.extend_from_slice(b"\\f"),
                0..0x20 | b'<' | b'>' | b'&' => {
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[usize::from(byte >> 4)]);
                    out.push(HEX[usize::from(byte & 0xf)]);
                }
                _ => out.push(byte),
            }
            i += 1;
            continue;
        }
        let Some(ch) = utf8_char_at(bytes, i) else {
            out.extend_from_slice(b"\\ufffd");
            i += 1;
            continue;
        };
        match ch {
            '\u{2028}' => out.extend_from_slice(b"\\u2028"),
            '\u{2029}' => out.extend_from_slice(b"\\u2029"),
            _ => out.extend_from_slice(&bytes[i..i + ch.len_utf8()]),
        }
        i += ch.len_utf8();
    }
    out.push(b'"');
}

/// The character whose UTF-8 encoding starts at `bytes[i]`, if it is valid there
/// (well-formed, not overlong, not a surrogate: what Go's `utf8.DecodeRune` accepts).
fn utf8_char_at(bytes: &[u8], i: usize) -> Option<char> {
    let len = match bytes.get(i)? {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    let encoded = bytes.get(i..i + len)?;
    std::str::from_utf8(encoded).ok()?.chars().next()
}

/// Parses one JSON text into a Lua value (json.md §2); the error names the byte
/// offset where parsing stopped.
pub fn decode<'gc>(ctx: Context<'gc>, input: &[u8]) -> Result<Value<'gc>, String> {
    Parser {
        ctx,
        input,
        pos: 0,
        open: Vec::new(),
    }
    .parse()
}

struct Parser<'a, 'gc> {
    ctx: Context<'gc>,
    input: &'a [u8],
    pos: usize,
    /// The arrays and objects being filled, outermost first.
    open: Vec<OpenValue<'gc>>,
}

enum OpenValue<'gc> {
    Array {
        table: Table<'gc>,
        len: i64,
    },
    Object {
        table: Table<'gc>,
        /// The name whose value is being parsed.
        key: piccolo::String<'gc>,
        /// Every name seen so far: a repeated name is an error, as upstream's parser
        /// (Go's `jsontext`) has it. Keyed with seeds no process can read, as the
        /// names may come from another process.
        names: ahash::AHashSet<&'gc [u8]>,
    },
}

impl<'a, 'gc> Parser<'a, 'gc> {
    fn parse(mut self) -> Result<Value<'gc>, String> {
        loop {
            let mut value = match self.value_start()? {
                Some(value) => value,
                None => continue,
            };
            // Put the finished value in its container; a closing bracket finishes
            // that container in turn.
            loop {
                self.skip_whitespace();
                let (table, in_array) = match self.open.last_mut() {
                    None => {
                        return match self.peek() {
                            None => Ok(value),
                            Some(_) => Err(self.unexpected("after top-level value")),
                        };
                    }
                    Some(OpenValue::Array { table, len }) => {
                        *len += 1;
                        let _ = table.set(self.ctx, *len, value);
                        (*table, true)
                    }
                    Some(OpenValue::Object { table, key, .. }) => {
                        let _ = table.set(self.ctx, *key, value);
                        (*table, false)
                    }
                };
                let (close, place) = if in_array {
                    (b']', "after array element")
                } else {
                    (b'}', "after object value")
                };
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if !in_array {
                            self.member_name()?;
                        }
                        break;
                    }
                    Some(b) if b == close => {
                        self.pos += 1;
                        value = Value::Table(table);
                        self.open.pop();
                    }
                    _ => return Err(self.unexpected(place)),
                }
            }
        }
    }

    /// Parses the start of a value: a whole scalar or empty container, or `None`
    /// after opening a non-empty array or object.
    fn value_start(&mut self) -> Result<Option<Value<'gc>>, String> {
        self.skip_whitespace();
        if self.open.len() > MAX_DEPTH {
            return Err(DECODE_TOO_DEEP.into());
        }
        let value = match self.peek() {
            Some(b'[') => {
                self.pos += 1;
                let table = Table::new(&self.ctx);
                self.skip_whitespace();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    Value::Table(table)
                } else {
                    self.open.push(OpenValue::Array { table, len: 0 });
                    return Ok(None);
                }
            }
            Some(b'{') => {
                self.pos += 1;
                let table = Table::new(&self.ctx);
                self.skip_whitespace();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    Value::Table(table)
                } else {
                    self.open.push(OpenValue::Object {
                        table,
                        key: piccolo::String::from_slice(&self.ctx, b""),
                        names: ahash::AHashSet::new(),
                    });
                    self.member_name()?;
                    return Ok(None);
                }
            }
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.literal("true", Value::Boolean(true))?,
            Some(b'f') => self.literal("false", Value::Boolean(false))?,
            Some(b'n') => self.literal("null", Value::Nil)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => return Err(self.unexpected("at start of value")),
        };
        Ok(Some(value))
    }

    /// Parses `"name":` of the innermost open object and makes it the current key.
    fn member_name(&mut self) -> Result<(), String> {
        self.skip_whitespace();
        if self.peek() != Some(b'"') {
            return Err(self.unexpected("at start of object name"));
        }
        let start = self.pos;
        let name = self.string()?;
        if let Some(OpenValue::Object { key, names, .. }) = self.open.last_mut() {
            if !names.insert(name.as_bytes()) {
                return Err(format!(
                    "duplicate object member name {} at offset {start}",
                    quoted(name.as_bytes())
                ));
            }
            *key = name;
        }
        self.skip_whitespace();
        if self.peek() != Some(b':') {
            return Err(self.unexpected("after object name"));
        }
        self.pos += 1;
        Ok(())
    }

    fn string(&mut self) -> Result<piccolo::String<'gc>, String> {
        // The opening quote.
        self.pos += 1;
        let mut text = Vec::new();
        loop {
            let start = self.pos;
            while let Some(&b) = self.input.get(self.pos) {
                if !is_plain_ascii(b) {
                    break;
                }
                self.pos += 1;
            }
            text.extend_from_slice(&self.input[start..self.pos]);
            match self.peek() {
                None => return Err(self.unexpected("in string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(piccolo::String::from_slice(&self.ctx, text));
                }
                Some(b'\\') => self.escape(&mut text)?,
                Some(b) if b < 0x20 => return Err(self.unexpected("in string")),
                Some(_) => match utf8_char_at(self.input, self.pos) {
                    Some(ch) => {
                        let end = self.pos + ch.len_utf8();
                        text.extend_from_slice(&self.input[self.pos..end]);
                        self.pos = end;
                    }
                    None => return Err(format!("invalid UTF-8 in string at offset {}", self.pos)),
                },
            }
        }
    }

    /// Decodes the escape sequence at the backslash under the cursor into `text`.
    fn escape(&mut self, text: &mut Vec<u8>) -> Result<(), String> {
        let start = self.pos;
        let decoded = match self.input.get(start + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode_escape(text),
            Some(_) => return Err(self.invalid_escape(start, 2)),
            None => {
                self.pos = self.input.len();
                return Err(self.unexpected("in string"));
            }
        };
        self.pos += 2;
        text.push(decoded as u8);
        Ok(())
    }

    /// `\uXXXX`, or a `\uD8XX\uDCXX` surrogate pair; a lone surrogate is an error.
    fn unicode_escape(&mut self, text: &mut Vec<u8>) -> Result<(), String> {
        let start = self.pos;
        let first = self.hex4(start + 2)?;
        let (code, len) = match first {
            0xd800..=0xdbff => {
                let low = match self.input.get(start + 6..start + 8) {
                    Some(b"\\u") => self.hex4(start + 8)?,
                    _ => return Err(self.invalid_escape(start, 6)),
                };
                if !(0xdc00..=0xdfff).contains(&low) {
                    return Err(self.invalid_escape(start, 12));
                }
                (0x10000 + ((first - 0xd800) << 10) + (low - 0xdc00), 12)
            }
            0xdc00..=0xdfff => return Err(self.invalid_escape(start, 6)),
            code => (code, 6),
        };
        let ch = char::from_u32(code).ok_or_else(|| self.invalid_escape(start, len))?;
        text.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
        self.pos = start + len;
        Ok(())
    }

    /// The four hex digits at `at`.
    fn hex4(&mut self, at: usize) -> Result<u32, String> {
        let mut code = 0;
        for offset in at..at + 4 {
            let Some(&b) = self.input.get(offset) else {
                self.pos = self.input.len();
                return Err(self.unexpected("in string"));
            };
            let Some(digit) = char::from(b).to_digit(16) else {
                self.pos = offset;
                return Err(self.unexpected("in \\u escape"));
            };
            code = code * 16 + digit;
        }
        Ok(code)
    }

    fn invalid_escape(&self, start: usize, len: usize) -> String {
        let end = (start + len).min(self.input.len());
        format!(
            "invalid escape sequence {} in string at offset {start}",
            quoted(&self.input[start..end])
        )
    }

    fn literal(&mut self, word: &str, value: Value<'gc>) -> Result<Value<'gc>, String> {
        for &expected in word.as_bytes() {
            if self.peek() != Some(expected) {
                return Err(self.unexpected(&format!("in literal {word}")));
            }
            self.pos += 1;
        }
        Ok(value)
    }

    /// A number: an integer when written without `.`, `e` or `E` and within i64,
    /// otherwise a float. Floats beyond f64's range are an error, as upstream has it.
    fn number(&mut self) -> Result<Value<'gc>, String> {
        let start = self.pos;
        self.eat(b'-');
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.unexpected("in number")),
        }
        let mut integral = true;
        if self.eat(b'.') {
            integral = false;
            self.required_digits()?;
        }
        if self.eat(b'e') || self.eat(b'E') {
            integral = false;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            self.required_digits()?;
        }
        // The grammar above admits only ASCII.
        let text = std::str::from_utf8(&self.input[start..self.pos]).unwrap_or_default();
        if integral {
            if let Ok(i) = text.parse::<i64>() {
                return Ok(Value::Integer(i));
            }
        }
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Value::Number(n)),
            _ => Err(format!("number {text} out of range at offset {start}")),
        }
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn required_digits(&mut self) -> Result<(), String> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.unexpected("in number"));
        }
        self.digits();
        Ok(())
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.pos += 1;
        }
        found
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// The error for the byte under the cursor (or the end of input) in `place`.
    fn unexpected(&self, place: &str) -> String {
        match self.peek() {
            None => format!("unexpected end of JSON input at offset {}", self.pos),
            Some(b) => {
                let shown = match utf8_char_at(self.input, self.pos) {
                    Some(ch) => format!("{ch:?}"),
                    None => format!("byte 0x{b:02x}"),
                };
                format!("invalid character {shown} {place} at offset {}", self.pos)
            }
        }
    }
}

/// `bytes` in double quotes with Rust's escapes, for error messages.
fn quoted(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

#[cfg(test)]
mod tests {
    use piccolo::{Closure, Executor, Fuel, Value, Variadic};

    use crate::testing::with_ctx;

    /// Runs `source` with the `json` module as the global `json` (as `require` finds it)
    /// and returns its results as tab-separated `tostring`s. The chunk also gets
    /// `enc(v)` and `dec(s)`, which return the result or `ERR <kind>: <message>`.
    fn run(source: &str) -> String {
        const HELPERS: &str = r#"
            local function failed(e) return "ERR " .. e:kind() .. ": " .. tostring(e) end
            local function enc(v) local s, e = json.encode(v) if e then return failed(e) end return s end
            local function dec(s) local v, e = json.decode(s) if e then return failed(e) end return v end
        "#;
        with_ctx(|ctx, env| {
            crate::api::set(ctx, ctx.globals(), "json", super::module(ctx, env));
            let chunk = format!("{HELPERS}\n{source}");
            let closure = Closure::load(ctx, Some("test"), chunk.as_bytes())
                .unwrap_or_else(|e| panic!("test chunk does not compile: {e}"));
            let executor = Executor::start(ctx, closure.into(), ());
            while !executor.step(ctx, &mut Fuel::with(4096)) {}
            let values = executor
                .take_result::<Variadic<Vec<Value>>>(ctx)
                .expect("finished")
                .unwrap_or_else(|e| panic!("test chunk failed: {e}"));
            values
                .0
                .iter()
                .map(|v| crate::api::display(*v))
                .collect::<Vec<_>>()
                .join("\t")
        })
    }

    #[test]
    fn a_process_that_lists_json_can_require_it() {
        let run = crate::testing::run_process(
            "local json = require('json')\n\
             local function main() return json.encode(json.decode('{\"b\":[1,2.5],\"a\":null}')) end\n\
             return { main = main }",
            |_| {},
        );
        assert_eq!(run.outcome(), r#"{"b":[1,2.5]}"#);
    }

    #[test]
    fn encodes_scalars() {
        assert_eq!(
            run("return enc(nil), json.encode(), enc(true), enc(false), enc(42), enc(-7)"),
            "null\tnull\ttrue\tfalse\t42\t-7"
        );
        assert_eq!(
            run("return enc(math.mininteger), enc(math.maxinteger)"),
            "-9223372036854775808\t9223372036854775807"
        );
    }

    #[test]
    fn encodes_top_level_floats_like_go_json_marshal() {
        assert_eq!(
            run("return enc(2.0), enc(99.5), enc(0.1), enc(-0.0), enc(1e20), enc(2^53)"),
            "2\t99.5\t0.1\t-0\t100000000000000000000\t9007199254740992"
        );
        assert_eq!(
            run("return enc(1e21), enc(1.5e300), enc(1e-7), enc(-2.5e-10), enc(0.000001)"),
            "1e+21\t1.5e+300\t1e-7\t-2.5e-10\t0.000001"
        );
        assert_eq!(
            run("return enc(0/0), enc(1/0), enc(-1/0)"),
            "null\tnull\tnull"
        );
    }

    #[test]
    fn encodes_floats_inside_tables_without_exponent() {
        // 2^63 is past i64, so it takes the decimal form (upstream wraps it to i64::MIN).
        assert_eq!(
            run("return enc({2.0, 99.5, 1e21, 1e-7, -0.0, 2^63, 0/0, 1/0, 1/3})"),
            "[2,99.5,1000000000000000000000,0.0000001,0,9223372036854776000,null,null,\
             0.3333333333333333]"
        );
    }

    #[test]
    fn escapes_strings_the_go_way() {
        assert_eq!(run(r#"return enc("hello")"#), r#""hello""#);
        // A value passed directly always goes through Go's escaper.
        assert_eq!(
            run(r#"return enc("<a href='x'>&</a>")"#),
            r#""\u003ca href='x'\u003e\u0026\u003c/a\u003e""#
        );
        assert_eq!(
            run(r#"return enc("q\"b\\s/\n\r\t\b\f\0\1\31\127")"#),
            r#""q\"b\\s/\n\r\t\b\f\u0000\u0001\u001f""#.replace("001f", "001f\u{7f}")
        );
        assert_eq!(
            run(r#"return enc("é日本😀"), enc("a\u{2028}b\u{2029}")"#),
            "\"é日本😀\"\t\"a\\u2028b\\u2029\""
        );
    }

    #[test]
    fn writes_one_replacement_escape_per_invalid_byte() {
        assert_eq!(run(r#"return enc("a\xffb")"#), r#""a\ufffdb""#);
        // Truncated, overlong and surrogate sequences: Go replaces each byte.
        assert_eq!(
            run(
                r#"return enc("\xe2\x82"), enc("\xc0\xaf"), enc("\xed\xa0\x80"), enc("\xf4\x90\x80\x80")"#
            ),
            [
                r#""\ufffd\ufffd""#,
                r#""\ufffd\ufffd""#,
                r#""\ufffd\ufffd\ufffd""#,
                r#""\ufffd\ufffd\ufffd\ufffd""#
            ]
            .join("\t")
        );
    }

    #[test]
    fn strings_inside_tables_keep_plain_ascii_verbatim() {
        assert_eq!(
            run(r#"return enc({"<a>&", "x\n<"}), enc({["<k>"] = "v", ["k\t"] = "é"})"#),
            r#"["<a>&","x\n\u003c"]	{"<k>":"v","k\t":"é"}"#
        );
    }

    #[test]
    fn encodes_arrays_and_objects_compactly() {
        assert_eq!(
            run(r#"return enc({1, 2, 3, "four", true}), enc({}), enc({{}, {{}}})"#),
            r#"[1,2,3,"four",true]	[]	[[],[[]]]"#
        );
        assert_eq!(
            run(r#"return enc({a = 1, b = {1, 2}})"#),
            r#"{"a":1,"b":[1,2]}"#
        );
        assert_eq!(
            run(r#"return enc({name = "test", data = {items = {1, 2, 3}, active = true}})"#),
            r#"{"data":{"active":true,"items":[1,2,3]},"name":"test"}"#
        );
    }

    #[test]
    fn sorts_object_keys_by_bytes() {
        assert_eq!(
            run(r#"return enc({b = 1, a = 2, c = 3, B = 4, aa = 5, [""] = 6})"#),
            r#"{"":6,"B":4,"a":2,"aa":5,"b":1,"c":3}"#
        );
    }

    #[test]
    fn writes_non_string_object_keys_as_text() {
        assert_eq!(
            run(r#"return enc({[true] = 1}), enc({[0] = "z", [-1] = "m"}), enc({[1.5] = 1})"#),
            r#"{"true":1}	{"-1":"m","0":"z"}	{"1.5":1}"#
        );
        // Keys with no JSON text are left out, but still make the table an object.
        assert_eq!(run("return enc({[{}] = 1})"), "{}");
    }

    #[test]
    fn refuses_mixed_and_sparse_tables() {
        let mixed = "ERR Internal: cannot encode mixed-key table: table has both numeric and \
                     non-numeric keys";
        let sparse = "ERR Internal: cannot encode sparse array: non-contiguous numeric keys found";
        assert_eq!(run(r#"return enc({1, a = 2})"#), mixed);
        assert_eq!(run(r#"return enc({1, [true] = 2})"#), mixed);
        assert_eq!(
            run("local t = {} t[1] = 1 t[3] = 3 return enc(t), enc({[2] = 1}), enc({1, nil, 3})"),
            [sparse, sparse, sparse].join("\t")
        );
        assert_eq!(run(r#"return enc({x = {1, a = 2}})"#), mixed);
        assert_eq!(
            run("local t = {1, 2, 3} t[2] = nil return enc(t)"),
            sparse,
            "a hole left by assignment"
        );
    }

    #[test]
    fn refuses_cycles_but_not_shared_tables() {
        let nested = "ERR Internal: cannot encode recursively nested tables to JSON";
        assert_eq!(run("local t = {} t.self = t return enc(t)"), nested);
        assert_eq!(
            run("local a = {b = {c = {}}} a.b.c.d = a return enc(a)"),
            nested
        );
        assert_eq!(run("local t = {} t[1] = t return enc(t)"), nested);
        assert_eq!(
            run("local s = {1} return enc({s, s, {x = s}})"),
            r#"[[1],[1],{"x":[1]}]"#
        );
    }

    #[test]
    fn limits_nesting_to_128_levels() {
        // 129 tables: the innermost is inside 128 others, the deepest allowed.
        assert_eq!(
            run("local t = {} for i = 1, 128 do t = {t} end local s = enc(t) return #s, string.sub(s, 126, 133)"),
            "258\t[[[[]]]]"
        );
        assert_eq!(
            run("local t = {} for i = 1, 129 do t = {t} end return enc(t)"),
            "ERR Internal: exceeded maximum nesting depth for JSON encoding"
        );
        assert_eq!(
            run("local t = {} for i = 1, 200 do t = {a = t} end return enc(t)"),
            "ERR Internal: exceeded maximum nesting depth for JSON encoding"
        );
    }

    #[test]
    fn encodes_error_objects_as_their_text_and_other_values_as_null() {
        assert_eq!(
            run(
                r#"return enc(errors.new("boom")), enc({e = errors.new({message = "x<y", kind = "Invalid"})})"#
            ),
            r#""boom"	{"e":"x\u003cy"}"#
        );
        assert_eq!(
            run("return enc(print), enc(coroutine.create(print)), enc({f = print, n = 1})"),
            r#"null	null	{"f":null,"n":1}"#
        );
    }

    #[test]
    fn ignores_metatables() {
        assert_eq!(
            run(
                "local mt = {__index = function() return 1 end, __len = function() return 5 end} \
                 return enc(setmetatable({}, mt)), enc(setmetatable({a = 1}, {__pairs = 1})), \
                 enc(setmetatable({7}, mt))"
            ),
            r#"[]	{"a":1}	[7]"#
        );
    }

    #[test]
    fn decodes_scalars_with_integer_and_float_subtypes() {
        assert_eq!(
            run(
                r#"return dec("null") == nil, dec("true"), dec("false"), dec("42"), math.type(dec("42")), math.type(dec("-0"))"#
            ),
            "true\ttrue\tfalse\t42\tinteger\tinteger"
        );
        assert_eq!(
            run(
                r#"return dec("1.5"), dec("1e2"), math.type(dec("1E2")), math.type(dec("2.0")), dec("-2.5e-3")"#
            ),
            "1.5\t100.0\tfloat\tfloat\t-0.0025"
        );
    }

    #[test]
    fn decodes_large_numbers_exactly() {
        assert_eq!(
            run(
                r#"local n = dec("9007199254740993") return n, math.type(n), n == 9007199254740993"#
            ),
            "9007199254740993\tinteger\ttrue"
        );
        assert_eq!(
            run(
                r#"local a, b = dec("-9223372036854775808"), dec("9223372036854775807")
                   return a == math.mininteger, b == math.maxinteger, math.type(a)"#
            ),
            "true\ttrue\tinteger"
        );
        // Past i64 an integer literal becomes the nearest float.
        assert_eq!(
            run(r#"local n = dec("9223372036854775808") return math.type(n), n == 2^63"#),
            "float\ttrue"
        );
        assert_eq!(
            run(r#"return dec("1e400"), dec("-1e400"), dec("1e-400")"#),
            "ERR Internal: number 1e400 out of range at offset 0\t\
             ERR Internal: number -1e400 out of range at offset 0\t0.0"
        );
        assert_eq!(
            run(r#"return dec("[1, 1e999]")"#),
            "ERR Internal: number 1e999 out of range at offset 4"
        );
    }

    #[test]
    fn decodes_string_escapes() {
        assert_eq!(
            run(r#"return dec([["q\"b\\s\/\b\f\n\r\t"]]) == "q\"b\\s/\b\f\n\r\t""#),
            "true"
        );
        assert_eq!(
            run(
                r#"return dec([["\u00e9\u65e5\u2028"]]) == "é日\u{2028}", dec([["\u0041\u003c"]])"#
            ),
            "true\tA<"
        );
        // A surrogate pair is one character, four bytes of UTF-8.
        assert_eq!(
            run(r#"local s = dec([["\ud83d\ude00"]]) return s == "😀", #s"#),
            "true\t4"
        );
        assert_eq!(run(r#"return dec('"é日本😀 raw"')"#), "é日本😀 raw");
    }

    #[test]
    fn rejects_bad_strings() {
        assert_eq!(
            run(r#"return dec([["\ud800"]]), dec([["\udc00x"]]), dec([["\ud800\u0041"]])"#),
            [
                r#"ERR Internal: invalid escape sequence "\\ud800" in string at offset 1"#,
                r#"ERR Internal: invalid escape sequence "\\udc00" in string at offset 1"#,
                r#"ERR Internal: invalid escape sequence "\\ud800\\u0041" in string at offset 1"#,
            ]
            .join("\t")
        );
        assert_eq!(
            run(r#"return dec('"a\nb"'), dec('"\xff"'), dec([["\q"]]), dec([["\u12x4"]])"#),
            [
                r#"ERR Internal: invalid character '\n' in string at offset 2"#,
                "ERR Internal: invalid UTF-8 in string at offset 1",
                r#"ERR Internal: invalid escape sequence "\\q" in string at offset 1"#,
                "ERR Internal: invalid character 'x' in \\u escape at offset 5",
            ]
            .join("\t")
        );
        assert_eq!(
            run(r#"return dec('"abc'), dec('"\\u12')"#),
            "ERR Internal: unexpected end of JSON input at offset 4\t\
             ERR Internal: unexpected end of JSON input at offset 5"
        );
    }

    #[test]
    fn decodes_arrays_and_objects() {
        assert_eq!(
            run(
                r#"local v = dec('{"a":[1,{"b":null,"c":"d"}],"e":{},"f":[]}')
                   return #v.a, v.a[1], v.a[2].b, v.a[2].c, next(v.e), #v.f"#
            ),
            "2\t1\tnil\td\tnil\t0"
        );
        // `null` in an array leaves a hole; the later elements keep their indices.
        assert_eq!(
            run(r#"local v = dec("[1,null,3]") return v[1], v[2], v[3]"#),
            "1\tnil\t3"
        );
        assert_eq!(
            run("local v = dec(' \\t\\r\\n{ \"a\" : [ 1 , 2 ] }\\n ') return v.a[1] + v.a[2]"),
            "3"
        );
    }

    #[test]
    fn decode_refuses_non_strings_and_the_empty_string() {
        assert_eq!(
            run(r#"return dec(123), dec(nil), dec({}), dec("")"#),
            [
                "ERR Invalid: string expected",
                "ERR Invalid: string expected",
                "ERR Invalid: string expected",
                "ERR Invalid: empty string is not valid JSON",
            ]
            .join("\t")
        );
        assert_eq!(
            run(r#"local v, e = json.decode("") return v, errors.is(e, errors.INVALID)"#),
            "nil\ttrue"
        );
    }

    #[test]
    fn reports_malformed_json_with_its_offset() {
        let cases = [
            ("{", "unexpected end of JSON input at offset 1"),
            ("   ", "unexpected end of JSON input at offset 3"),
            (
                "[1,]",
                "invalid character ']' at start of value at offset 3",
            ),
            (
                "[1 2]",
                "invalid character '2' after array element at offset 3",
            ),
            (
                r#"{"a" 1}"#,
                "invalid character '1' after object name at offset 5",
            ),
            (
                r#"{"a":1,}"#,
                "invalid character '}' at start of object name at offset 7",
            ),
            (
                r#"{"a":1]"#,
                "invalid character ']' after object value at offset 6",
            ),
            (
                "{1:2}",
                "invalid character '1' at start of object name at offset 1",
            ),
            ("tru", "unexpected end of JSON input at offset 3"),
            ("nulL", "invalid character 'L' in literal null at offset 3"),
            (
                "01",
                "invalid character '1' after top-level value at offset 1",
            ),
            (
                "1 x",
                "invalid character 'x' after top-level value at offset 2",
            ),
            (
                "[1] [2]",
                "invalid character '[' after top-level value at offset 4",
            ),
            ("-", "unexpected end of JSON input at offset 1"),
            ("-a", "invalid character 'a' in number at offset 1"),
            ("1.", "unexpected end of JSON input at offset 2"),
            ("1.e5", "invalid character 'e' in number at offset 2"),
            ("1e+", "unexpected end of JSON input at offset 3"),
            ("+1", "invalid character '+' at start of value at offset 0"),
            (".5", "invalid character '.' at start of value at offset 0"),
            ("NaN", "invalid character 'N' at start of value at offset 0"),
            (
                "'a'",
                "invalid character '\\'' at start of value at offset 0",
            ),
            ("é", "invalid character 'é' at start of value at offset 0"),
            (
                r#"{"a":1,"a":2}"#,
                r#"duplicate object member name "a" at offset 7"#,
            ),
        ];
        for (input, message) in cases {
            let source = format!("return dec({})", lua_literal(input));
            assert_eq!(run(&source), format!("ERR Internal: {message}"), "{input}");
        }
        assert_eq!(
            run(r#"return dec("\xff")"#),
            "ERR Internal: invalid character byte 0xff at start of value at offset 0"
        );
    }

    /// `text` as a Lua long-bracket string literal.
    fn lua_literal(text: &str) -> String {
        format!("[==[{text}]==]")
    }

    #[test]
    fn limits_decode_nesting_to_128_levels() {
        // 129 arrays: the innermost is inside 128 others, the deepest allowed.
        assert_eq!(
            run(r#"local s = "" for i = 1, 129 do s = "[" .. s .. "]" end
                   local v = dec(s) local depth = 0
                   while type(v) == "table" do depth = depth + 1 v = v[1] end
                   return depth"#),
            "129"
        );
        // Any value deeper than that is refused, even a scalar.
        assert_eq!(
            run(r#"local s = "1" for i = 1, 129 do s = "[" .. s .. "]" end return dec(s)"#),
            "ERR Internal: json: maximum nesting depth exceeded"
        );
        assert_eq!(
            run(r#"local s = "1" for i = 1, 129 do s = '{"a":' .. s .. "}" end return dec(s)"#),
            "ERR Internal: json: maximum nesting depth exceeded"
        );
    }

    #[test]
    fn survives_hostile_nesting() {
        assert_eq!(
            run(r#"local s = "[" for i = 1, 17 do s = s .. s end return #s, dec(s)"#),
            "131072\tERR Internal: json: maximum nesting depth exceeded"
        );
        assert_eq!(
            run(r#"local s = '{"a":' for i = 1, 15 do s = s .. s end return dec(s)"#),
            "ERR Internal: json: maximum nesting depth exceeded"
        );
        assert_eq!(
            run(r#"local s = "[1," for i = 1, 14 do s = s .. s end return dec(s)"#),
            "ERR Internal: json: maximum nesting depth exceeded"
        );
    }

    #[test]
    fn round_trips_values() {
        assert_eq!(
            run(
                r#"local text = '{"a":[1,2.5,"x",true,false,{"b":[]}],"c":{"d":"é\\u003c"},"n":-9223372036854775808}'
                   return enc(dec(text)) == text"#
            ),
            "true"
        );
        assert_eq!(
            run(
                r#"local original = {name = "test", numbers = {1, 2, 3}, nested = {active = true, data = {x = 1, y = 2.5}}}
                   local copy = dec(enc(original))
                   return copy.name, #copy.numbers, copy.numbers[3], copy.nested.active, copy.nested.data.y,
                          math.type(copy.nested.data.x)"#
            ),
            "test\t3\t3\ttrue\t2.5\tinteger"
        );
        // Floats come back bit for bit; integers stay integers.
        assert_eq!(
            run(
                r#"local values = {0.1, math.pi, 1/3, 1e-300, 5e-324, 1.7976931348623157e308, -123.456}
                   for _, v in ipairs(values) do
                       local back = dec(enc(v))
                       assert(back == v and math.type(back) == "float", tostring(v))
                       assert(dec(enc({v}))[1] == v, tostring(v))
                   end
                   return dec(enc(9007199254740993)) == 9007199254740993"#
            ),
            "true"
        );
        assert_eq!(
            run(r#"local s = "tab\t nl\n quote\" bs\\ <>& é 😀 \u{2028} \0"
                   return dec(enc(s)) == s, dec(enc({s}))[1] == s, dec(enc({[s] = 1}))[s]"#),
            "true\ttrue\t1"
        );
    }
}
