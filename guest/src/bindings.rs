//! Types and import stubs generated from `wit/wippy.wit`.
//!
//! On non-wasm targets wit-bindgen still generates every type (so the guest's logic
//! compiles and tests natively); only the raw imports are unusable there, which is why
//! all calls go through [`crate::host::Host`].

wit_bindgen::generate!({
    world: "process-world",
    path: "../wit",
    generate_all,
});

pub use exports::wippy::runtime::guest::{StartInfo, Step};
pub use wippy::runtime::logging::{Level, LogRecord};
pub use wippy::runtime::mailbox::{CancelEvent, ExitEvent, Message, Signal};
pub use wippy::runtime::process::SpawnOptions;
pub use wippy::runtime::terminal::Output;
pub use wippy::runtime::types::{ErrorInfo, ErrorNode, ExitResult, Node, Payload, TableEntry};
