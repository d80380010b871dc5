//! The fast path: one pass of the lexer that tells whether a chunk may use typed syntax.
//!
//! It may say "maybe" for plain Lua (then the recogniser decides), but never "no" for a
//! chunk with an annotation, a declaration or a cast: every typed form starts with a
//! token plain Lua never has there. Plain chunks then go to piccolo untouched, having
//! cost one lexer pass and no allocation.

use super::lexer::{Kind, LexError, Lexer, Token};

/// Where in a construct the scan is, for the places where `:` or `<` mean a type.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Anywhere,
    /// Between `function` and its `(`: the name, where `<` opens generics.
    FunctionName,
    /// Between a function's `(` and `)`: plain Lua has only names, `,` and `...`.
    Parameters,
    /// The names after `local` or `for`, where `:` starts an annotation.
    Names,
}

/// Whether `src` may contain typed-Lua syntax. A lexical error gives `Err`: the
/// chunk is left to piccolo, which reports it.
pub fn may_be_typed(src: &[u8]) -> Result<bool, LexError> {
    let mut lexer = Lexer::new(src);
    let mut window = [
        lexer.next_token()?,
        lexer.next_token()?,
        lexer.next_token()?,
    ];
    let mut previous = Kind::Eof;
    let mut place = Place::Anywhere;
    let name = |token: Token| src.get(token.start..token.end).unwrap_or_default();
    while window[0].kind != Kind::Eof {
        let [token, next, after] = window;
        let mut skip = 1;
        match (place, token.kind) {
            (_, Kind::Bang | Kind::Question | Kind::At | Kind::Arrow) => return Ok(true),
            (Place::FunctionName, Kind::Less) | (Place::Parameters | Place::Names, Kind::Colon) => {
                return Ok(true)
            }
            (Place::FunctionName, Kind::LeftParen) => place = Place::Parameters,
            (Place::FunctionName, Kind::Name | Kind::Dot | Kind::Colon) => {}
            (Place::Parameters, Kind::RightParen) => {
                if next.kind == Kind::Colon {
                    return Ok(true);
                }
                place = Place::Anywhere;
            }
            (Place::Parameters, _) => {}
            // A name right after another one starts the next statement.
            (Place::Names, Kind::Name)
                if matches!(previous, Kind::Local | Kind::For | Kind::Comma | Kind::Less) => {}
            (Place::Names, Kind::Comma | Kind::Less | Kind::Greater) => {}
            (_, Kind::Function) => place = Place::FunctionName,
            (_, Kind::Local) if next.kind != Kind::Function => place = Place::Names,
            (_, Kind::For) => place = Place::Names,
            (_, Kind::DoubleColon) => {
                if next.kind != Kind::Name || after.kind != Kind::DoubleColon {
                    return Ok(true);
                }
                skip = 3;
                place = Place::Anywhere;
            }
            (_, Kind::Colon) => {
                // A method call `a:b(...)`, `a:b"..."`, `a:b{...}`; anything else is a type.
                let call = next.kind == Kind::Name
                    && matches!(after.kind, Kind::LeftParen | Kind::String | Kind::LeftBrace);
                if !call {
                    return Ok(true);
                }
                place = Place::Anywhere;
            }
            (_, Kind::Name) if !matches!(previous, Kind::Dot | Kind::Colon) => {
                let word = name(token);
                if word == b"as"
                    || (next.kind == Kind::Name
                        && matches!(word, b"type" | b"interface" | b"export"))
                {
                    return Ok(true);
                }
                place = Place::Anywhere;
            }
            _ => place = Place::Anywhere,
        }
        for _ in 0..skip {
            previous = window[0].kind;
            window = [window[1], window[2], lexer.next_token()?];
        }
    }
    Ok(false)
}
