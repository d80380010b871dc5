//! Cooperative scheduling of one process's coroutines.
//!
//! A blocking Lua call (`time.sleep`, `io.readline`, ...) starts its operation through
//! an import, then returns a [`WaitSequence`]. The sequence parks its coroutine by
//! interrupting piccolo's fuel and answering `Pending`; the executor returns at once
//! with the Lua stack intact. When the operation's signal arrives the token is marked
//! complete and the coroutine is stepped again: the sequence finds its completion and
//! returns the results. No OS thread or wasm stack is held while a coroutine waits.

use std::collections::VecDeque;
use std::rc::Rc;

use piccolo::{
    BoxSequence, CallbackReturn, Context, Error, Execution, Sequence, SequencePoll, Stack,
    StashedExecutor, StaticValue, Value,
};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::api::errors;
use crate::bindings::{ErrorInfo, ExitResult};
use crate::env::Env;

/// Identifies one pending operation (a timer, a terminal read).
pub type WaitToken = u64;

/// The outcome of a pending operation, as the waiting coroutine will see it.
pub enum Completion {
    /// A timer fired: no values.
    Timer,
    /// A terminal read finished: bytes, end of input (`None`) or an error.
    TerminalInput(Result<Option<Vec<u8>>, ErrorInfo>),
    /// A channel operation finished: which case of the wait completed, the value a
    /// receive got, and `ok` (`false`: the channel was closed and drained).
    Channel {
        /// Index of the case that completed (0 for a plain send/receive).
        case: usize,
        /// The received value; `None` for sends and closed channels.
        value: Option<StaticValue>,
        /// `false` when a receive found the channel closed.
        ok: bool,
    },
    /// A waiting send saw its channel closed.
    SendOnClosed,
    /// The child `process.exec` waits for ended.
    Exit(ExitResult),
}

/// Bookkeeping shared between the process loop and blocking callbacks.
#[derive(Default)]
pub struct Scheduler {
    next_token: WaitToken,
    /// Completed operations whose coroutine has not picked the result up yet.
    completed: FxHashMap<WaitToken, Completion>,
    /// Operations still waiting; a channel skips registrations not in here (a `select`
    /// that another case already completed).
    parked: FxHashSet<WaitToken>,
    /// Tokens completed since the process loop last looked, so it wakes their tasks.
    woken: Vec<WaitToken>,
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
        self.parked.remove(&token);
        self.completed.insert(token, completion);
        self.woken.push(token);
    }

    /// Marks `token` as an operation that is waiting (see [`Scheduler::is_parked`]).
    pub fn park(&mut self, token: WaitToken) {
        self.parked.insert(token);
    }

    /// Whether the operation behind `token` still waits for its completion.
    pub fn is_parked(&self, token: WaitToken) -> bool {
        self.parked.contains(&token)
    }

    /// Takes the tokens completed since the last call.
    pub fn take_woken(&mut self) -> Vec<WaitToken> {
        std::mem::take(&mut self.woken)
    }

    /// Takes the completion of `token`, if it has one.
    pub fn take_completion(&mut self, token: WaitToken) -> Option<Completion> {
        self.completed.remove(&token)
    }

    /// Records that the stepped coroutine parks on `token`.
    pub fn block_on(&mut self, token: WaitToken) {
        self.blocked_on = Some(token);
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

    /// Whether coroutines were spawned since the last [`Scheduler::take_spawned`].
    pub fn has_spawned(&self) -> bool {
        !self.spawned.is_empty()
    }

    /// Takes the coroutines spawned since the last call.
    pub fn take_spawned(&mut self) -> Vec<StashedExecutor> {
        std::mem::take(&mut self.spawned)
    }
}

/// Turns a completion into the values a parked call returns (or the error it raises).
pub type Finish = Box<
    dyn for<'gc, 'a> FnOnce(
        Context<'gc>,
        Completion,
        &mut Stack<'gc, 'a>,
    ) -> Result<(), Error<'gc>>,
>;

/// Parks the calling coroutine until `token` completes, then returns the completion's
/// values to Lua (timers: nothing; terminal reads: the input or `nil, err`).
pub fn wait_for<'gc>(ctx: Context<'gc>, env: &Rc<Env>, token: WaitToken) -> CallbackReturn<'gc> {
    let finish_env = env.clone();
    wait_with(
        ctx,
        env,
        token,
        Box::new(move |ctx, completion, stack| {
            push_completion(ctx, &finish_env, completion, stack);
            Ok(())
        }),
    )
}

/// Parks the calling coroutine until `token` completes, then lets `finish` build the
/// results from the completion.
pub fn wait_with<'gc>(
    ctx: Context<'gc>,
    env: &Rc<Env>,
    token: WaitToken,
    finish: Finish,
) -> CallbackReturn<'gc> {
    CallbackReturn::Sequence(BoxSequence::new(
        &ctx,
        WaitSequence {
            env: env.clone(),
            token,
            finish: Some(finish),
        },
    ))
}

/// The sequence behind [`wait_with`].
#[derive(gc_arena::Collect)]
#[collect(require_static)]
struct WaitSequence {
    env: Rc<Env>,
    token: WaitToken,
    finish: Option<Finish>,
}

impl<'gc> Sequence<'gc> for WaitSequence {
    fn poll(
        &mut self,
        ctx: Context<'gc>,
        mut exec: Execution<'gc, '_>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Error<'gc>> {
        let completion = self
            .env
            .scheduler
            .borrow_mut()
            .completed
            .remove(&self.token);
        match (completion, self.finish.take()) {
            (Some(completion), Some(finish)) => {
                stack.clear();
                finish(ctx, completion, &mut stack)?;
                Ok(SequencePoll::Return)
            }
            (None, finish) => {
                self.finish = finish;
                self.env.scheduler.borrow_mut().blocked_on = Some(self.token);
                exec.fuel().interrupt();
                Ok(SequencePoll::Pending)
            }
            (Some(_), None) => Ok(SequencePoll::Return),
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
        // Channel and exec waits complete through their own sequences, never here.
        Completion::Channel { .. } | Completion::SendOnClosed | Completion::Exit(_) => {}
    }
}
