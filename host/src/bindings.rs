//! Host-side types and traits generated from `wit/wippy.wit`, the single source of
//! truth for the host/guest contract. Each imported interface is implemented in the
//! module of the same name under [`crate::api`].

wasmtime::component::bindgen!({
    world: "process-world",
    path: "../wit",
    with: {
        "wasi:random/random": wasmtime_wasi::p2::bindings::random::random,
    },
});

pub use exports::wippy::runtime::guest::{StartInfo, StartStep, Step};
pub use wippy::runtime::logging::{Level, LogRecord};
pub use wippy::runtime::mailbox::{CancelEvent, ExitEvent, Message, Signal};
pub use wippy::runtime::process::SpawnOptions;
pub use wippy::runtime::terminal::Output;
pub use wippy::runtime::types::{ErrorInfo, ExitResult, Node, Payload, TableEntry};

impl ErrorInfo {
    /// An error of `kind` with `message`.
    pub fn new(kind: &str, message: impl Into<String>) -> Self {
        ErrorInfo {
            kind: kind.into(),
            message: message.into(),
            retryable: Some(false),
        }
    }

    /// A failure the process did not choose (a sandbox limit, a trap): retryability
    /// unknown, so a supervisor restarts it (manifest.md §4.1).
    pub fn crash(kind: &str, message: impl Into<String>) -> Self {
        ErrorInfo {
            retryable: None,
            ..ErrorInfo::new(kind, message)
        }
    }
}

impl Payload {
    /// A payload holding one string.
    pub fn text(text: &str) -> Self {
        Payload {
            nodes: vec![Node::Text(text.as_bytes().to_vec())],
        }
    }
}
