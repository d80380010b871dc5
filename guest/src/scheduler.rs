//! Cooperative scheduling of one process's coroutines.
//!
//! A blocking Lua call (`time.sleep`, `io.readline`, ...) starts its operation through
//! an import, then returns a [`WaitSequence`]. The sequence parks its coroutine by
//! interrupting piccolo's fuel and answering `Pending`; the executor returns at once
//! with the Lua stack intact. When the operation's signal arrives the token is marked
//! complete and the coroutine is stepped again: the sequence finds its completion and
//! returns the results. No OS thread or wasm stack is held while a coroutine waits.

use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use piccolo::{
    BoxSequence, CallbackReturn, Context, Error, Execution, Sequence, SequencePoll, Stack,
    StashedExecutor, Value,
};

use crate::api::errors;
use crate::bindings::ErrorInfo;
use crate::env::Env;

/// Identifies one pending operation (a timer, a terminal read).
pub type WaitToken = u64;

/// The outcome of a pending operation, as the waiting coroutine will see it.
pub enum Completion {
    /// A timer fired: no values.
    Timer,
    /// A terminal read finished: bytes, end of input (`None`) or an error.
    TerminalInput(Result<Option<Vec<u8>>, ErrorInfo>),
}

/// Bookkeeping shared between the process loop and blocking callbacks.
#[derive(Default)]
pub struct Scheduler {
    next_token: WaitToken,
    /// Completed operations whose coroutine has not picked the result up yet.
    completed: HashMap<WaitToken, Completion>,
    /// Terminal reads in the order they were requested; the host answers in order.
    terminal_reads: VecDeque<WaitToken>,
    /// Set by a [`WaitSequence`] that parked the coroutine being stepped.
    blocked_on: Option<WaitToken>,
    /// Coroutines created by `coroutine.spawn` during the current step.
    spawned: Vec<StashedExecutor>,
}

impl Scheduler {
    /// A fresh token for a new pending operation.
    pub fn new_token(&mut self) -> WaitToken {
        self.next_token += 1;
        self.next_token
    }

    /// Records that the operation behind `token` finished.
    pub fn complete(&mut self, token: WaitToken, completion: Completion) {
        self.completed.insert(token, completion);
    }

    /// Whether `token` has a completion waiting to be picked up.
    pub fn is_complete(&self, token: WaitToken) -> bool {
        self.completed.contains_key(&token)
    }

    /// Remembers a terminal read so its `terminal-input` signal finds it.
    pub fn push_terminal_read(&mut self, token: WaitToken) {
        self.terminal_reads.push_back(token);
    }

    /// The oldest terminal read still unanswered.
    pub fn pop_terminal_read(&mut self) -> Option<WaitToken> {
        self.terminal_reads.pop_front()
    }

    /// Takes the token the last stepped coroutine parked on, if it parked.
    pub fn take_blocked_on(&mut self) -> Option<WaitToken> {
        self.blocked_on.take()
    }

    /// Queues a coroutine created by `coroutine.spawn`.
    pub fn push_spawned(&mut self, executor: StashedExecutor) {
        self.spawned.push(executor);
    }

    /// Takes the coroutines spawned since the last call.
    pub fn take_spawned(&mut self) -> Vec<StashedExecutor> {
        std::mem::take(&mut self.spawned)
    }
}

/// Parks the calling coroutine until `token` completes, then returns the completion's
/// values to Lua.
pub fn wait_for<'gc>(ctx: Context<'gc>, env: &Rc<Env>, token: WaitToken) -> CallbackReturn<'gc> {
    CallbackReturn::Sequence(BoxSequence::new(
        &ctx,
        WaitSequence {
            env: env.clone(),
            token,
        },
    ))
}

/// The sequence behind [`wait_for`].
#[derive(gc_arena::Collect)]
#[collect(require_static)]
struct WaitSequence {
    env: Rc<Env>,
    token: WaitToken,
}

impl<'gc> Sequence<'gc> for WaitSequence {
    fn poll(
        &mut self,
        ctx: Context<'gc>,
        mut exec: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        let mut scheduler = self.env.scheduler.borrow_mut();
        match scheduler.completed.remove(&self.token) {
            Some(completion) => {
                drop(scheduler);
                stack.clear();
                push_completion(ctx, &self.env, completion, &mut stack);
                Ok(SequencePoll::Return)
            }
            None => {
                scheduler.blocked_on = Some(self.token);
                exec.fuel().interrupt();
                Ok(SequencePoll::Pending)
            }
        }
    }
}

fn push_completion<'gc>(
    ctx: Context<'gc>,
    env: &Env,
    completion: Completion,
    stack: &mut Stack<'gc, '_>,
) {
    match completion {
        Completion::Timer => {}
        Completion::TerminalInput(Ok(Some(bytes))) => {
            stack.push_back(Value::String(piccolo::String::from_slice(&ctx, bytes)));
        }
        Completion::TerminalInput(Ok(None)) => {
            let eof = ErrorInfo {
                kind: String::new(),
                message: "EOF".into(),
                retryable: Some(false),
            };
            stack.push_back(Value::Nil);
            stack.push_back(errors::new_error(ctx, env, &eof));
        }
        Completion::TerminalInput(Err(error)) => {
            stack.push_back(Value::Nil);
            stack.push_back(errors::new_error(ctx, env, &error));
        }
    }
}
