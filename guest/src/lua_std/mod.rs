//! The Lua 5.4 standard library over what piccolo ships: the functions piccolo lacks
//! or gets wrong, installed after `Lua::core()` (Lua 5.4 manual §6).

pub mod check;
pub mod convert;
pub mod format;
pub mod matching;
pub mod pattern;
pub mod string;

use piccolo::Context;

/// Replaces and completes piccolo's standard globals.
pub fn install(ctx: Context<'_>) {
    string::install(ctx);
    convert::install(ctx);
}
