//! The component's exports: one [`Process`] per instance.

use std::cell::RefCell;

use crate::bindings::exports::wippy::runtime::guest::Guest;
use crate::bindings::{ErrorInfo, ExitResult, StartInfo, Step};
use crate::host::{Host, WitHost};
use crate::vm::{internal, Prepared, Process};

thread_local! {
    /// The Lua state `initialize` built, until `start` binds it to the process. In a
    /// pre-initialised (snapshotted) guest it is already here when the instance starts.
    static PREPARED: RefCell<Option<Prepared>> = const { RefCell::new(None) };
    /// The process this instance runs; wasm instances are single-threaded. Boxed so
    /// that the empty cell is all zeros and sits in `.bss` beside `PREPARED` and the
    /// bindings' return area, which every process writes anyway, rather than on a
    /// page of `.data` that only this cell would copy into the process.
    static PROCESS: RefCell<Option<Box<Process>>> = const { RefCell::new(None) };
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

    fn start(info: StartInfo) -> Result<(), ErrorInfo> {
        report_panics();
        let prepared = PREPARED.take().unwrap_or_else(|| Prepared::new(WitHost));
        let process = Process::start_prepared(prepared, info)?;
        PROCESS.with_borrow_mut(|slot| *slot = Some(Box::new(process)));
        Ok(())
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

/// A panic aborts the instance; the hook tells the host why first.
fn report_panics() {
    std::panic::set_hook(Box::new(|panic| WitHost.report_panic(&panic.to_string())));
}

crate::bindings::export!(Component with_types_in crate::bindings);
