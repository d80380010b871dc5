//! The Lua 5.4 standard library over what piccolo ships: the functions piccolo lacks
//! or gets wrong, installed after `Lua::core()` (Lua 5.4 manual §6).

pub mod args;
pub mod base;
pub mod check;
pub mod compare;
pub mod convert;
pub mod coroutine;
pub mod format;
pub mod matching;
pub mod math;
pub mod os;
pub mod pattern;
pub mod read_only;
pub mod string;
pub mod table;

use std::rc::Rc;

use piccolo::Context;

use crate::env::Env;

pub use read_only::{read_only, seal_globals};

/// The library tables process code may read but not change (manifest.md §3.1).
pub const LIBRARY_TABLES: &[&str] = &["string", "table", "math", "os", "coroutine"];

/// Replaces and completes piccolo's standard globals.
pub fn install(ctx: Context<'_>, env: &Rc<Env>) {
    base::install(ctx);
    coroutine::install(ctx);
    table::install(ctx);
    math::install(ctx);
    os::install(ctx, env);
    string::install(ctx);
    convert::install(ctx);
}
