use std::hash::{Hash, Hasher};

use allocator_api2::vec;
use gc_arena::{allocator_api::MetricsAlloc, lock::RefLock, Collect, Gc, Mutation};
use thiserror::Error;

use crate::{
    compiler::{FunctionRef, LineNumber},
    BadThreadMode, CallbackReturn, Closure, Context, Error, FromMultiValue, Fuel, Function,
    FunctionPrototype, IntoMultiValue, SequencePoll, Stack, String, Thread, ThreadMode, Value,
    Variadic,
};

use super::{
    thread::{Frame, LuaFrame, ThreadState, Unwound, UnwoundFrame},
    vm::run_vm,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutorMode {
    /// There are no threads being run and the `Executor` must be restarted to do any work.
    Stopped,
    /// Lua has errored or returned (or yielded) values that must be taken to move the `Executor` to
    /// the `Stopped` (or `Suspended`) state.
    Result,
    /// There is an active thread in the `ThreadMode::Normal` state and it is can be run with
    /// `Executor::step`.
    Normal,
    /// The main thread has yielded and is waiting on being resumed.
    Suspended,
    /// The `Executor` is currently inside its own `Executor::step` function.
    Running,
}

#[derive(Debug, Copy, Clone, Error)]
#[error("bad executor mode: {found:?}, expected {expected:?}")]
pub struct BadExecutorMode {
    pub found: ExecutorMode,
    pub expected: ExecutorMode,
}

#[derive(Debug, Collect)]
#[collect(no_drop)]
pub struct ExecutorState<'gc> {
    thread_stack: vec::Vec<Thread<'gc>, MetricsAlloc<'gc>>,
}

pub type ExecutorInner<'gc> = RefLock<ExecutorState<'gc>>;

/// The entry-point for the Lua VM.
///
/// `Executor` runs networks of `Threads` that may depend on each other and may pass control
/// back and forth. All Lua code that is run is done so directly or indirectly by calling
/// `Executor::step`.
///
/// # Panics
///
/// `Executor` is dangerous to use from within any kind of Lua callback. It has no protection
/// against re-entrency, and calling `Executor` methods from within a callback that it is running
/// (other than `Executor::mode`) will panic. Additionally, even if an independent `Executor` is
/// used, cross-thread upvalues may cause a panic if one `Executor` is used within the other.
///
/// `Executor`s are not meant to be used from callbacks at all, and `Executor`s should not be
/// nested. Instead, use the normal mechanisms for callbacks to call Lua code so that it is run on
/// the same executor calling the callback.
#[derive(Debug, Copy, Clone, Collect)]
#[collect(no_drop)]
pub struct Executor<'gc>(Gc<'gc, ExecutorInner<'gc>>);

impl<'gc> PartialEq for Executor<'gc> {
    fn eq(&self, other: &Executor<'gc>) -> bool {
        Gc::ptr_eq(self.0, other.0)
    }
}

impl<'gc> Eq for Executor<'gc> {}

impl<'gc> Hash for Executor<'gc> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        Gc::as_ptr(self.0).hash(state)
    }
}

impl<'gc> Executor<'gc> {
    const FUEL_PER_CALLBACK: i32 = 8;
    const FUEL_PER_SEQ_STEP: i32 = 4;
    const FUEL_PER_STEP: i32 = 4;

    /// Creates a new `Executor` with a stopped main thread.
    pub fn new(ctx: Context<'gc>) -> Self {
        Self::run(&ctx, Thread::new(ctx))
    }

    /// Creates a new `Executor` that begins running the given thread.
    pub fn run(mc: &Mutation<'gc>, thread: Thread<'gc>) -> Self {
        let mut thread_stack = vec::Vec::new_in(MetricsAlloc::new(mc));
        thread_stack.push(thread);
        Executor(Gc::new(mc, RefLock::new(ExecutorState { thread_stack })))
    }

    pub fn from_inner(inner: Gc<'gc, ExecutorInner<'gc>>) -> Self {
        Self(inner)
    }

    pub fn into_inner(self) -> Gc<'gc, ExecutorInner<'gc>> {
        self.0
    }

    /// Creates a new `Executor` with a new `Thread` running the given function.
    pub fn start(
        ctx: Context<'gc>,
        function: Function<'gc>,
        args: impl IntoMultiValue<'gc>,
    ) -> Self {
        let thread = Thread::new(ctx);
        thread.start(ctx, function, args).unwrap();
        Self::run(&ctx, thread)
    }

    pub fn mode(self) -> ExecutorMode {
        if let Ok(state) = self.0.try_borrow() {
            if state.thread_stack.len() > 1 {
                ExecutorMode::Normal
            } else {
                match state.thread_stack[0].mode() {
                    ThreadMode::Stopped => ExecutorMode::Stopped,
                    ThreadMode::Result => ExecutorMode::Result,
                    ThreadMode::Normal => ExecutorMode::Normal,
                    ThreadMode::Suspended => ExecutorMode::Suspended,
                    ThreadMode::Waiting => unreachable!(),
                    ThreadMode::Running => ExecutorMode::Running,
                }
            }
        } else {
            ExecutorMode::Running
        }
    }

    /// Runs the VM for a period of time controlled by the `fuel` parameter.
    ///
    /// The VM and callbacks will consume fuel as they run, and `Executor::step` will return as soon
    /// as `Fuel::can_continue()` returns false *and some minimal positive progress has been made*.
    ///
    /// Returns `false` if the method has exhausted its fuel, but there is more work to
    /// do, and returns `true` if no more progress can be made. If `true` is returned, then
    /// `Executor::mode()` will no longer be `ExecutorMode::Normal`.
    pub fn step(self, ctx: Context<'gc>, fuel: &mut Fuel) -> bool {
        let mut state = self.0.borrow_mut(&ctx);

        loop {
            let mut top_thread = state.thread_stack.last().copied().unwrap();
            let mut res_thread = None;
            match top_thread.mode() {
                ThreadMode::Normal => {}
                ThreadMode::Running => {
                    panic!("`Executor` thread already running")
                }
                _ => {
                    if state.thread_stack.len() == 1 {
                        break true;
                    } else {
                        state.thread_stack.pop();
                        res_thread = Some(top_thread);
                        top_thread = state.thread_stack.last().copied().unwrap();
                    }
                }
            }

            let mut top_state = top_thread.into_inner().borrow_mut(&ctx);
            let top_state = &mut *top_state;
            if let Some(res_thread) = res_thread {
                let mode = top_state.mode();
                if mode == ThreadMode::Waiting {
                    assert!(matches!(top_state.frames.pop(), Some(Frame::WaitThread)));
                    match res_thread.mode() {
                        ThreadMode::Result => {
                            // Take the results from the res_thread and return them to our top
                            // thread.
                            let mut res_state = res_thread.into_inner().borrow_mut(&ctx);
                            match res_state.take_result() {
                                Ok(vals) => {
                                    let bottom = top_state.stack.len();
                                    top_state.stack.extend(vals);
                                    top_state.return_to(bottom);
                                }
                                Err(err) => {
                                    top_state.raise(err.into());
                                }
                            }
                            drop(res_state);
                        }
                        ThreadMode::Normal => unreachable!(),
                        res_mode => top_state.raise(
                            BadThreadMode {
                                found: res_mode,
                                expected: None,
                            }
                            .into(),
                        ),
                    }
                } else {
                    // Shenanigans have happened and the upper thread has had its state externally
                    // changed.
                    top_state.raise(
                        BadThreadMode {
                            found: mode,
                            expected: None,
                        }
                        .into(),
                    );
                }
            }

            if top_state.mode() == ThreadMode::Normal {
                fn callback_ret<'gc>(
                    ctx: Context<'gc>,
                    thread_stack: &mut vec::Vec<Thread<'gc>, MetricsAlloc<'gc>>,
                    top_state: &mut ThreadState<'gc>,
                    stack_bottom: usize,
                    ret: CallbackReturn<'gc>,
                ) {
                    match ret {
                        CallbackReturn::Return => {
                            top_state.return_to(stack_bottom);
                        }
                        CallbackReturn::Sequence(sequence) => {
                            top_state.frames.push(Frame::Sequence {
                                bottom: stack_bottom,
                                sequence,
                                pending_error: None,
                            });
                        }
                        CallbackReturn::Yield { to_thread, then } => {
                            if let Some(sequence) = then {
                                top_state.frames.push(Frame::Sequence {
                                    bottom: stack_bottom,
                                    sequence,
                                    pending_error: None,
                                });
                            }
                            top_state.frames.push(Frame::Yielded);

                            if let Some(to_thread) = to_thread {
                                if let Err(err) = to_thread
                                    .resume(ctx, Variadic(top_state.stack.drain(stack_bottom..)))
                                {
                                    top_state.raise(err.into());
                                } else {
                                    thread_stack.pop();
                                    thread_stack.push(to_thread);
                                }
                            } else {
                                top_state.frames.push(Frame::Result {
                                    bottom: stack_bottom,
                                });
                            }
                        }
                        CallbackReturn::Call { function, then } => {
                            if let Some(sequence) = then {
                                top_state.frames.push(Frame::Sequence {
                                    bottom: stack_bottom,
                                    sequence,
                                    pending_error: None,
                                });
                            }
                            top_state.push_call(stack_bottom, function);
                        }
                        CallbackReturn::Resume { thread, then } => {
                            if let Some(sequence) = then {
                                top_state.frames.push(Frame::Sequence {
                                    bottom: stack_bottom,
                                    sequence,
                                    pending_error: None,
                                });
                            }
                            top_state.frames.push(Frame::WaitThread);

                            if let Err(err) =
                                thread.resume(ctx, Variadic(top_state.stack.drain(stack_bottom..)))
                            {
                                top_state.raise(err.into());
                            } else {
                                if top_state.frames.len() == 1 {
                                    // Tail call the thread resume if we can.
                                    assert!(matches!(top_state.frames[0], Frame::WaitThread));
                                    thread_stack.pop();
                                }
                                thread_stack.push(thread);
                            }
                        }
                    }
                }

                fn execution<'gc, 'a>(
                    executor: Executor<'gc>,
                    fuel: &'a mut Fuel,
                    threads: &'a [Thread<'gc>],
                    top_frames: &'a [Frame<'gc>],
                    unwound: &'a Unwound<'gc>,
                    top_stack: &[Value<'gc>],
                ) -> Execution<'gc, 'a> {
                    let upper_lua = match top_frames.last() {
                        Some(Frame::Lua { bottom, pc, .. }) => {
                            let Value::Function(Function::Closure(closure)) = top_stack[*bottom]
                            else {
                                panic!("lua frame bottom is not a closure");
                            };
                            // Subtract 1 instruction for the Call opcode.
                            Some((closure.prototype(), *pc - 1))
                        }
                        _ => None,
                    };

                    Execution {
                        executor,
                        fuel,
                        upper_lua,
                        threads,
                        frames: top_frames,
                        unwound,
                    }
                }

                match top_state.frames.pop() {
                    Some(Frame::Callback { bottom, callback }) => {
                        fuel.consume(Self::FUEL_PER_CALLBACK);
                        let exec = execution(
                            self,
                            fuel,
                            &state.thread_stack,
                            &top_state.frames,
                            &top_state.unwound,
                            &top_state.stack,
                        );
                        match callback.call(ctx, exec, Stack::new(&mut top_state.stack, bottom)) {
                            Ok(ret) => {
                                callback_ret(ctx, &mut state.thread_stack, top_state, bottom, ret)
                            }
                            Err(err) => {
                                top_state.stack.truncate(bottom);
                                top_state.raise_from_callback(err)
                            }
                        }
                    }
                    Some(Frame::Sequence {
                        bottom,
                        mut sequence,
                        pending_error,
                    }) => {
                        fuel.consume(Self::FUEL_PER_SEQ_STEP);

                        let handling_error = pending_error.is_some();
                        // Polled again after handling an error (an `xpcall` handler returned):
                        // the frames the error unwound are no longer on any traceback.
                        if !handling_error
                            && top_state.unwound.caught_by == Some(top_state.frames.len())
                        {
                            top_state.unwound.clear();
                        }

                        let exec = execution(
                            self,
                            fuel,
                            &state.thread_stack,
                            &top_state.frames,
                            &top_state.unwound,
                            &top_state.stack,
                        );
                        let fin = if let Some(err) = pending_error {
                            sequence.error(ctx, exec, err, Stack::new(&mut top_state.stack, bottom))
                        } else {
                            sequence.poll(ctx, exec, Stack::new(&mut top_state.stack, bottom))
                        };

                        if handling_error
                            && matches!(
                                fin,
                                Ok(SequencePoll::Return
                                    | SequencePoll::Call { is_tail: true, .. }
                                    | SequencePoll::Yield { is_tail: true, .. }
                                    | SequencePoll::Resume { is_tail: true, .. })
                            )
                        {
                            // The sequence caught the error and is gone.
                            top_state.unwound.clear();
                        }

                        match fin {
                            Ok(ret) => callback_ret(
                                ctx,
                                &mut state.thread_stack,
                                top_state,
                                bottom,
                                match ret {
                                    SequencePoll::Pending => CallbackReturn::Sequence(sequence),
                                    SequencePoll::Return => CallbackReturn::Return,
                                    SequencePoll::Yield { to_thread, is_tail } => {
                                        CallbackReturn::Yield {
                                            to_thread,
                                            then: if is_tail { None } else { Some(sequence) },
                                        }
                                    }
                                    SequencePoll::Call { function, is_tail } => {
                                        CallbackReturn::Call {
                                            function,
                                            then: if is_tail { None } else { Some(sequence) },
                                        }
                                    }
                                    SequencePoll::Resume { thread, is_tail } => {
                                        CallbackReturn::Resume {
                                            thread,
                                            then: if is_tail { None } else { Some(sequence) },
                                        }
                                    }
                                },
                            ),
                            Err(error) if handling_error => {
                                // The sequence passed the error on: it keeps unwinding, and
                                // the sequence is one more frame it unwound.
                                top_state.stack.truncate(bottom);
                                top_state.unwound.caught_by = None;
                                top_state.unwound.frames.push(UnwoundFrame::Native);
                                top_state.frames.push(Frame::Error(error));
                            }
                            Err(error) => {
                                top_state.stack.truncate(bottom);
                                top_state.raise_from_callback(error);
                            }
                        }
                    }
                    Some(frame @ Frame::Lua { .. }) => {
                        top_state.frames.push(frame);

                        const VM_GRANULARITY: u32 = 64;

                        let lua_frame = LuaFrame {
                            state: top_state,
                            thread: top_thread,
                            fuel,
                        };
                        match run_vm(ctx, lua_frame, VM_GRANULARITY) {
                            Err(err) => {
                                let err =
                                    located_error(ctx, &top_state.frames, &top_state.stack, &err)
                                        .unwrap_or_else(|| err.into());
                                top_state.raise(err);
                            }
                            Ok(instructions_run) => {
                                fuel.consume(instructions_run.try_into().unwrap());
                            }
                        }
                    }
                    Some(Frame::Error(err)) => {
                        match top_state
                            .frames
                            .pop()
                            .expect("normal thread must have frame above error")
                        {
                            Frame::Lua {
                                bottom,
                                pc,
                                is_tail,
                                ..
                            } => {
                                if let Some(&Value::Function(Function::Closure(closure))) =
                                    top_state.stack.get(bottom)
                                {
                                    top_state.unwound.frames.push(UnwoundFrame::Lua {
                                        closure,
                                        pc,
                                        is_tail,
                                    });
                                }
                                top_state.close_upvalues(&ctx, bottom);
                                top_state.stack.truncate(bottom);
                                top_state.frames.push(Frame::Error(err));
                            }
                            Frame::Sequence {
                                bottom,
                                sequence,
                                pending_error: error,
                            } => {
                                assert!(error.is_none());
                                top_state.unwound.caught_by = Some(top_state.frames.len());
                                top_state.frames.push(Frame::Sequence {
                                    bottom,
                                    sequence,
                                    pending_error: Some(err),
                                });
                            }
                            _ => top_state.frames.push(Frame::Error(err)),
                        }
                    }
                    _ => panic!("tried to step invalid frame type"),
                }
            }

            fuel.consume(Self::FUEL_PER_STEP);

            if !fuel.should_continue() {
                break false;
            }
        }
    }

    pub fn take_result<T: FromMultiValue<'gc>>(
        self,
        ctx: Context<'gc>,
    ) -> Result<Result<T, Error<'gc>>, BadExecutorMode> {
        let mode = self.mode();
        if mode == ExecutorMode::Result {
            let state = self.0.borrow();
            Ok(state.thread_stack[0].take_result(ctx).unwrap())
        } else {
            Err(BadExecutorMode {
                found: mode,
                expected: ExecutorMode::Result,
            })
        }
    }

    pub fn resume(
        self,
        ctx: Context<'gc>,
        args: impl IntoMultiValue<'gc>,
    ) -> Result<(), BadExecutorMode> {
        let mode = self.mode();
        if mode == ExecutorMode::Suspended {
            let state = self.0.borrow();
            state.thread_stack[0].resume(ctx, args).unwrap();
            Ok(())
        } else {
            Err(BadExecutorMode {
                found: mode,
                expected: ExecutorMode::Suspended,
            })
        }
    }

    pub fn resume_err(self, mc: &Mutation<'gc>, error: Error<'gc>) -> Result<(), BadExecutorMode> {
        let mode = self.mode();
        if mode == ExecutorMode::Suspended {
            let state = self.0.borrow();
            state.thread_stack[0].resume_err(mc, error).unwrap();
            Ok(())
        } else {
            Err(BadExecutorMode {
                found: mode,
                expected: ExecutorMode::Suspended,
            })
        }
    }

    /// Reset this `Executor` entirely, leaving it with a stopped main thread. Equivalent to
    /// creating a new executor with `Executor::new`.
    pub fn stop(self, mc: &Mutation<'gc>) {
        let mut state = self.0.borrow_mut(mc);
        state.thread_stack.truncate(1);
        state.thread_stack[0].reset(mc).unwrap();
    }

    /// Reset this `Executor` entirely and begins running the given thread. Equivalent to
    /// creating a new executor with `Executor::run`.
    pub fn reset(self, mc: &Mutation<'gc>, thread: Thread<'gc>) {
        let mut state = self.0.borrow_mut(mc);
        state.thread_stack.clear();
        state.thread_stack.push(thread);
    }

    /// Reset this `Executor` entirely and begins running the given function, equivalent to
    /// creating a new executor with `Executor::start`.
    pub fn restart(
        self,
        ctx: Context<'gc>,
        function: Function<'gc>,
        args: impl IntoMultiValue<'gc>,
    ) {
        let mut state = self.0.borrow_mut(&ctx);
        state.thread_stack.truncate(1);
        state.thread_stack[0].reset(&ctx).unwrap();
        state.thread_stack[0].start(ctx, function, args).unwrap();
    }
}

/// Execution state passed to callbacks when they are run by an `Executor`.
pub struct Execution<'gc, 'a> {
    executor: Executor<'gc>,
    fuel: &'a mut Fuel,
    upper_lua: Option<(Gc<'gc, FunctionPrototype<'gc>>, usize)>,
    threads: &'a [Thread<'gc>],
    frames: &'a [Frame<'gc>],
    unwound: &'a Unwound<'gc>,
}

impl<'gc, 'a> Execution<'gc, 'a> {
    /// The fuel parameter passed to `Executor::step`.
    pub fn fuel(&mut self) -> &mut Fuel {
        self.fuel
    }

    /// The curently executing Thread.
    pub fn current_thread(&self) -> CurrentThread<'gc> {
        CurrentThread {
            thread: *self.threads.last().unwrap(),
            is_main: self.threads.len() == 1,
        }
    }

    /// The curently running Executor.
    ///
    /// Do not call methods on this from callbacks! This is provided only for identification
    /// purposes, so that callbacks can identify which executor that is currently executing them, or
    /// to store the pointer somewhere.
    pub fn executor(&self) -> Executor<'gc> {
        self.executor
    }

    /// If the function we are returning to is Lua, returns information about the Lua frame we are
    /// returning to.
    pub fn upper_lua_frame(&self) -> Option<UpperLuaFrame<'gc>> {
        self.upper_lua.map(|(proto, pc)| UpperLuaFrame {
            chunk_name: proto.chunk_name,
            current_function: proto.reference,
            current_line: line_at(&proto, pc),
        })
    }

    /// The call in the Lua frame we return to that called the running callback, if a Lua
    /// frame called it. Taking it costs a copy; its line and the name it called the
    /// callback by are worked out only when asked for, so a callback can take it on every
    /// call and use it only when it fails.
    pub fn lua_call_site(&self) -> Option<LuaCallSite<'gc>> {
        self.upper_lua
            .map(|(prototype, pc)| LuaCallSite { prototype, pc })
    }

    /// The current thread's call stack below the running callback, innermost first, as Lua's
    /// `debug.traceback` lists it: Lua frames, and `Native` for callbacks still running below
    /// them (`pcall`, `table.sort`). Index `n - 1` is what Lua's `error(msg, n)` calls level
    /// `n`. It stops at the thread's first frame: a coroutine's traceback does not show who
    /// resumed it. While a sequence handles an error (an `xpcall` message handler runs), the
    /// frames that error unwound are shown above that sequence, where Lua still has them.
    ///
    /// `stack` is the callback's own stack; the functions of the frames below are read there.
    /// Nothing is recorded for this on ordinary calls; function names are worked out only when
    /// asked for (`LuaCallFrame::name`).
    pub fn call_stack(&self, stack: &Stack<'gc, '_>) -> std::vec::Vec<CallFrame<'gc>> {
        let values = stack.below();
        let mut raw = std::vec::Vec::new();
        for (index, frame) in self.frames.iter().enumerate().rev() {
            match *frame {
                Frame::Lua {
                    bottom,
                    pc,
                    is_tail,
                    ..
                } => {
                    if let Some(&Value::Function(Function::Closure(closure))) = values.get(bottom) {
                        raw.push(UnwoundFrame::Lua {
                            closure,
                            pc,
                            is_tail,
                        });
                    }
                }
                Frame::Sequence { .. } => {
                    if self.unwound.caught_by == Some(index) {
                        raw.extend(self.unwound.frames.iter().copied());
                    }
                    raw.push(UnwoundFrame::Native);
                }
                _ => {}
            }
        }
        (0..raw.len())
            .map(|i| match raw[i] {
                UnwoundFrame::Native => CallFrame::Native,
                UnwoundFrame::Lua {
                    closure,
                    pc,
                    is_tail,
                } => CallFrame::Lua(LuaCallFrame {
                    closure,
                    pc: pc.saturating_sub(1),
                    is_tail_call: is_tail,
                    caller: match raw.get(i + 1) {
                        Some(&UnwoundFrame::Lua { closure, pc, .. }) if !is_tail => {
                            Some((closure.prototype(), pc.saturating_sub(1)))
                        }
                        _ => None,
                    },
                }),
            })
            .collect()
    }
}

/// One frame of a call stack (`Execution::call_stack`).
#[derive(Clone, Copy)]
pub enum CallFrame<'gc> {
    /// A Lua function.
    Lua(LuaCallFrame<'gc>),
    /// A callback or sequence still running (`pcall`, `table.sort`): Lua's `[C]` frame.
    Native,
}

/// A Lua function on a call stack.
#[derive(Clone, Copy)]
pub struct LuaCallFrame<'gc> {
    closure: Closure<'gc>,
    /// The instruction being run: the call, or the instruction that failed.
    pc: usize,
    is_tail_call: bool,
    /// The Lua function that called this one and its call instruction, unless the call came
    /// from a callback or was a tail call.
    caller: Option<(Gc<'gc, FunctionPrototype<'gc>>, usize)>,
}

impl<'gc> LuaCallFrame<'gc> {
    /// The function running in this frame.
    pub fn closure(&self) -> Closure<'gc> {
        self.closure
    }

    /// The chunk the function was loaded from.
    pub fn chunk_name(&self) -> String<'gc> {
        self.closure.prototype().chunk_name
    }

    /// The line being run.
    pub fn current_line(&self) -> LineNumber {
        line_at(&self.closure.prototype(), self.pc)
    }

    /// Whether a tail call replaced the caller's frame with this one (Lua's traceback shows
    /// `(...tail calls...)` after it).
    pub fn is_tail_call(&self) -> bool {
        self.is_tail_call
    }

    /// The function's name as Lua 5.4's traceback gives it (`luaL_traceback`): a global
    /// holding the function first, then what the calling instruction called it, then `main
    /// chunk`, then where it was defined.
    pub fn name(&self, ctx: Context<'gc>) -> FunctionName<'gc> {
        for (key, value) in ctx.globals().iter() {
            if let (Value::String(name), Value::Function(Function::Closure(closure))) = (key, value)
            {
                if closure == self.closure {
                    return FunctionName::Global(name);
                }
            }
        }
        if let Some((what, name)) = self
            .caller
            .and_then(|(caller, pc)| called_name(&caller, pc))
        {
            return FunctionName::Called { what, name };
        }
        match self.closure.prototype().reference {
            FunctionRef::Chunk => FunctionName::MainChunk,
            FunctionRef::Named(_, line_defined) | FunctionRef::Expression(line_defined) => {
                FunctionName::Unnamed {
                    chunk_name: self.chunk_name(),
                    line_defined,
                }
            }
        }
    }
}

/// How a traceback names a function (`LuaCallFrame::name`); `Display` writes it as Lua's
/// traceback does.
#[derive(Clone)]
pub enum FunctionName<'gc> {
    /// A global holds the function: `function 'make'`.
    Global(String<'gc>),
    /// Named by its caller's call: `local 'f'`, `method 'm'`, `field 'f'`, `upvalue 'f'`,
    /// `global 'f'`, `metamethod 'index'`, `for iterator 'for iterator'`.
    Called {
        what: &'static str,
        name: std::string::String,
    },
    /// `main chunk`.
    MainChunk,
    /// `function <app:x:12>`: the chunk and the line the function was defined on.
    Unnamed {
        chunk_name: String<'gc>,
        line_defined: LineNumber,
    },
}

impl<'gc> FunctionName<'gc> {
    /// The bare name (`make`, `m`), if the function has one.
    pub fn name(&self) -> Option<std::string::String> {
        match self {
            FunctionName::Global(name) => Some(name.to_str_lossy().into_owned()),
            FunctionName::Called { name, .. } => Some(name.clone()),
            FunctionName::MainChunk | FunctionName::Unnamed { .. } => None,
        }
    }
}

impl<'gc> std::fmt::Display for FunctionName<'gc> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FunctionName::Global(name) => write!(f, "function '{}'", name.to_str_lossy()),
            FunctionName::Called { what, name } => write!(f, "{what} '{name}'"),
            FunctionName::MainChunk => write!(f, "main chunk"),
            FunctionName::Unnamed {
                chunk_name,
                line_defined,
            } => write!(f, "function <{}:{line_defined}>", chunk_name.to_str_lossy()),
        }
    }
}

/// What the instruction at `pc` of `caller` called the function it called, as Lua's
/// `funcnamefromcode` works it out.
fn called_name(
    caller: &FunctionPrototype<'_>,
    pc: usize,
) -> Option<(&'static str, std::string::String)> {
    use crate::opcode::Operation as Op;
    let metamethod = match caller.opcodes.get(pc)?.decode() {
        Op::Call { func, .. } | Op::TailCall { func, .. } => {
            return describe_register(caller, pc, func.0)
        }
        Op::GenericForCall { .. } => return Some(("for iterator", "for iterator".into())),
        Op::GetTable { .. } | Op::GetUpTable { .. } | Op::Method { .. } => "index",
        Op::SetTable { .. } | Op::SetUpTable { .. } => "newindex",
        Op::Add { .. } => "add",
        Op::Sub { .. } => "sub",
        Op::Mul { .. } => "mul",
        Op::Div { .. } => "div",
        Op::IDiv { .. } => "idiv",
        Op::Mod { .. } => "mod",
        Op::Pow { .. } => "pow",
        Op::BitAnd { .. } => "band",
        Op::BitOr { .. } => "bor",
        Op::BitXor { .. } => "bxor",
        Op::ShiftLeft { .. } => "shl",
        Op::ShiftRight { .. } => "shr",
        Op::Minus { .. } => "unm",
        Op::BitNot { .. } => "bnot",
        Op::Concat { .. } => "concat",
        Op::Length { .. } => "len",
        Op::Eq { .. } => "eq",
        Op::Less { .. } => "lt",
        Op::LessEq { .. } => "le",
        _ => return None,
    };
    Some(("metamethod", metamethod.into()))
}

/// A VM error as Lua reports it: a string error value, worded as Lua 5.4 words it
/// and prefixed with `chunk:line:` of the instruction that failed (Lua 5.4 manual
/// §4.4, `luaG_runerror`). `None` if the top frame is not Lua.
fn located_error<'gc>(
    ctx: Context<'gc>,
    frames: &[Frame<'gc>],
    stack: &[Value<'gc>],
    error: &crate::RuntimeError,
) -> Option<Error<'gc>> {
    let Some(Frame::Lua { bottom, pc, .. }) = frames.last() else {
        return None;
    };
    let Value::Function(Function::Closure(closure)) = stack.get(*bottom)? else {
        return None;
    };
    let proto = closure.prototype();
    // The failing instruction is the one before the program counter.
    let pc = pc.saturating_sub(1);
    let line = match proto
        .opcode_line_numbers
        .binary_search_by_key(&pc, |(opi, _)| *opi)
    {
        Ok(i) => proto.opcode_line_numbers[i].1,
        Err(0) => return None,
        Err(i) => proto.opcode_line_numbers[i - 1].1,
    };
    let type_error = error
        .downcast::<crate::TypeError>()
        .copied()
        .or_else(|| match error.downcast::<super::VMError>() {
            Some(super::VMError::BadType(type_error)) => Some(*type_error),
            _ => None,
        });
    let mut message = match type_error {
        Some(crate::TypeError {
            expected: "table",
            found,
        }) => {
            format!("attempt to index a {found} value")
        }
        Some(crate::TypeError {
            expected: "function",
            found,
        }) => {
            format!("attempt to call a {found} value")
        }
        Some(crate::TypeError {
            expected: "string or table",
            found,
        }) => {
            format!("attempt to get length of a {found} value")
        }
        _ => error.to_string(),
    };
    let operand = error
        .downcast::<super::vm::BinaryOperatorError>()
        .and_then(|e| e.blames_left());
    if let Some(variable) = variable_info(&proto, pc, type_error, operand) {
        message = format!("{message} ({variable})");
    }
    let text = format!("{}:{}: {message}", proto.chunk_name.to_str_lossy(), line);
    Some(Error::from_value(Value::String(String::from_slice(
        &ctx, text,
    ))))
}

/// What the failing instruction at `pc` was working on, as Lua's `varinfo` names it:
/// `local 'msg'`, `global 'x'`, `field 'y'`, `upvalue 'z'`, `method 'm'`.
fn variable_info(
    proto: &FunctionPrototype<'_>,
    pc: usize,
    type_error: Option<crate::TypeError>,
    blames_left: Option<bool>,
) -> Option<std::string::String> {
    use crate::opcode::{Operation as Op, RCIndex};
    let operation = proto.opcodes.get(pc)?.decode();
    let register = match (operation, type_error) {
        (
            Op::GetTable { table, .. } | Op::SetTable { table, .. } | Op::Method { table, .. },
            Some(crate::TypeError {
                expected: "table", ..
            }),
        ) => table,
        (
            Op::GetUpTable { table, .. } | Op::SetUpTable { table, .. },
            Some(crate::TypeError {
                expected: "table", ..
            }),
        ) => {
            let name = proto.upvalue_names.get(table.0 as usize)?;
            return Some(format!("upvalue '{}'", name.to_str_lossy()));
        }
        (
            Op::Call { func, .. } | Op::TailCall { func, .. },
            Some(crate::TypeError {
                expected: "function",
                ..
            }),
        ) => func,
        (Op::Length { source, .. }, Some(_)) => source,
        (Op::Minus { source, .. } | Op::BitNot { source, .. }, None) if blames_left.is_some() => {
            source
        }
        (
            Op::Add { left, right, .. }
            | Op::Sub { left, right, .. }
            | Op::Mul { left, right, .. }
            | Op::Div { left, right, .. }
            | Op::IDiv { left, right, .. }
            | Op::Mod { left, right, .. }
            | Op::Pow { left, right, .. }
            | Op::BitAnd { left, right, .. }
            | Op::BitOr { left, right, .. }
            | Op::BitXor { left, right, .. }
            | Op::ShiftLeft { left, right, .. }
            | Op::ShiftRight { left, right, .. },
            None,
        ) => match (blames_left?, left, right) {
            (true, RCIndex::Register(register), _) | (false, _, RCIndex::Register(register)) => {
                register
            }
            (true, RCIndex::Constant(constant), _) | (false, _, RCIndex::Constant(constant)) => {
                return match proto.constants.get(constant.0 as usize)? {
                    crate::Constant::String(s) => Some(format!("constant '{}'", s.to_str_lossy())),
                    _ => None,
                };
            }
        },
        _ => return None,
    };
    describe_register(proto, pc, register.0).map(|(what, name)| format!("{what} '{name}'"))
}

/// The name of what register `register` holds at instruction `pc`: a live local, or
/// what the instruction that last wrote it loaded (searched backwards, giving up at the
/// first jump or other instruction whose effect on the register is unclear): `("local",
/// "msg")`, `("global", "x")`.
fn describe_register(
    proto: &FunctionPrototype<'_>,
    pc: usize,
    register: u8,
) -> Option<(&'static str, std::string::String)> {
    use crate::opcode::{Operation as Op, RCIndex};
    let local_at = |pc: usize, register: u8| {
        proto
            .local_names
            .iter()
            .rev()
            .find(|local| local.register == register && local.start <= pc && pc < local.end)
            .map(|local| ("local", local.name.to_str_lossy().into_owned()))
    };
    if let Some(local) = local_at(pc, register) {
        return Some(local);
    }
    let constant_name = |key: RCIndex| match key {
        RCIndex::Constant(constant) => match proto.constants.get(constant.0 as usize)? {
            crate::Constant::String(s) => Some(s.to_str_lossy().into_owned()),
            _ => None,
        },
        RCIndex::Register(_) => None,
    };
    for index in (0..pc).rev() {
        let operation = proto.opcodes[index].decode();
        let dest = match operation {
            Op::GetUpTable { dest, table, key } if dest.0 == register => {
                let key = constant_name(key)?;
                let is_env = proto
                    .upvalue_names
                    .get(table.0 as usize)
                    .is_some_and(|name| name.as_bytes() == b"_ENV");
                let kind = if is_env { "global" } else { "field" };
                return Some((kind, key));
            }
            Op::GetTable { dest, key, .. } if dest.0 == register => {
                return Some(("field", constant_name(key)?));
            }
            Op::GetUpValue { dest, source } if dest.0 == register => {
                let name = proto.upvalue_names.get(source.0 as usize)?;
                return Some(("upvalue", name.to_str_lossy().into_owned()));
            }
            Op::Method { base, key, .. } if base.0 == register => {
                return Some(("method", constant_name(key)?));
            }
            Op::Move { dest, source } if dest.0 == register => return local_at(index, source.0),
            Op::SetTable { .. } | Op::SetUpTable { .. } | Op::SetUpValue { .. } => continue,
            // A call writes its results from its function's register up (`findsetreg`).
            Op::Call { func, .. } if register < func.0 => continue,
            Op::Move { dest, .. }
            | Op::LoadConstant { dest, .. }
            | Op::LoadBool { dest, .. }
            | Op::NewTable { dest, .. }
            | Op::GetTable { dest, .. }
            | Op::GetUpTable { dest, .. }
            | Op::Closure { dest, .. }
            | Op::Concat { dest, .. }
            | Op::GetUpValue { dest, .. }
            | Op::Length { dest, .. }
            | Op::Not { dest, .. }
            | Op::Minus { dest, .. }
            | Op::BitNot { dest, .. }
            | Op::Add { dest, .. }
            | Op::Sub { dest, .. }
            | Op::Mul { dest, .. }
            | Op::Div { dest, .. }
            | Op::IDiv { dest, .. }
            | Op::Mod { dest, .. }
            | Op::Pow { dest, .. }
            | Op::BitAnd { dest, .. }
            | Op::BitOr { dest, .. }
            | Op::BitXor { dest, .. }
            | Op::ShiftLeft { dest, .. }
            | Op::ShiftRight { dest, .. } => dest,
            _ => return None,
        };
        if dest.0 == register {
            return None;
        }
    }
    None
}

/// The source line of instruction `pc` of `proto`.
fn line_at(proto: &FunctionPrototype<'_>, pc: usize) -> LineNumber {
    let lines = &proto.opcode_line_numbers;
    match lines.binary_search_by_key(&pc, |(opi, _)| *opi) {
        Ok(i) => lines[i].1,
        Err(i) => lines[i.saturating_sub(1)].1,
    }
}

/// A call instruction in a Lua function (`Execution::lua_call_site`).
#[derive(Clone, Copy)]
pub struct LuaCallSite<'gc> {
    prototype: Gc<'gc, FunctionPrototype<'gc>>,
    pc: usize,
}

impl<'gc> LuaCallSite<'gc> {
    /// The chunk of the calling function.
    pub fn chunk_name(&self) -> String<'gc> {
        self.prototype.chunk_name
    }

    /// The line of the call.
    pub fn current_line(&self) -> LineNumber {
        line_at(&self.prototype, self.pc)
    }

    /// How the call named the function it called, as Lua's `lua_getinfo(L, "n")` does:
    /// `("method", "rep")` for `s:rep()`, `("local", "f")`, `("field", "rep")`, ...
    /// `luaL_argerror` uses it to name the function and to leave `self` out of a method's
    /// argument numbers.
    pub fn called_as(&self) -> Option<(&'static str, std::string::String)> {
        called_name(&self.prototype, self.pc)
    }
}

pub struct CurrentThread<'gc> {
    pub thread: Thread<'gc>,
    pub is_main: bool,
}

pub struct UpperLuaFrame<'gc> {
    pub chunk_name: String<'gc>,
    pub current_function: FunctionRef<String<'gc>>,
    pub current_line: LineNumber,
}
