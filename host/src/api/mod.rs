//! The host side of each WIT interface, one module per interface of `wit/wippy.wit`
//! (and `random` for the one WASI interface it imports).

mod logging;
mod mailbox;
mod monitor;
mod process;
mod random;
mod registry;
mod terminal;
pub mod timer;

use crate::bindings::wippy::runtime::types;
use crate::instance::ProcessState;

impl types::Host for ProcessState {}
