//! A Lua 5.4 lexer that also knows the typed dialect's extra symbols (`!`, `?`, `@`, `->`).
//!
//! It only finds token boundaries and kinds; values (numbers, string contents) are never
//! decoded, because the eraser only needs to know where things are.

/// What a token is. Lua's keywords are their own kinds; the typed dialect's words
/// (`type`, `as`, `interface`, ...) are contextual, so they lex as [`Kind::Name`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    And,
    Break,
    Do,
    Else,
    ElseIf,
    End,
    False,
    For,
    Function,
    Goto,
    If,
    In,
    Local,
    Nil,
    Not,
    Or,
    Repeat,
    Return,
    Then,
    True,
    Until,
    While,
    Name,
    Number,
    String,
    Plus,
    Minus,
    Star,
    Slash,
    DoubleSlash,
    Caret,
    Percent,
    Hash,
    Ampersand,
    Tilde,
    Pipe,
    ShiftLeft,
    ShiftRight,
    Concat,
    Dots,
    Assign,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Equal,
    NotEqual,
    Dot,
    Semicolon,
    Colon,
    DoubleColon,
    Comma,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    LeftBrace,
    RightBrace,
    /// `!`: the non-nil assertion; not a Lua symbol.
    Bang,
    /// `?`: optional types and conditional types; not a Lua symbol.
    Question,
    /// `@`: validators; not a Lua symbol.
    At,
    /// `->`: function types. Lua would lex `-` `>`, which never parses there.
    Arrow,
    Eof,
}

/// One token: its kind, its bytes `start..end` in the source and its 1-based line.
#[derive(Clone, Copy, Debug)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    pub line: usize,
}

/// The source is not lexically valid Lua (an unterminated string or comment, a stray
/// character). The eraser then leaves the source to piccolo, which reports it.
#[derive(Debug)]
pub struct LexError;

/// Reads tokens one at a time.
pub struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `src`.
    pub fn new(src: &'a [u8]) -> Lexer<'a> {
        Lexer {
            src,
            pos: 0,
            line: 1,
        }
    }

    fn peek(&self, ahead: usize) -> u8 {
        self.src.get(self.pos + ahead).copied().unwrap_or(0)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    /// Steps over one line ending (`\n`, `\r`, `\r\n` or `\n\r`, as Lua counts them).
    fn line_end(&mut self) {
        let first = self.peek(0);
        self.pos += 1;
        let second = self.peek(0);
        if (second == b'\n' || second == b'\r') && second != first {
            self.pos += 1;
        }
        self.line += 1;
    }

    /// The next token; [`Kind::Eof`] at the end, forever.
    pub fn next_token(&mut self) -> Result<Token, LexError> {
        self.skip_space()?;
        let start = self.pos;
        let line = self.line;
        let kind = if self.at_end() {
            Kind::Eof
        } else {
            self.token_kind()?
        };
        Ok(Token {
            kind,
            start,
            end: self.pos,
            line,
        })
    }

    fn skip_space(&mut self) -> Result<(), LexError> {
        while !self.at_end() {
            match self.peek(0) {
                b' ' | b'\t' | 0x0b | 0x0c => self.pos += 1,
                b'\n' | b'\r' => self.line_end(),
                b'-' if self.peek(1) == b'-' => {
                    self.pos += 2;
                    if self.peek(0) == b'[' && self.long_bracket_level().is_some() {
                        self.long_string()?;
                    } else {
                        let rest = self.src.get(self.pos..).unwrap_or_default();
                        self.pos += rest
                            .iter()
                            .position(|b| matches!(b, b'\n' | b'\r'))
                            .unwrap_or(rest.len());
                    }
                }
                _ => break,
            }
        }
        Ok(())
    }

    /// At a `[`: the level of the long bracket that opens here (`[==[` is 2), if any.
    fn long_bracket_level(&self) -> Option<usize> {
        let mut level = 0;
        while self.peek(1 + level) == b'=' {
            level += 1;
        }
        (self.peek(1 + level) == b'[').then_some(level)
    }

    /// Reads a long string or long comment whose opening bracket is at `pos`.
    fn long_string(&mut self) -> Result<(), LexError> {
        let level = self.long_bracket_level().ok_or(LexError)?;
        self.pos += level + 2;
        loop {
            match self.peek(0) {
                _ if self.at_end() => return Err(LexError),
                b'\n' | b'\r' => self.line_end(),
                b']' if (1..=level).all(|i| self.peek(i) == b'=')
                    && self.peek(level + 1) == b']' =>
                {
                    self.pos += level + 2;
                    return Ok(());
                }
                _ => self.pos += 1,
            }
        }
    }

    fn short_string(&mut self, quote: u8) -> Result<(), LexError> {
        self.pos += 1;
        loop {
            match self.peek(0) {
                _ if self.at_end() => return Err(LexError),
                b'\n' | b'\r' => return Err(LexError),
                b'\\' => {
                    self.pos += 1;
                    match self.peek(0) {
                        _ if self.at_end() => return Err(LexError),
                        b'\n' | b'\r' => self.line_end(),
                        b'z' => {
                            self.pos += 1;
                            while !self.at_end() && self.peek(0).is_ascii_whitespace() {
                                if matches!(self.peek(0), b'\n' | b'\r') {
                                    self.line_end();
                                } else {
                                    self.pos += 1;
                                }
                            }
                        }
                        _ => self.pos += 1,
                    }
                }
                c if c == quote => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => self.pos += 1,
            }
        }
    }

    /// A numeral: Lua reads alphanumerics, dots and a sign right after an exponent mark.
    fn number(&mut self) {
        let hex = self.peek(0) == b'0' && matches!(self.peek(1), b'x' | b'X');
        let exponent: &[u8] = if hex { b"pP" } else { b"eE" };
        loop {
            let c = self.peek(0);
            if self.at_end() {
                return;
            }
            if exponent.contains(&c) && matches!(self.peek(1), b'+' | b'-') {
                self.pos += 2;
            } else if c.is_ascii_alphanumeric() || c == b'.' || c == b'_' {
                self.pos += 1;
            } else {
                return;
            }
        }
    }

    fn token_kind(&mut self) -> Result<Kind, LexError> {
        let c = self.peek(0);
        // Names first: they are most of the tokens.
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = self.pos;
            let rest = self.src.get(start..).unwrap_or_default();
            let length = rest
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                .unwrap_or(rest.len());
            self.pos += length;
            return Ok(keyword(&rest[..length]));
        }
        // Symbols of up to three bytes, longest first.
        let three = [c, self.peek(1), self.peek(2)];
        if &three == b"..." {
            self.pos += 3;
            return Ok(Kind::Dots);
        }
        let two = match [c, self.peek(1)] {
            [b'.', b'.'] => Some(Kind::Concat),
            [b'=', b'='] => Some(Kind::Equal),
            [b'~', b'='] => Some(Kind::NotEqual),
            [b'<', b'='] => Some(Kind::LessEqual),
            [b'>', b'='] => Some(Kind::GreaterEqual),
            [b'<', b'<'] => Some(Kind::ShiftLeft),
            [b'>', b'>'] => Some(Kind::ShiftRight),
            [b'/', b'/'] => Some(Kind::DoubleSlash),
            [b':', b':'] => Some(Kind::DoubleColon),
            [b'-', b'>'] => Some(Kind::Arrow),
            _ => None,
        };
        if let Some(kind) = two {
            self.pos += 2;
            return Ok(kind);
        }
        let one = match c {
            b'+' => Some(Kind::Plus),
            b'-' => Some(Kind::Minus),
            b'*' => Some(Kind::Star),
            b'/' => Some(Kind::Slash),
            b'^' => Some(Kind::Caret),
            b'%' => Some(Kind::Percent),
            b'#' => Some(Kind::Hash),
            b'&' => Some(Kind::Ampersand),
            b'~' => Some(Kind::Tilde),
            b'|' => Some(Kind::Pipe),
            b'=' => Some(Kind::Assign),
            b'<' => Some(Kind::Less),
            b'>' => Some(Kind::Greater),
            b';' => Some(Kind::Semicolon),
            b':' => Some(Kind::Colon),
            b',' => Some(Kind::Comma),
            b'(' => Some(Kind::LeftParen),
            b')' => Some(Kind::RightParen),
            b']' => Some(Kind::RightBracket),
            b'{' => Some(Kind::LeftBrace),
            b'}' => Some(Kind::RightBrace),
            b'!' => Some(Kind::Bang),
            b'?' => Some(Kind::Question),
            b'@' => Some(Kind::At),
            _ => None,
        };
        if let Some(kind) = one {
            self.pos += 1;
            return Ok(kind);
        }
        match c {
            b'[' => {
                if self.long_bracket_level().is_some() {
                    self.long_string()?;
                    Ok(Kind::String)
                } else if self.peek(1) == b'=' {
                    // `[=` that opens no long string: invalid in Lua.
                    Err(LexError)
                } else {
                    self.pos += 1;
                    Ok(Kind::LeftBracket)
                }
            }
            b'.' if self.peek(1).is_ascii_digit() => {
                self.number();
                Ok(Kind::Number)
            }
            b'.' => {
                self.pos += 1;
                Ok(Kind::Dot)
            }
            b'"' | b'\'' => {
                self.short_string(c)?;
                Ok(Kind::String)
            }
            b'0'..=b'9' => {
                self.number();
                Ok(Kind::Number)
            }
            _ => Err(LexError),
        }
    }
}

/// The kind of a word: a Lua keyword, or a name.
fn keyword(word: &[u8]) -> Kind {
    match word {
        b"and" => Kind::And,
        b"break" => Kind::Break,
        b"do" => Kind::Do,
        b"else" => Kind::Else,
        b"elseif" => Kind::ElseIf,
        b"end" => Kind::End,
        b"false" => Kind::False,
        b"for" => Kind::For,
        b"function" => Kind::Function,
        b"goto" => Kind::Goto,
        b"if" => Kind::If,
        b"in" => Kind::In,
        b"local" => Kind::Local,
        b"nil" => Kind::Nil,
        b"not" => Kind::Not,
        b"or" => Kind::Or,
        b"repeat" => Kind::Repeat,
        b"return" => Kind::Return,
        b"then" => Kind::Then,
        b"true" => Kind::True,
        b"until" => Kind::Until,
        b"while" => Kind::While,
        _ => Kind::Name,
    }
}

/// Every token of `src`, ending with one [`Kind::Eof`].
pub fn tokenize(src: &[u8]) -> Result<Vec<Token>, LexError> {
    let mut lexer = Lexer::new(src);
    // About one token per six bytes of typical Lua; the vector grows past that.
    let mut tokens = Vec::with_capacity(src.len() / 6);
    loop {
        let token = lexer.next_token()?;
        tokens.push(token);
        if token.kind == Kind::Eof {
            return Ok(tokens);
        }
    }
}
