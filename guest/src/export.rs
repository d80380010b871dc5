//! The component's exports: one [`Process`] per instance.

use std::cell::RefCell;

use crate::bindings::exports::wippy::runtime::guest::Guest;
use crate::bindings::{ErrorInfo, ExitResult, StartInfo, Step};
use crate::host::{Host, WitHost};
use crate::vm::{internal, Process};

thread_local! {
    /// The process this instance runs; wasm instances are single-threaded.
    static PROCESS: RefCell<Option<Process>> = const { RefCell::new(None) };
}

struct Component;

impl Guest for Component {
    fn start(info: StartInfo) -> Result<(), ErrorInfo> {
        // A panic aborts the instance; tell the host why first.
        std::panic::set_hook(Box::new(|panic| WitHost.report_panic(&panic.to_string())));
        let process = Process::start(Box::new(WitHost), info)?;
        PROCESS.with_borrow_mut(|slot| *slot = Some(process));
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

crate::bindings::export!(Component with_types_in crate::bindings);
