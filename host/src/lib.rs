//! wippy-wasm: a sandboxed actor runtime for Wippy Lua applications. Every process is
//! its own wasmtime instance running the piccolo Lua VM; processes share nothing and
//! talk only by message passing through the host.
//!
//! - [`manifest`], [`duration`]: loading `wippy.lock` and `_index.yaml` definitions.
//! - [`engine`], [`instance`], [`sandbox`]: the wasm engine, one store per process,
//!   and the per-instance limits; [`chunks`]: each entry's chunk, compiled once.
//! - [`runtime`], [`table`], [`pid`], [`mailbox`], [`registry`]: processes, their
//!   PIDs, mailboxes and names.
//! - [`api`]: the host side of each WIT interface in `wit/wippy.wit`.
//! - [`terminal`], [`logging`]: the terminal host's I/O and log output.
//! - [`supervisor`]: boot order of hosts and services, service restarts, shutdown.
//! - [`cli`]: the `wippy-wasm` command.

#![warn(missing_docs)]

pub mod api;
// Generated from the WIT, whose comments document it.
#[allow(missing_docs)]
pub mod bindings;
pub mod chunks;
pub mod cli;
pub mod clock;
pub mod duration;
pub mod engine;
pub mod instance;
pub mod logging;
pub mod mailbox;
pub mod manifest;
pub mod payload;
pub mod pid;
pub mod registry;
pub mod runtime;
pub mod sandbox;
pub mod supervisor;
pub mod table;
pub mod terminal;
