mod executor;
mod thread;
mod vm;

use thiserror::Error;

use crate::TypeError;

pub use self::{
    executor::{
        BadExecutorMode, CallFrame, CurrentThread, Execution, Executor, ExecutorInner,
        ExecutorMode, FunctionName, LuaCallFrame, LuaCallSite, UpperLuaFrame,
    },
    thread::{BadThreadMode, OpenUpValue, Thread, ThreadInner, ThreadMode},
    vm::BinaryOperatorError,
};

#[derive(Debug, Copy, Clone, Error)]
pub enum VMError {
    #[error("{}", if *.0 {
        "operation expects variable stack"
    } else {
        "unexpected variable stack during operation"
    })]
    ExpectedVariableStack(bool),
    #[error(transparent)]
    BadType(#[from] TypeError),
    #[error("_ENV upvalue is only allowed on top-level closure")]
    BadEnvUpValue,
    /// A call past the limits of a thread's stack (`MAX_STACK_VALUES`, `MAX_FRAMES`). (wippy-wasm)
    #[error("stack overflow")]
    StackOverflow,
}
