//! The conversions of `string.format` (manual §6.4): C's `printf` for one item, as
//! glibc prints it for the values Lua passes (`lstrlib.c`'s `str_format`).
//!
//! Rust's own float formatting is exact and rounds ties to even on the binary
//! value, which is what glibc does, so `%e`/`%f` build on it; the flags, `%g`'s
//! choice and trimming, and `%a`'s hex digits are C's rules written out here.

use std::fmt::Write;

/// Longest spec `getformat` accepts: flags, width and precision plus the
/// conversion, under `MAX_FORMAT - 10`.
const MAX_SPEC_LEN: usize = 21;

/// Characters `getformat` spans before the conversion letter.
const SPEC_CHARS: &[u8] = b"-+ #0123456789.";

/// The flags each conversion accepts (`L_FMTFLAGS*` of Lua 5.4.4).
pub const FLAGS_FLOAT: &[u8] = b"-+ #0";
/// Flags of `%o`, `%x`, `%X`.
pub const FLAGS_HEX: &[u8] = b"-#0";
/// Flags of `%d`, `%i`.
pub const FLAGS_INT: &[u8] = b"-+ 0";
/// Flags of `%u`.
pub const FLAGS_UNSIGNED: &[u8] = b"-0";
/// Flags of `%c`, `%p`, `%s`.
pub const FLAGS_CHAR: &[u8] = b"-";

/// One conversion specification: `%[flags][width][.precision]conversion`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spec {
    /// The spec as written, `%` included, for error messages.
    pub text: String,
    /// The conversion letter, if the format string had one.
    pub conversion: Option<u8>,
    left: bool,
    plus: bool,
    space: bool,
    alternate: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
}

impl Spec {
    /// Reads the spec after a `%` at the start of `rest`; returns it and the bytes it
    /// used (`getformat`).
    pub fn parse(rest: &[u8]) -> Result<(Spec, usize), String> {
        let span = rest.iter().take_while(|c| SPEC_CHARS.contains(c)).count();
        if span + 1 > MAX_SPEC_LEN {
            return Err("invalid format (too long)".into());
        }
        let conversion = rest.get(span).copied();
        let used = (span + 1).min(rest.len());
        let mut text = String::from("%");
        text.push_str(&String::from_utf8_lossy(&rest[..used]));
        let mut spec = Spec {
            text,
            conversion,
            ..Spec::default()
        };
        let body = &rest[..span];
        let mut i = 0;
        while let Some(&c) = body.get(i) {
            match c {
                b'-' => spec.left = true,
                b'+' => spec.plus = true,
                b' ' => spec.space = true,
                b'#' => spec.alternate = true,
                b'0' => spec.zero = true,
                _ => break,
            }
            i += 1;
        }
        let digits = |i: &mut usize| {
            let mut n = 0usize;
            while let Some(d) = body.get(*i).filter(|d| d.is_ascii_digit()) {
                n = n.saturating_mul(10).saturating_add(usize::from(d - b'0'));
                *i += 1;
            }
            n
        };
        spec.width = digits(&mut i);
        if body.get(i) == Some(&b'.') {
            i += 1;
            spec.precision = Some(digits(&mut i));
        }
        Ok((spec, used))
    }

    /// Whether the spec has anything between `%` and the conversion.
    pub fn has_modifiers(&self) -> bool {
        self.text.len() > 2
    }

    /// Rejects flags the conversion does not take, widths or precisions over two
    /// digits, and a precision where none is allowed (`checkformat`).
    pub fn check(&self, flags: &[u8], precision_allowed: bool) -> Result<(), String> {
        let body = &self.text.as_bytes()[1..];
        let mut i = body.iter().take_while(|c| flags.contains(c)).count();
        let two_digits = |i: &mut usize| {
            for _ in 0..2 {
                if body.get(*i).is_some_and(u8::is_ascii_digit) {
                    *i += 1;
                } else {
                    break;
                }
            }
        };
        if body.get(i) != Some(&b'0') {
            two_digits(&mut i);
            if body.get(i) == Some(&b'.') && precision_allowed {
                i += 1;
                two_digits(&mut i);
            }
        }
        if body.get(i).is_some_and(u8::is_ascii_alphabetic) {
            Ok(())
        } else {
            Err(format!("invalid conversion specification: '{}'", self.text))
        }
    }

    /// Pads `prefix` + `body` to the width: spaces on the left or right, or zeros
    /// between sign/prefix and digits when `zero_fill`.
    fn pad(&self, prefix: &str, body: &[u8], zero_fill: bool, out: &mut Vec<u8>) {
        let len = prefix.len() + body.len();
        let fill = self.width.saturating_sub(len);
        if self.left {
            out.extend_from_slice(prefix.as_bytes());
            out.extend_from_slice(body);
            out.resize(out.len() + fill, b' ');
        } else if zero_fill {
            out.extend_from_slice(prefix.as_bytes());
            out.resize(out.len() + fill, b'0');
            out.extend_from_slice(body);
        } else {
            out.resize(out.len() + fill, b' ');
            out.extend_from_slice(prefix.as_bytes());
            out.extend_from_slice(body);
        }
    }

    fn sign(&self, negative: bool) -> &'static str {
        if negative {
            "-"
        } else if self.plus {
            "+"
        } else if self.space {
            " "
        } else {
            ""
        }
    }

    /// `%d %i %u %o %x %X` of a Lua integer (C's `long long`, unsigned for `u o x X`).
    pub fn integer(&self, n: i64, out: &mut Vec<u8>) {
        let conversion = self.conversion.unwrap_or(b'd');
        let (negative, mut digits) = match conversion {
            b'o' => (false, format!("{:o}", n as u64)),
            b'x' => (false, format!("{:x}", n as u64)),
            b'X' => (false, format!("{:X}", n as u64)),
            b'u' => (false, (n as u64).to_string()),
            _ => (n < 0, n.unsigned_abs().to_string()),
        };
        if let Some(precision) = self.precision {
            if precision == 0 && n == 0 {
                digits.clear();
            }
            if digits.len() < precision {
                digits.insert_str(0, &"0".repeat(precision - digits.len()));
            }
        }
        let mut prefix = self.sign(negative).to_string();
        if self.alternate {
            match conversion {
                b'o' if !digits.starts_with('0') => digits.insert(0, '0'),
                b'x' if n != 0 => prefix.push_str("0x"),
                b'X' if n != 0 => prefix.push_str("0X"),
                _ => {}
            }
        }
        let zero_fill = self.zero && self.precision.is_none();
        self.pad(&prefix, digits.as_bytes(), zero_fill, out);
    }

    /// `%c`: the byte `n` (C casts the `int` to `unsigned char`).
    pub fn character(&self, n: i64, out: &mut Vec<u8>) {
        self.pad("", &[n as u8], false, out);
    }

    /// `%s` with modifiers: at most `precision` bytes of `text`, padded to the width.
    pub fn string(&self, text: &[u8], out: &mut Vec<u8>) {
        let shown = match self.precision {
            Some(precision) => &text[..precision.min(text.len())],
            None => text,
        };
        self.pad("", shown, false, out);
    }

    /// `%e %E %f %F %g %G %a %A` of a float.
    pub fn float(&self, n: f64, out: &mut Vec<u8>) {
        let conversion = self.conversion.unwrap_or(b'g');
        let upper = conversion.is_ascii_uppercase();
        let negative = n.is_sign_negative();
        let sign = self.sign(negative);
        if !n.is_finite() {
            let text = match (n.is_nan(), upper) {
                (true, false) => "nan",
                (true, true) => "NAN",
                (false, false) => "inf",
                (false, true) => "INF",
            };
            self.pad(sign, text.as_bytes(), false, out);
            return;
        }
        let magnitude = n.abs();
        let (prefix, body) = match conversion.to_ascii_lowercase() {
            b'e' => (
                sign.to_string(),
                self.exponential(magnitude, self.precision.unwrap_or(6)),
            ),
            b'f' => (
                sign.to_string(),
                self.fixed(magnitude, self.precision.unwrap_or(6)),
            ),
            b'a' => {
                let (hex_prefix, body) = self.hex_float(magnitude);
                (format!("{sign}{hex_prefix}"), body)
            }
            _ => (sign.to_string(), self.general(magnitude)),
        };
        let body = if upper {
            body.to_ascii_uppercase()
        } else {
            body
        };
        let prefix = if upper {
            prefix.to_ascii_uppercase()
        } else {
            prefix
        };
        self.pad(&prefix, body.as_bytes(), self.zero, out);
    }

    /// `%.{precision}e` of a non-negative finite float, C style (`1.5e+02`).
    fn exponential(&self, n: f64, precision: usize) -> String {
        let text = format!("{n:.precision$e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let point = if precision == 0 && self.alternate {
            "."
        } else {
            ""
        };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{mantissa}{point}e{exponent_sign}{:02}",
            exponent.unsigned_abs()
        )
    }

    /// `%.{precision}f` of a non-negative finite float.
    fn fixed(&self, n: f64, precision: usize) -> String {
        let mut text = format!("{n:.precision$}");
        if precision == 0 && self.alternate {
            text.push('.');
        }
        text
    }

    /// `%g`: `%e` or `%f` by the exponent, trailing zeros dropped unless `#` (C99 7.19.6.1).
    fn general(&self, n: f64) -> String {
        let precision = match self.precision {
            Some(0) => 1,
            Some(p) => p,
            None => 6,
        };
        let exponent = if n == 0.0 {
            0
        } else {
            let text = format!("{n:.*e}", precision - 1);
            text.split_once('e')
                .and_then(|(_, e)| e.parse::<i64>().ok())
                .unwrap_or(0)
        };
        let text = if (-4..precision as i64).contains(&exponent) {
            self.fixed(n, (precision as i64 - 1 - exponent) as usize)
        } else {
            self.exponential(n, precision - 1)
        };
        if self.alternate {
            if text.contains('.') {
                text
            } else {
                // `#` keeps the point even with no digits after it.
                match text.split_once('e') {
                    Some((mantissa, exponent)) => format!("{mantissa}.e{exponent}"),
                    None => text + ".",
                }
            }
        } else {
            let (mantissa, exponent) = match text.find('e') {
                Some(at) => text.split_at(at),
                None => (text.as_str(), ""),
            };
            let mantissa = if mantissa.contains('.') {
                mantissa.trim_end_matches('0').trim_end_matches('.')
            } else {
                mantissa
            };
            format!("{mantissa}{exponent}")
        }
    }

    /// `%a` of a non-negative finite float as glibc prints it: `0x1.8p+1`, subnormals
    /// as `0x0.…p-1022`, rounding ties to even when a precision cuts digits.
    /// Returns the `0x` prefix and the rest, so zero padding goes between them.
    fn hex_float(&self, n: f64) -> (&'static str, String) {
        const FRACTION_DIGITS: usize = 13;
        let bits = n.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let fraction = bits & ((1 << 52) - 1);
        let (lead, exponent) = match (biased, fraction) {
            (0, 0) => (0u64, 0i64),
            (0, _) => (0, -1022),
            _ => (1, biased - 1023),
        };
        let mut value = (lead << 52) | fraction;
        let digits = match self.precision {
            Some(precision) if precision < FRACTION_DIGITS => {
                let shift = 4 * (FRACTION_DIGITS - precision) as u32;
                let rest = value & ((1 << shift) - 1);
                let half = 1 << (shift - 1);
                value >>= shift;
                if rest > half || (rest == half && value & 1 == 1) {
                    value += 1;
                }
                precision
            }
            _ => FRACTION_DIGITS,
        };
        let lead = value >> (4 * digits);
        let mut fraction_text = String::new();
        if digits > 0 {
            let _ = write!(
                fraction_text,
                "{:0width$x}",
                value & ((1u64 << (4 * digits)) - 1),
                width = digits
            );
        }
        match self.precision {
            None => {
                let trimmed = fraction_text.trim_end_matches('0').len();
                fraction_text.truncate(trimmed);
            }
            Some(precision) => {
                fraction_text.extend(std::iter::repeat_n('0', precision.saturating_sub(digits)))
            }
        }
        let point = if fraction_text.is_empty() && !self.alternate {
            ""
        } else {
            "."
        };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        (
            "0x",
            format!(
                "{lead:x}{point}{fraction_text}p{exponent_sign}{}",
                exponent.unsigned_abs()
            ),
        )
    }
}

/// `%q` of a string: a Lua literal that reads back as the same bytes (`addquoted`).
pub fn quote_string(text: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for (i, &c) in text.iter().enumerate() {
        match c {
            b'"' | b'\\' | b'\n' => {
                out.push(b'\\');
                out.push(c);
            }
            0..=0x1f | 0x7f => {
                let next_is_digit = text.get(i + 1).is_some_and(u8::is_ascii_digit);
                let escaped = if next_is_digit {
                    format!("\\{c:03}")
                } else {
                    format!("\\{c}")
                };
                out.extend_from_slice(escaped.as_bytes());
            }
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

/// `%q` of an integer: decimal, except the minimum, which has no decimal literal.
pub fn quote_integer(n: i64, out: &mut Vec<u8>) {
    let text = if n == i64::MIN {
        format!("0x{:x}", n as u64)
    } else {
        n.to_string()
    };
    out.extend_from_slice(text.as_bytes());
}

/// `%q` of a float: hex so it reads back exactly; infinities and NaN as expressions.
pub fn quote_float(n: f64, out: &mut Vec<u8>) {
    if n == f64::INFINITY {
        out.extend_from_slice(b"1e9999");
    } else if n == f64::NEG_INFINITY {
        out.extend_from_slice(b"-1e9999");
    } else if n.is_nan() {
        out.extend_from_slice(b"(0/0)");
    } else {
        let spec = Spec {
            conversion: Some(b'a'),
            ..Spec::default()
        };
        spec.float(n, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format_float(spec: &str, n: f64) -> String {
        let (spec, _) = Spec::parse(spec.as_bytes()).expect("valid spec");
        let mut out = Vec::new();
        spec.float(n, &mut out);
        String::from_utf8(out).expect("ascii")
    }

    fn format_int(spec: &str, n: i64) -> String {
        let (spec, _) = Spec::parse(spec.as_bytes()).expect("valid spec");
        let mut out = Vec::new();
        spec.integer(n, &mut out);
        String::from_utf8(out).expect("ascii")
    }

    #[test]
    fn integers_take_c_flags() {
        assert_eq!(format_int("+.3d", 5), "+005");
        assert_eq!(format_int("05d", -5), "-0005");
        assert_eq!(format_int("-5d", -5), "-5   ");
        assert_eq!(format_int("5.3d", -5), " -005");
        assert_eq!(format_int(".0d", 0), "");
        assert_eq!(format_int("x", -1), "ffffffffffffffff");
        assert_eq!(format_int("#o", 8), "010");
        assert_eq!(format_int("#x", 0), "0");
        assert_eq!(format_int("#X", 255), "0XFF");
        assert_eq!(format_int("d", i64::MIN), "-9223372036854775808");
    }

    #[test]
    fn floats_match_glibc() {
        assert_eq!(format_float(".2f", 0.125), "0.12");
        assert_eq!(format_float(".0f", 2.5), "2");
        assert_eq!(format_float("#.0e", 1.5), "2.e+00");
        assert_eq!(format_float("g", 1e-5), "1e-05");
        assert_eq!(format_float("g", 123456789.0), "1.23457e+08");
        assert_eq!(format_float("#g", 1.0), "1.00000");
        assert_eq!(format_float("010.2f", -1.23456), "-000001.23");
        assert_eq!(format_float("010g", f64::NEG_INFINITY), "      -inf");
        assert_eq!(format_float("G", 1e-10), "1E-10");
    }

    #[test]
    fn hex_floats_match_glibc() {
        assert_eq!(format_float("a", 1.0), "0x1p+0");
        assert_eq!(format_float("a", 0.1), "0x1.999999999999ap-4");
        assert_eq!(format_float("a", 5e-324), "0x0.0000000000001p-1022");
        assert_eq!(format_float(".0a", 1.5), "0x2p+0");
        assert_eq!(format_float(".1a", 1.96875), "0x2.0p+0");
        assert_eq!(format_float("A", -255.5), "-0X1.FFP+7");
        assert_eq!(format_float("010a", 1.0), "0x00001p+0");
        assert_eq!(format_float("#a", 1.0), "0x1.p+0");
        assert_eq!(format_float("a", -0.0), "-0x0p+0");
    }

    #[test]
    fn specs_are_checked_like_lua() {
        let (spec, used) = Spec::parse(b"-5.2s|").expect("valid");
        assert_eq!((spec.text.as_str(), used), ("%-5.2s", 5));
        assert!(spec.check(FLAGS_CHAR, true).is_ok());
        let (spec, _) = Spec::parse(b"#d").expect("valid");
        assert_eq!(
            spec.check(FLAGS_INT, true),
            Err("invalid conversion specification: '%#d'".into())
        );
        let (spec, _) = Spec::parse(b"123d").expect("valid");
        assert!(spec.check(FLAGS_INT, true).is_err());
        assert_eq!(
            Spec::parse(b"012345678901234567890123d"),
            Err("invalid format (too long)".into())
        );
    }

    #[test]
    fn quoting_reads_back() {
        let mut out = Vec::new();
        quote_string(b"a\0b\x001\r\n\"\\\x7fx", &mut out);
        assert_eq!(out, b"\"a\\0b\\0001\\13\\\n\\\"\\\\\\127x\"");
        let mut out = Vec::new();
        quote_integer(i64::MIN, &mut out);
        quote_float(0.1, &mut out);
        assert_eq!(out, b"0x80000000000000000x1.999999999999ap-4");
    }
}
