//! The guest: the piccolo Lua VM with Wippy's Lua APIs, compiled to one wasm
//! component per process.
//!
//! - [`bindings`]: types generated from `wit/wippy.wit`.
//! - [`host`]: the imports behind a trait, so everything else tests natively.
//! - [`vm`]: one process — Lua state, coroutines, the `start`/`run` exports.
//! - [`scheduler`]: how a coroutine waits without holding a stack.
//! - [`api`]: one module per Lua API; [`stdlib`]: the globals and `require`.
//! - [`lua_std`]: Lua 5.4's standard library where piccolo lacks it.
//! - [`codec`]: deep copies of values crossing a process boundary.
//! - [`chunk`]: an entry's chunk compiled once, for all its processes.
//! - `allocator` (wasm only): the heap, split at the snapshot.
//! - `entropy` (wasm only): the host's randomness for getrandom.

#![warn(missing_docs)]

#[cfg(target_arch = "wasm32")]
pub mod allocator;
pub mod api;
// Generated from the WIT, whose comments document it.
#[allow(missing_docs)]
pub mod bindings;
pub mod calendar;
pub mod chunk;
pub mod codec;
// One Go-duration grammar for the whole project: the host's parser, compiled here too.
#[path = "../../host/src/duration.rs"]
pub mod duration;
#[cfg(target_arch = "wasm32")]
mod entropy;
pub mod env;
pub mod host;
pub mod lua_std;
pub mod mailbox;
pub mod scheduler;
pub mod stdlib;
pub mod typed_lua;
pub mod vm;

#[cfg(target_arch = "wasm32")]
mod export;

#[cfg(any(test, feature = "testing"))]
pub mod testing;
