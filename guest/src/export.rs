//! The component's exports: one [`Process`] per instance.

use std::cell::RefCell;

use crate::bindings::exports::wippy::runtime::guest::{Guest, StartStep};
use crate::bindings::{ErrorInfo, ExitResult, StartInfo, Step};
use crate::host::{Host, WitHost};
use crate::vm::{internal, Prepared, Process, Starting};

thread_local! {
    /// The Lua state `initialize` built, until `start` binds it to the process. In a
    /// pre-initialised (snapshotted) guest it is already here when the instance starts.
    static PREPARED: RefCell<Option<Prepared>> = const { RefCell::new(None) };
    /// The process this instance runs; wasm instances are single-threaded. Boxed so
    /// that the empty cell is all zeros and sits in `.bss` beside `PREPARED` and the
    /// bindings' return area, which every process writes anyway, rather than on a
    /// page of `.data` that only this cell would copy into the process.
    static PROCESS: RefCell<Option<Box<Process>>> = const { RefCell::new(None) };
    /// The process while its chunk's top level runs, between `start` and the
    /// `resume-start` that ends it; boxed for the same reason.
    static STARTING: RefCell<Option<Box<Starting>>> = const { RefCell::new(None) };
}

struct Component;

impl Guest for Component {
    fn initialize() {
        report_panics();
        PREPARED.with_borrow_mut(|slot| {
            if slot.is_none() {
                let mut prepared = Prepared::new(WitHost);
                crate::allocator::seal();
                prepared.relocate_process_writes();
                *slot = Some(prepared);
            }
        });
    }

    fn start(info: StartInfo, budget: u32) -> Result<StartStep, ErrorInfo> {
        // The hook `initialize` set is in the snapshot; setting it again would copy
        // its page of the snapshot into every process.
        let prepared = PREPARED.take().unwrap_or_else(|| {
            report_panics();
            Prepared::new(WitHost)
        });
        advance(Box::new(Starting::new(prepared, info)?), budget)
    }

    fn resume_start(budget: u32) -> Result<StartStep, ErrorInfo> {
        let starting = STARTING
            .take()
            .ok_or_else(|| internal("resume-start called without a top level running".into()))?;
        advance(starting, budget)
    }

    fn run(budget: u32) -> Step {
        PROCESS
            .with_borrow_mut(|slot| slot.as_mut().map(|process| process.run(budget)))
            .unwrap_or_else(|| {
                Step::Finished(ExitResult::Failure(internal(
                    "run called before start".into(),
                )))
            })
    }
}

/// Runs `starting`'s top level for `budget` VM steps; keeps it for `resume-start`
/// if that was not enough.
fn advance(mut starting: Box<Starting>, budget: u32) -> Result<StartStep, ErrorInfo> {
    if !starting.run_top_level(budget)? {
        STARTING.with_borrow_mut(|slot| *slot = Some(starting));
        return Ok(StartStep::Running);
    }
    let process = starting.finish()?;
    PROCESS.with_borrow_mut(|slot| *slot = Some(Box::new(process)));
    Ok(StartStep::Started)
}

/// A panic aborts the instance; the hook tells the host why first.
fn report_panics() {
    std::panic::set_hook(Box::new(|panic| WitHost.report_panic(&panic.to_string())));
}

crate::bindings::export!(Component with_types_in crate::bindings);
