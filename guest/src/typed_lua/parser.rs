//! A recursive-descent recogniser of Lua 5.4 plus the typed dialect
//! (`../shared/spec/typed-lua.md`). It builds no tree: it only records the byte ranges
//! that are type syntax, which the eraser then blanks.

use super::lexer::{Kind, Token};

/// How deeply blocks, expressions and types may nest: piccolo's parser limit, so a
/// chunk that passes here does not overflow the guest's stack in piccolo either.
const MAX_DEPTH: usize = 200;

/// A syntax error at a 1-based line, worded like Lua's (`'=' expected near 'x'`).
#[derive(Debug)]
pub struct Located {
    pub line: usize,
    pub message: String,
}

type Parse<T = ()> = Result<T, Located>;

/// Binary operators' left and right priorities, as in Lua 5.4's `lparser.c`.
fn binary_priority(kind: Kind) -> Option<(u8, u8)> {
    Some(match kind {
        Kind::Or => (1, 1),
        Kind::And => (2, 2),
        Kind::Less
        | Kind::Greater
        | Kind::LessEqual
        | Kind::GreaterEqual
        | Kind::NotEqual
        | Kind::Equal => (3, 3),
        Kind::Pipe => (4, 4),
        Kind::Tilde => (5, 5),
        Kind::Ampersand => (6, 6),
        Kind::ShiftLeft | Kind::ShiftRight => (7, 7),
        Kind::Concat => (9, 8),
        Kind::Plus | Kind::Minus => (10, 10),
        Kind::Star | Kind::Slash | Kind::DoubleSlash | Kind::Percent => (11, 11),
        Kind::Caret => (14, 13),
        _ => return None,
    })
}

const UNARY_PRIORITY: u8 = 12;

/// Whether a token can be a record field name: a name, or one of Lua's keywords, which
/// the typed dialect allows as record keys.
fn is_word(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Name
            | Kind::And
            | Kind::Break
            | Kind::Do
            | Kind::Else
            | Kind::ElseIf
            | Kind::End
            | Kind::False
            | Kind::For
            | Kind::Function
            | Kind::Goto
            | Kind::If
            | Kind::In
            | Kind::Local
            | Kind::Nil
            | Kind::Not
            | Kind::Or
            | Kind::Repeat
            | Kind::Return
            | Kind::Then
            | Kind::True
            | Kind::Until
            | Kind::While
    )
}

/// The recogniser's state: the tokens, where it is, and what it found to erase.
pub struct Parser<'a> {
    src: &'a [u8],
    tokens: Vec<Token>,
    pos: usize,
    /// End of the last byte consumed; a split `>>` consumes only its first byte.
    last_end: usize,
    depth: usize,
    erased: Vec<(usize, usize)>,
}

impl<'a> Parser<'a> {
    /// A parser over `tokens` (which end with [`Kind::Eof`]) of `src`.
    pub fn new(src: &'a [u8], tokens: Vec<Token>) -> Parser<'a> {
        Parser {
            src,
            tokens,
            pos: 0,
            last_end: 0,
            depth: 0,
            erased: Vec::new(),
        }
    }

    /// Recognises a whole chunk; returns the byte ranges of type syntax, in no
    /// particular order (they may overlap).
    pub fn chunk(mut self) -> Parse<Vec<(usize, usize)>> {
        self.block()?;
        if self.kind() != Kind::Eof {
            return Err(self.error("'<eof>' expected"));
        }
        Ok(self.erased)
    }

    fn token(&self, ahead: usize) -> Token {
        let last = self.tokens.len().saturating_sub(1);
        self.tokens[(self.pos + ahead).min(last)]
    }

    fn kind(&self) -> Kind {
        self.token(0).kind
    }

    fn peek(&self, ahead: usize) -> Kind {
        self.token(ahead).kind
    }

    fn text(&self, token: Token) -> &'a [u8] {
        self.src.get(token.start..token.end).unwrap_or_default()
    }

    /// Whether the token `ahead` is the name `word`.
    fn is_name(&self, ahead: usize, word: &str) -> bool {
        let token = self.token(ahead);
        token.kind == Kind::Name && self.text(token) == word.as_bytes()
    }

    fn advance(&mut self) {
        let token = self.token(0);
        if token.kind != Kind::Eof {
            self.last_end = token.end;
            self.pos += 1;
        }
    }

    /// Where the current token starts: the beginning of a range to erase.
    fn mark(&self) -> usize {
        self.token(0).start
    }

    /// Erases from `start` to the end of what was consumed last.
    fn erase_from(&mut self, start: usize) {
        if start < self.last_end {
            self.erased.push((start, self.last_end));
        }
    }

    fn error(&self, message: &str) -> Located {
        let token = self.token(0);
        let near = if token.kind == Kind::Eof {
            "<eof>".to_string()
        } else {
            const MAX_SHOWN: usize = 40;
            let text = self.text(token);
            let shown = String::from_utf8_lossy(&text[..text.len().min(MAX_SHOWN)]);
            format!("'{shown}'")
        };
        Located {
            line: token.line,
            message: format!("{message} near {near}"),
        }
    }

    fn expect(&mut self, kind: Kind, what: &str) -> Parse {
        if self.kind() != kind {
            return Err(self.error(&format!("'{what}' expected")));
        }
        self.advance();
        Ok(())
    }

    /// Expects the word that closes `opener`, which began on `line` (Lua's wording).
    fn expect_closing(&mut self, kind: Kind, what: &str, opener: &str, line: usize) -> Parse {
        if self.kind() == kind {
            self.advance();
            return Ok(());
        }
        if self.token(0).line == line {
            return Err(self.error(&format!("'{what}' expected")));
        }
        Err(self.error(&format!(
            "'{what}' expected (to close '{opener}' at line {line})"
        )))
    }

    fn expect_name(&mut self) -> Parse {
        if self.kind() != Kind::Name {
            return Err(self.error("<name> expected"));
        }
        self.advance();
        Ok(())
    }

    fn enter(&mut self) -> Parse {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(&format!(
                "chunk has too many syntax levels (limit is {MAX_DEPTH})"
            )));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ---- statements ----

    fn block(&mut self) -> Parse {
        self.enter()?;
        loop {
            match self.kind() {
                Kind::Eof | Kind::End | Kind::Else | Kind::ElseIf | Kind::Until => break,
                Kind::Return => {
                    self.advance();
                    if !matches!(
                        self.kind(),
                        Kind::Eof
                            | Kind::End
                            | Kind::Else
                            | Kind::ElseIf
                            | Kind::Until
                            | Kind::Semicolon
                    ) {
                        self.expression_list()?;
                    }
                    if self.kind() == Kind::Semicolon {
                        self.advance();
                    }
                    break;
                }
                _ => self.statement()?,
            }
        }
        self.leave();
        Ok(())
    }

    fn statement(&mut self) -> Parse {
        let line = self.token(0).line;
        match self.kind() {
            Kind::Semicolon | Kind::Break => self.advance(),
            Kind::DoubleColon => {
                self.advance();
                self.expect_name()?;
                self.expect(Kind::DoubleColon, "::")?;
            }
            Kind::Goto => {
                self.advance();
                self.expect_name()?;
            }
            Kind::Do => {
                self.advance();
                self.block()?;
                self.expect_closing(Kind::End, "end", "do", line)?;
            }
            Kind::While => {
                self.advance();
                self.expression()?;
                self.expect(Kind::Do, "do")?;
                self.block()?;
                self.expect_closing(Kind::End, "end", "while", line)?;
            }
            Kind::Repeat => {
                self.advance();
                self.block()?;
                self.expect_closing(Kind::Until, "until", "repeat", line)?;
                self.expression()?;
            }
            Kind::If => self.if_statement(line)?,
            Kind::For => self.for_statement(line)?,
            Kind::Function => {
                self.advance();
                self.expect_name()?;
                while self.kind() == Kind::Dot {
                    self.advance();
                    self.expect_name()?;
                }
                if self.kind() == Kind::Colon {
                    self.advance();
                    self.expect_name()?;
                }
                self.function_body(line)?;
            }
            Kind::Local => {
                self.advance();
                if self.kind() == Kind::Function {
                    self.advance();
                    self.expect_name()?;
                    self.function_body(line)?;
                } else {
                    self.local_names()?;
                    if self.kind() == Kind::Assign {
                        self.advance();
                        self.expression_list()?;
                    }
                }
            }
            Kind::Name if self.declaration_ahead(0) => {
                let start = self.mark();
                self.declaration()?;
                self.erase_from(start);
            }
            Kind::Name
                if self.is_name(0, "export")
                    && self.peek(1) == Kind::Name
                    && self.declaration_ahead(1) =>
            {
                let start = self.mark();
                self.advance();
                self.declaration()?;
                self.erase_from(start);
            }
            _ => self.expression_statement()?,
        }
        Ok(())
    }

    fn if_statement(&mut self, line: usize) -> Parse {
        self.advance();
        self.expression()?;
        self.expect(Kind::Then, "then")?;
        self.block()?;
        loop {
            match self.kind() {
                Kind::ElseIf => {
                    self.advance();
                    self.expression()?;
                    self.expect(Kind::Then, "then")?;
                    self.block()?;
                }
                Kind::Else => {
                    self.advance();
                    self.block()?;
                    break;
                }
                _ => break,
            }
        }
        self.expect_closing(Kind::End, "end", "if", line)
    }

    fn for_statement(&mut self, line: usize) -> Parse {
        self.advance();
        self.expect_name()?;
        self.optional_annotation()?;
        if self.kind() == Kind::Assign {
            self.advance();
            self.expression()?;
            self.expect(Kind::Comma, ",")?;
            self.expression()?;
            if self.kind() == Kind::Comma {
                self.advance();
                self.expression()?;
            }
        } else {
            while self.kind() == Kind::Comma {
                self.advance();
                self.expect_name()?;
                self.optional_annotation()?;
            }
            self.expect(Kind::In, "in")?;
            self.expression_list()?;
        }
        self.expect(Kind::Do, "do")?;
        self.block()?;
        self.expect_closing(Kind::End, "end", "for", line)
    }

    /// `local a <const>: T, b: U <close>`: names, attributes and annotations.
    fn local_names(&mut self) -> Parse {
        loop {
            self.expect_name()?;
            self.attribute()?;
            self.optional_annotation()?;
            self.attribute()?;
            if self.kind() != Kind::Comma {
                return Ok(());
            }
            self.advance();
        }
    }

    fn attribute(&mut self) -> Parse {
        if self.kind() == Kind::Less {
            self.advance();
            self.expect_name()?;
            self.expect(Kind::Greater, ">")?;
        }
        Ok(())
    }

    /// `: T` after a name; erased.
    fn optional_annotation(&mut self) -> Parse {
        if self.kind() == Kind::Colon {
            let start = self.mark();
            self.advance();
            self.type_expression()?;
            self.erase_from(start);
        }
        Ok(())
    }

    /// Whether `type Name =`, `type Name<`, or `interface Name` starts at `ahead`.
    fn declaration_ahead(&self, ahead: usize) -> bool {
        if self.peek(ahead + 1) != Kind::Name {
            return false;
        }
        (self.is_name(ahead, "type") && matches!(self.peek(ahead + 2), Kind::Assign | Kind::Less))
            || self.is_name(ahead, "interface")
    }

    /// A `type` alias or an `interface` block (the caller erases it).
    fn declaration(&mut self) -> Parse {
        let line = self.token(0).line;
        let is_interface = self.is_name(0, "interface");
        self.advance();
        self.expect_name()?;
        if self.kind() == Kind::Less {
            self.generic_parameters()?;
        }
        if !is_interface {
            self.expect(Kind::Assign, "=")?;
            return self.type_expression();
        }
        if self.kind() == Kind::Colon {
            self.advance();
            self.type_expression()?;
            while self.kind() == Kind::Comma {
                self.advance();
                self.type_expression()?;
            }
        }
        loop {
            match self.kind() {
                Kind::End | Kind::Eof => break,
                Kind::Function => {
                    self.advance();
                    self.expect_name()?;
                    self.signature()?;
                }
                kind if is_word(kind) => self.record_field()?,
                _ => return Err(self.error("interface member expected")),
            }
            if matches!(self.kind(), Kind::Comma | Kind::Semicolon) {
                self.advance();
            }
        }
        self.expect_closing(Kind::End, "end", "interface", line)
    }

    fn expression_statement(&mut self) -> Parse {
        self.suffixed_expression()?;
        if matches!(self.kind(), Kind::Assign | Kind::Comma) {
            while self.kind() == Kind::Comma {
                self.advance();
                self.suffixed_expression()?;
            }
            self.expect(Kind::Assign, "=")?;
            self.expression_list()?;
        }
        Ok(())
    }

    /// `[<T>] (params) [: returns] block end`.
    fn function_body(&mut self, line: usize) -> Parse {
        self.signature()?;
        self.block()?;
        self.expect_closing(Kind::End, "end", "function", line)
    }

    /// `[<T>] (params) [: returns]`, annotations erased.
    fn signature(&mut self) -> Parse {
        if self.kind() == Kind::Less {
            let start = self.mark();
            self.generic_parameters()?;
            self.erase_from(start);
        }
        self.expect(Kind::LeftParen, "(")?;
        while self.kind() != Kind::RightParen {
            if self.kind() == Kind::Dots {
                self.advance();
                self.optional_annotation()?;
                break;
            }
            if self.kind() != Kind::Name {
                return Err(self.error("<name> or '...' expected"));
            }
            self.advance();
            if self.kind() == Kind::Question && self.peek(1) == Kind::Colon {
                let start = self.mark();
                self.advance();
                self.erase_from(start);
            }
            self.optional_annotation()?;
            if self.kind() != Kind::Comma {
                break;
            }
            self.advance();
        }
        self.expect(Kind::RightParen, ")")?;
        if self.kind() == Kind::Colon {
            let start = self.mark();
            self.advance();
            self.return_annotation()?;
            self.erase_from(start);
        }
        Ok(())
    }

    /// After `):` — `T`, `T1, T2`, `(T1, T2)`, `()`, `asserts x [is T]`.
    fn return_annotation(&mut self) -> Parse {
        if self.is_name(0, "asserts") && self.peek(1) == Kind::Name {
            self.advance();
            self.advance();
            if self.is_name(0, "is") {
                self.advance();
                self.type_expression()?;
            }
            return Ok(());
        }
        self.type_expression()?;
        while self.kind() == Kind::Comma {
            self.advance();
            self.type_expression()?;
        }
        Ok(())
    }

    // ---- expressions ----

    fn expression_list(&mut self) -> Parse {
        self.expression()?;
        while self.kind() == Kind::Comma {
            self.advance();
            self.expression()?;
        }
        Ok(())
    }

    fn expression(&mut self) -> Parse {
        self.subexpression(0)
    }

    fn subexpression(&mut self, limit: u8) -> Parse {
        self.enter()?;
        if matches!(
            self.kind(),
            Kind::Not | Kind::Minus | Kind::Hash | Kind::Tilde
        ) {
            self.advance();
            self.subexpression(UNARY_PRIORITY)?;
        } else {
            self.simple_expression()?;
        }
        while let Some((left, right)) = binary_priority(self.kind()) {
            if left <= limit {
                break;
            }
            self.advance();
            self.subexpression(right)?;
        }
        self.leave();
        Ok(())
    }

    fn simple_expression(&mut self) -> Parse {
        let line = self.token(0).line;
        match self.kind() {
            Kind::Number | Kind::String | Kind::Nil | Kind::True | Kind::False | Kind::Dots => {
                self.advance()
            }
            Kind::LeftBrace => self.table_constructor()?,
            Kind::Function => {
                self.advance();
                self.function_body(line)?;
            }
            _ => self.suffixed_expression()?,
        }
        self.casts()
    }

    /// `as T` and `:: T` after an operand (they bind tighter than binary operators).
    fn casts(&mut self) -> Parse {
        loop {
            let cast = (self.is_name(0, "as") && self.starts_type(1))
                || (self.kind() == Kind::DoubleColon && !self.label_ahead());
            if !cast {
                return Ok(());
            }
            let start = self.mark();
            self.advance();
            self.type_expression()?;
            self.erase_from(start);
        }
    }

    /// Whether the `::` here opens a label `::name::` rather than a cast.
    fn label_ahead(&self) -> bool {
        self.peek(1) == Kind::Name && self.peek(2) == Kind::DoubleColon
    }

    /// Whether a type can start with the token `ahead`.
    fn starts_type(&self, ahead: usize) -> bool {
        matches!(
            self.peek(ahead),
            Kind::Name
                | Kind::Nil
                | Kind::True
                | Kind::False
                | Kind::String
                | Kind::Number
                | Kind::Function
                | Kind::LeftBrace
                | Kind::LeftParen
                | Kind::Minus
        )
    }

    fn primary_expression(&mut self) -> Parse {
        match self.kind() {
            Kind::Name => {
                self.advance();
                Ok(())
            }
            Kind::LeftParen => {
                let line = self.token(0).line;
                self.advance();
                self.expression()?;
                self.expect_closing(Kind::RightParen, ")", "(", line)
            }
            _ => Err(self.error("unexpected symbol")),
        }
    }

    fn suffixed_expression(&mut self) -> Parse {
        self.primary_expression()?;
        loop {
            match self.kind() {
                Kind::Dot => {
                    self.advance();
                    self.expect_name()?;
                }
                Kind::LeftBracket => {
                    self.advance();
                    self.expression()?;
                    self.expect(Kind::RightBracket, "]")?;
                }
                Kind::Colon => {
                    self.advance();
                    self.expect_name()?;
                    self.call_arguments()?;
                }
                Kind::LeftParen | Kind::String | Kind::LeftBrace => self.call_arguments()?,
                Kind::Bang => {
                    let start = self.mark();
                    self.advance();
                    self.erase_from(start);
                }
                _ => return Ok(()),
            }
        }
    }

    fn call_arguments(&mut self) -> Parse {
        match self.kind() {
            Kind::String => {
                self.advance();
                Ok(())
            }
            Kind::LeftBrace => self.table_constructor(),
            Kind::LeftParen => {
                let line = self.token(0).line;
                self.advance();
                if self.kind() != Kind::RightParen {
                    self.expression_list()?;
                }
                self.expect_closing(Kind::RightParen, ")", "(", line)
            }
            _ => Err(self.error("function arguments expected")),
        }
    }

    fn table_constructor(&mut self) -> Parse {
        let line = self.token(0).line;
        self.advance();
        while self.kind() != Kind::RightBrace {
            if self.kind() == Kind::LeftBracket {
                self.advance();
                self.expression()?;
                self.expect(Kind::RightBracket, "]")?;
                self.expect(Kind::Assign, "=")?;
            } else if self.kind() == Kind::Name && self.peek(1) == Kind::Assign {
                self.advance();
                self.advance();
            }
            self.expression()?;
            if !matches!(self.kind(), Kind::Comma | Kind::Semicolon) {
                break;
            }
            self.advance();
        }
        self.expect_closing(Kind::RightBrace, "}", "{", line)
    }

    // ---- types ----

    /// A full type: unions, intersections and `A extends B ? C : D`.
    fn type_expression(&mut self) -> Parse {
        self.enter()?;
        self.union_type(true)?;
        if self.is_name(0, "extends") {
            self.advance();
            self.union_type(false)?;
            self.expect(Kind::Question, "?")?;
            self.type_expression()?;
            self.expect(Kind::Colon, ":")?;
            self.type_expression()?;
        }
        self.leave();
        Ok(())
    }

    /// `A | B & C`; `T?` is taken only if `optional` (a conditional's test uses `?`).
    fn union_type(&mut self, optional: bool) -> Parse {
        if matches!(self.kind(), Kind::Pipe | Kind::Ampersand) {
            self.advance();
        }
        loop {
            self.postfix_type(optional)?;
            if !matches!(self.kind(), Kind::Pipe | Kind::Ampersand) {
                return Ok(());
            }
            self.advance();
        }
    }

    /// A primary type followed by `?`, `[]`, `[K]` and validators.
    fn postfix_type(&mut self, optional: bool) -> Parse {
        self.primary_type()?;
        loop {
            match self.kind() {
                Kind::Question if optional => self.advance(),
                Kind::LeftBracket => {
                    self.advance();
                    if self.kind() != Kind::RightBracket {
                        self.type_expression()?;
                    }
                    self.expect(Kind::RightBracket, "]")?;
                }
                Kind::At => {
                    self.advance();
                    self.expect_name()?;
                    if self.kind() == Kind::LeftParen {
                        self.advance();
                        if self.kind() != Kind::RightParen {
                            self.expression_list()?;
                        }
                        self.expect(Kind::RightParen, ")")?;
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn primary_type(&mut self) -> Parse {
        self.enter()?;
        match self.kind() {
            Kind::Nil | Kind::True | Kind::False | Kind::String | Kind::Number | Kind::Function => {
                self.advance()
            }
            Kind::Minus if self.peek(1) == Kind::Number => {
                self.advance();
                self.advance();
            }
            Kind::LeftBrace => self.table_type()?,
            Kind::LeftParen => self.parenthesised_type()?,
            Kind::Name => self.named_type()?,
            _ => return Err(self.error("type expected")),
        }
        self.leave();
        Ok(())
    }

    /// Names and the prefix forms that start with a word: `readonly T`, `interface {..}`,
    /// `typeof(e)`, `keyof(T)`, `fun(..): R`, `mod.Type<A, B>`.
    fn named_type(&mut self) -> Parse {
        let next = self.peek(1);
        if self.is_name(0, "readonly") && matches!(next, Kind::LeftBrace | Kind::Name) {
            self.advance();
            return self.primary_type();
        }
        if self.is_name(0, "interface") && next == Kind::LeftBrace {
            self.advance();
            return self.table_type();
        }
        if self.is_name(0, "typeof") && next == Kind::LeftParen {
            self.advance();
            self.advance();
            self.expression()?;
            return self.expect(Kind::RightParen, ")");
        }
        if self.is_name(0, "keyof") && next == Kind::LeftParen {
            self.advance();
            self.advance();
            self.type_expression()?;
            return self.expect(Kind::RightParen, ")");
        }
        if self.is_name(0, "fun") && matches!(next, Kind::LeftParen | Kind::Less) {
            self.advance();
            if self.kind() == Kind::Less {
                self.generic_parameters()?;
            }
            self.type_list(Kind::LeftParen, Kind::RightParen)?;
            if self.kind() == Kind::Colon {
                self.advance();
                self.type_expression()?;
            }
            return Ok(());
        }
        self.advance();
        while self.kind() == Kind::Dot && self.peek(1) == Kind::Name {
            self.advance();
            self.advance();
        }
        // `local x: T <const>` is an attribute, not type arguments.
        let attribute = self.peek(1) == Kind::Name
            && (self.is_name(1, "const") || self.is_name(1, "close"))
            && self.peek(2) == Kind::Greater;
        if self.kind() == Kind::Less && !attribute {
            self.advance();
            self.type_expression()?;
            while self.kind() == Kind::Comma {
                self.advance();
                self.type_expression()?;
            }
            self.close_angle()?;
        }
        Ok(())
    }

    /// A `>` that closes a generic list; takes the first `>` of `>>` or `>=`.
    fn close_angle(&mut self) -> Parse {
        let rest = match self.kind() {
            Kind::Greater => {
                self.advance();
                return Ok(());
            }
            Kind::ShiftRight => Kind::Greater,
            Kind::GreaterEqual => Kind::Assign,
            _ => return Err(self.error("'>' expected")),
        };
        let token = &mut self.tokens[self.pos];
        token.start += 1;
        token.kind = rest;
        self.last_end = token.start;
        Ok(())
    }

    /// `<T, U: Constraint, V = Default>`.
    fn generic_parameters(&mut self) -> Parse {
        self.advance();
        loop {
            self.expect_name()?;
            if self.kind() == Kind::Dots {
                self.advance();
            }
            if self.kind() == Kind::Colon {
                self.advance();
                self.type_expression()?;
            }
            if self.kind() == Kind::Assign {
                self.advance();
                self.type_expression()?;
            }
            if self.kind() != Kind::Comma {
                break;
            }
            self.advance();
        }
        self.close_angle()
    }

    /// `(A, name: B, ...C)`, or `()`.
    fn type_list(&mut self, open: Kind, close: Kind) -> Parse {
        self.expect(open, "(")?;
        while self.kind() != close {
            if self.kind() == Kind::Dots {
                self.advance();
                if self.starts_type(0) {
                    self.type_expression()?;
                }
            } else {
                if is_word(self.kind()) && self.peek(1) == Kind::Colon {
                    self.advance();
                    self.advance();
                } else if is_word(self.kind())
                    && self.peek(1) == Kind::Question
                    && self.peek(2) == Kind::Colon
                {
                    self.advance();
                    self.advance();
                    self.advance();
                }
                self.type_expression()?;
            }
            if self.kind() != Kind::Comma {
                break;
            }
            self.advance();
        }
        self.expect(close, ")")
    }

    /// `(T)`, a pack `(A, B)` / `()`, or a function type `(A, b: B) -> R`.
    fn parenthesised_type(&mut self) -> Parse {
        self.type_list(Kind::LeftParen, Kind::RightParen)?;
        if self.kind() == Kind::Arrow {
            self.advance();
            self.type_expression()?;
        }
        Ok(())
    }

    /// `{}`, `{T}`, `{[K]: V}`, or a record `{name: T, opt?: U}`.
    fn table_type(&mut self) -> Parse {
        let line = self.token(0).line;
        self.advance();
        let keyed = self.kind() == Kind::LeftBracket
            || (is_word(self.kind()) && self.peek(1) == Kind::Colon)
            || (is_word(self.kind())
                && self.peek(1) == Kind::Question
                && self.peek(2) == Kind::Colon)
            || self.readonly_field_ahead();
        if !keyed && self.kind() != Kind::RightBrace {
            self.type_expression()?;
            if matches!(self.kind(), Kind::Comma | Kind::Semicolon) {
                self.advance();
            }
            return self.expect_closing(Kind::RightBrace, "}", "{", line);
        }
        while self.kind() != Kind::RightBrace {
            if self.kind() == Kind::LeftBracket {
                self.advance();
                self.type_expression()?;
                self.expect(Kind::RightBracket, "]")?;
                self.expect(Kind::Colon, ":")?;
                self.type_expression()?;
            } else {
                self.record_field()?;
            }
            if !matches!(self.kind(), Kind::Comma | Kind::Semicolon) {
                break;
            }
            self.advance();
        }
        self.expect_closing(Kind::RightBrace, "}", "{", line)
    }

    /// Whether `readonly name:` or `readonly name?:` starts here.
    fn readonly_field_ahead(&self) -> bool {
        self.is_name(0, "readonly")
            && is_word(self.peek(1))
            && matches!(self.peek(2), Kind::Colon | Kind::Question)
    }

    /// `[readonly] name[?]: T`.
    fn record_field(&mut self) -> Parse {
        if self.readonly_field_ahead() {
            self.advance();
        }
        if !is_word(self.kind()) {
            return Err(self.error("field name expected"));
        }
        self.advance();
        if self.kind() == Kind::Question {
            self.advance();
        }
        self.expect(Kind::Colon, ":")?;
        self.type_expression()
    }
}
