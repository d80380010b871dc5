//! An entry's chunk, compiled once per entry.
//!
//! Every process starts in a fresh instance, so without help each one erases the
//! typed-Lua annotations of its entry's source, lexes, parses and compiles it again:
//! 14% of all CPU under the echo tutorial's load, where every request starts a
//! worker. Instead the first process of an entry hands its compiled chunk to the host
//! (`process.chunk-compiled`) right after compiling and before any of the chunk's
//! code runs, and the host passes it to the entry's later processes
//! (`start-info.compiled`), which only decode it. Bytes that do not decode are
//! ignored and the source is compiled as before.

use std::io::Cursor;

use piccolo::compiler::{self, CompiledPrototype, StringInterner};
use piccolo::{Closure, Context, FunctionPrototype};

use crate::typed_lua;

/// A chunk's compiled prototypes, with its strings as plain bytes so that they can
/// outlive the Lua state that compiled them.
pub struct CompiledChunk(CompiledPrototype<Box<[u8]>>);

/// Strings of a detached compile: owned bytes, interned only when loaded.
#[derive(Clone, Copy)]
struct Detached;

impl StringInterner for Detached {
    type String = Box<[u8]>;

    fn intern(&mut self, s: &[u8]) -> Self::String {
        s.into()
    }
}

impl CompiledChunk {
    /// Erases `source`'s type annotations and compiles it; the error, located as
    /// `entry:line: what`, is the text the process fails with (after `failed to
    /// execute script: `).
    pub fn compile(entry_id: &str, source: &[u8]) -> Result<Self, String> {
        let source = typed_lua::erase(entry_id, source).map_err(|e| e.to_string())?;
        let chunk = compiler::parse_chunk(Cursor::new(&*source), Detached)
            .map_err(|e| format!("{entry_id}:{}: {}", e.line_number, e.kind))?;
        let compiled = compiler::compile_chunk(&chunk, Detached)
            .map_err(|e| format!("{entry_id}:{}: {}", e.line_number, e.kind))?;
        Ok(CompiledChunk(compiled))
    }

    /// The chunk in the form `start-info.compiled` carries.
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_allocvec(&self.0).unwrap_or_default()
    }

    /// A chunk [`Self::encode`] produced; `None` for anything else.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        postcard::from_bytes(bytes).ok().map(CompiledChunk)
    }

    /// The chunk as a closure over the globals, named `entry_id` in errors and
    /// tracebacks.
    pub fn load<'gc>(&self, ctx: Context<'gc>, entry_id: &str) -> Result<Closure<'gc>, String> {
        let prototype = FunctionPrototype::from_compiled_map_strings(
            &ctx,
            ctx.intern(entry_id.as_bytes()),
            &self.0,
            |bytes| ctx.intern(bytes),
        );
        Closure::new(&ctx, prototype, Some(ctx.globals())).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decoded_chunk_is_the_compiled_one() {
        let source = b"local function f(x: number): number return x * 2 end\nreturn f(21)";
        let chunk = CompiledChunk::compile("app:x", source).unwrap();
        let bytes = chunk.encode();
        let decoded = CompiledChunk::decode(&bytes).unwrap();
        assert_eq!(decoded.encode(), bytes);
        assert_eq!(decoded.0.opcodes.len(), chunk.0.opcodes.len());
    }

    #[test]
    fn bytes_that_are_not_a_chunk_do_not_decode() {
        let bytes = CompiledChunk::compile("app:x", b"return 1")
            .unwrap()
            .encode();
        assert!(CompiledChunk::decode(&bytes[..bytes.len() / 2]).is_none());
        assert!(CompiledChunk::decode(b"").is_none());
    }

    #[test]
    fn compile_errors_name_the_entry_and_line() {
        let Err(error) = CompiledChunk::compile("app:x", b"local a = 1\nlocal x = = 1") else {
            panic!("compiled");
        };
        assert_eq!(
            error,
            "app:x:2: found \"Assign\", expected \"grouped expression or name\""
        );
        let Err(error) = CompiledChunk::compile("app:x", b"goto nowhere") else {
            panic!("compiled");
        };
        assert!(error.starts_with("app:x:1: "), "{error}");
    }
}
