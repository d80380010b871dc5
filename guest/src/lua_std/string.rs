//! The `string` library (manual §6.4) replacing piccolo's partial one, and the
//! string metatable that makes `s:upper()` work. piccolo 0.3.3 has no metatable for
//! strings; the vendored copy (`vendor/README.md`) adds one that `meta_ops::index`
//! consults, and this module fills it.

use gc_arena::Collect;
use piccolo::{
    meta_ops, BoxSequence, CallbackReturn, Context, Error, Execution, Function, Sequence,
    SequencePoll, Stack, Table, Value,
};

use crate::api::set;
use crate::lua_std::args::library_fn;
use crate::lua_std::check::{
    arg_error, buffer, check_integer, check_string, float_to_integer, lua_error, new_string,
    opt_integer, to_number,
};
use crate::lua_std::convert::{to_text, tostring_result, Number, ToText};
use crate::lua_std::format::{self, Spec};
use crate::lua_std::matching;

#[cfg(test)]
#[path = "corpus_tests.rs"]
mod corpus_tests;

/// Longest string the library builds (`MAXSIZE` of `lstrlib.c`: `INT_MAX`).
pub const MAX_STRING_LEN: usize = i32::MAX as usize;

/// A library function with the shape piccolo calls.
type LibFn = for<'gc> fn(
    Context<'gc>,
    Execution<'gc, '_>,
    Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>>;

/// Builds the `string` table, makes it the global `string`, and returns it.
pub fn install(ctx: Context<'_>) -> Table<'_> {
    let string = Table::new(&ctx);
    let functions: [(&str, LibFn); 13] = [
        ("byte", byte),
        ("char", char),
        ("find", matching::find),
        ("format", format),
        ("gmatch", matching::gmatch),
        ("gsub", matching::gsub),
        ("len", len),
        ("lower", lower),
        ("match", matching::match_),
        ("rep", rep),
        ("reverse", reverse),
        ("sub", sub),
        ("upper", upper),
    ];
    for (name, function) in functions {
        set(ctx, string, name, library_fn(ctx, function));
    }
    set(ctx, ctx.globals(), "string", string);
    set_string_methods(ctx, string);
    string
}

/// Makes `methods` the `__index` of the metatable all strings share, so `s:upper()`
/// and `("x"):rep(3)` find the library (the vendored piccolo's `string_metatable`).
/// `getmetatable("")` returns it, read-only like the library it points to.
pub fn set_string_methods<'gc>(ctx: Context<'gc>, methods: Table<'gc>) {
    let metatable = meta_ops::string_metatable(ctx);
    set(ctx, metatable, "__index", methods);
    crate::lua_std::read_only(ctx, metatable);
}

/// `posrelatI`: a start position, negative from the end, clipped to 1.
pub fn start_position(pos: i64, len: usize) -> usize {
    let len = len as i64;
    if pos > 0 {
        pos as usize
    } else if pos == 0 || pos < -len {
        1
    } else {
        (len + pos + 1) as usize
    }
}

/// `getendpos`: an end position, negative from the end, clipped to `0..=len`.
fn end_position(pos: i64, len: usize) -> usize {
    let signed_len = len as i64;
    if pos > signed_len {
        len
    } else if pos >= 0 {
        pos as usize
    } else if pos < -signed_len {
        0
    } else {
        (signed_len + pos + 1) as usize
    }
}

fn len<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let s = check_string(ctx, &stack, 0, "len")?;
    stack.replace(ctx, s.len());
    Ok(CallbackReturn::Return)
}

fn sub<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let s = check_string(ctx, &stack, 0, "sub")?;
    let bytes = s.as_bytes();
    let start = start_position(check_integer(ctx, &stack, 1, "sub")?, bytes.len());
    let end = end_position(opt_integer(ctx, &stack, 2, "sub", -1)?, bytes.len());
    let result = if start > end {
        piccolo::String::from_slice(&ctx, b"")
    } else if start == 1 && end == bytes.len() {
        s
    } else {
        piccolo::String::from_slice(&ctx, &bytes[start - 1..end])
    };
    stack.replace(ctx, result);
    Ok(CallbackReturn::Return)
}

/// The byte-wise map of `upper`, `lower` and `reverse`.
fn map_bytes<'gc>(
    ctx: Context<'gc>,
    mut stack: Stack<'gc, '_>,
    function: &str,
    map: fn(&[u8]) -> Vec<u8>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let s = check_string(ctx, &stack, 0, function)?;
    stack.replace(ctx, new_string(ctx, map(s.as_bytes())));
    Ok(CallbackReturn::Return)
}

fn lower<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    map_bytes(ctx, stack, "lower", <[u8]>::to_ascii_lowercase)
}

fn upper<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    map_bytes(ctx, stack, "upper", <[u8]>::to_ascii_uppercase)
}

fn reverse<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    map_bytes(ctx, stack, "reverse", |s| s.iter().rev().copied().collect())
}

fn rep<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let s = check_string(ctx, &stack, 0, "rep")?;
    let count = check_integer(ctx, &stack, 1, "rep")?;
    let separator = if stack.get(2).is_nil() {
        None
    } else {
        Some(check_string(ctx, &stack, 2, "rep")?)
    };
    let separator = separator.as_ref().map_or(&[][..], |s| s.as_bytes());
    if count <= 0 {
        stack.replace(ctx, piccolo::String::from_slice(&ctx, b""));
        return Ok(CallbackReturn::Return);
    }
    let count = count as u64;
    let total = (s.len() as u64 + separator.len() as u64)
        .checked_mul(count)
        .map(|n| n - separator.len() as u64)
        .filter(|&n| n <= MAX_STRING_LEN as u64)
        .ok_or_else(|| lua_error(ctx, "resulting string too large"))?;
    let mut out = buffer(ctx, total as usize)?;
    for i in 0..count {
        if i > 0 {
            out.extend_from_slice(separator);
        }
        out.extend_from_slice(s.as_bytes());
    }
    stack.replace(ctx, new_string(ctx, out));
    Ok(CallbackReturn::Return)
}

fn byte<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let s = check_string(ctx, &stack, 0, "byte")?;
    let bytes = s.as_bytes();
    let first = opt_integer(ctx, &stack, 1, "byte", 1)?;
    let end = end_position(opt_integer(ctx, &stack, 2, "byte", first)?, bytes.len());
    let start = start_position(first, bytes.len());
    stack.clear();
    if start <= end {
        stack.extend(
            bytes[start - 1..end]
                .iter()
                .map(|&b| Value::Integer(i64::from(b))),
        );
    }
    Ok(CallbackReturn::Return)
}

fn char<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let mut out = Vec::with_capacity(stack.len());
    for i in 0..stack.len() {
        let code = check_integer(ctx, &stack, i, "char")?;
        let byte =
            u8::try_from(code).map_err(|_| arg_error(ctx, i, "char", "value out of range"))?;
        out.push(byte);
    }
    stack.replace(ctx, new_string(ctx, out));
    Ok(CallbackReturn::Return)
}

fn format<'gc>(
    ctx: Context<'gc>,
    _: Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> Result<CallbackReturn<'gc>, Error<'gc>> {
    let template = check_string(ctx, &stack, 0, "format")?;
    let mut state = Format {
        template,
        args: stack.drain(..).collect(),
        position: 0,
        arg: 0,
        out: Vec::new(),
        pending: None,
    };
    match state.run(ctx)? {
        None => {
            stack.replace(ctx, new_string(ctx, state.out));
            Ok(CallbackReturn::Return)
        }
        Some((function, value)) => {
            stack.replace(ctx, value);
            Ok(CallbackReturn::Call {
                function,
                then: Some(BoxSequence::new(&ctx, state)),
            })
        }
    }
}

/// `string.format` in progress: it pauses while a `%s` argument's `__tostring` runs.
#[derive(Collect)]
#[collect(no_drop)]
struct Format<'gc> {
    template: piccolo::String<'gc>,
    /// Every argument, the template first, so indexes are Lua's argument numbers - 1.
    args: Vec<Value<'gc>>,
    /// How far into the template the output has got.
    position: usize,
    /// The last argument consumed.
    arg: usize,
    out: Vec<u8>,
    /// The `%s` spec waiting for a `__tostring` result.
    #[collect(require_static)]
    pending: Option<Spec>,
}

impl<'gc> Format<'gc> {
    /// Formats until the end (`None`) or until a `__tostring` call is needed: that
    /// function and the value to call it with.
    fn run(
        &mut self,
        ctx: Context<'gc>,
    ) -> Result<Option<(Function<'gc>, Value<'gc>)>, Error<'gc>> {
        let template = self.template.as_bytes();
        while self.position < template.len() {
            let rest = &template[self.position..];
            let Some(escape) = rest.iter().position(|&c| c == b'%') else {
                self.out.extend_from_slice(rest);
                self.position = template.len();
                break;
            };
            self.out.extend_from_slice(&rest[..escape]);
            self.position += escape + 1;
            if template.get(self.position) == Some(&b'%') {
                self.out.push(b'%');
                self.position += 1;
                continue;
            }
            self.arg += 1;
            if self.arg >= self.args.len() {
                return Err(arg_error(ctx, self.arg, "format", "no value"));
            }
            let (spec, used) =
                Spec::parse(&template[self.position..]).map_err(|e| lua_error(ctx, e))?;
            self.position += used;
            if let Some(call) = self.item(ctx, spec)? {
                return Ok(Some(call));
            }
        }
        Ok(None)
    }

    /// Formats one item into the output, or asks for a `__tostring` call.
    fn item(
        &mut self,
        ctx: Context<'gc>,
        spec: Spec,
    ) -> Result<Option<(Function<'gc>, Value<'gc>)>, Error<'gc>> {
        let index = self.arg;
        let value = self.args[index];
        let check = |result: Result<(), String>| result.map_err(|e| lua_error(ctx, e));
        match spec.conversion {
            Some(b'c') => {
                check(spec.check(format::FLAGS_CHAR, false))?;
                let n = self.integer(ctx, value)?;
                spec.character(n, &mut self.out);
            }
            Some(conversion @ (b'd' | b'i' | b'u' | b'o' | b'x' | b'X')) => {
                let n = self.integer(ctx, value)?;
                let flags = match conversion {
                    b'd' | b'i' => format::FLAGS_INT,
                    b'u' => format::FLAGS_UNSIGNED,
                    _ => format::FLAGS_HEX,
                };
                check(spec.check(flags, true))?;
                spec.integer(n, &mut self.out);
            }
            Some(b'a' | b'A' | b'e' | b'E' | b'f' | b'g' | b'G') => {
                let n = match to_number(value) {
                    Some(Number::Integer(i)) => i as f64,
                    Some(Number::Float(n)) => n,
                    None => return Err(self.type_error(ctx, "number")),
                };
                check(spec.check(format::FLAGS_FLOAT, true))?;
                spec.float(n, &mut self.out);
            }
            Some(b'p') => {
                check(spec.check(format::FLAGS_CHAR, false))?;
                // Only collectable values have an address; `%p` shows the same one
                // `tostring` does.
                let text = match value {
                    Value::Table(_)
                    | Value::Function(_)
                    | Value::Thread(_)
                    | Value::UserData(_) => {
                        let shown = crate::api::display(value);
                        shown
                            .split_once(": ")
                            .map_or(shown.clone(), |(_, a)| a.to_string())
                    }
                    _ => "(null)".to_string(),
                };
                spec.string(text.as_bytes(), &mut self.out);
            }
            Some(b'q') => {
                if spec.has_modifiers() {
                    return Err(lua_error(ctx, "specifier '%q' cannot have modifiers"));
                }
                match value {
                    Value::String(s) => format::quote_string(s.as_bytes(), &mut self.out),
                    Value::Integer(n) => format::quote_integer(n, &mut self.out),
                    Value::Number(n) => format::quote_float(n, &mut self.out),
                    Value::Nil | Value::Boolean(_) => self
                        .out
                        .extend_from_slice(crate::api::display(value).as_bytes()),
                    _ => return Err(arg_error(ctx, index, "format", "value has no literal form")),
                }
            }
            Some(b's') => match to_text(ctx, value)? {
                ToText::Text(text) => self.string(ctx, &spec, text)?,
                ToText::Call(function) => {
                    self.pending = Some(spec);
                    return Ok(Some((function, value)));
                }
            },
            _ => {
                return Err(lua_error(
                    ctx,
                    format!("invalid conversion '{}' to 'format'", spec.text),
                ))
            }
        }
        Ok(None)
    }

    fn type_error(&self, ctx: Context<'gc>, expected: &str) -> Error<'gc> {
        let found = self.args[self.arg].type_name();
        arg_error(
            ctx,
            self.arg,
            "format",
            format!("{expected} expected, got {found}"),
        )
    }

    fn integer(&self, ctx: Context<'gc>, value: Value<'gc>) -> Result<i64, Error<'gc>> {
        match to_number(value) {
            Some(Number::Integer(i)) => Ok(i),
            Some(Number::Float(n)) => float_to_integer(n).ok_or_else(|| {
                arg_error(
                    ctx,
                    self.arg,
                    "format",
                    "number has no integer representation",
                )
            }),
            None => Err(self.type_error(ctx, "number")),
        }
    }

    /// `%s`: the whole text without modifiers, else C's `%s` of it.
    fn string(
        &mut self,
        ctx: Context<'gc>,
        spec: &Spec,
        text: piccolo::String<'gc>,
    ) -> Result<(), Error<'gc>> {
        const LONG_STRING: usize = 100;
        let bytes = text.as_bytes();
        if !spec.has_modifiers() {
            self.out.extend_from_slice(bytes);
            return Ok(());
        }
        if bytes.contains(&0) {
            return Err(arg_error(ctx, self.arg, "format", "string contains zeros"));
        }
        spec.check(format::FLAGS_CHAR, true)
            .map_err(|e| lua_error(ctx, e))?;
        if !spec.text.contains('.') && bytes.len() >= LONG_STRING {
            // C's `%s` would be asked to pad a string already longer than any width.
            self.out.extend_from_slice(bytes);
        } else {
            spec.string(bytes, &mut self.out);
        }
        Ok(())
    }
}

impl<'gc> Sequence<'gc> for Format<'gc> {
    fn poll(
        &mut self,
        ctx: Context<'gc>,
        _: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        if let Some(spec) = self.pending.take() {
            let text = tostring_result(ctx, stack.get(0))?;
            self.string(ctx, &spec, text)?;
        }
        match self.run(ctx)? {
            None => {
                stack.replace(ctx, new_string(ctx, std::mem::take(&mut self.out)));
                Ok(SequencePoll::Return)
            }
            Some((function, value)) => {
                stack.replace(ctx, value);
                Ok(SequencePoll::Call {
                    function,
                    is_tail: false,
                })
            }
        }
    }
}
