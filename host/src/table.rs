//! The process table: every live process, its mailbox and its relationships.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use tokio::sync::Notify;
use tokio::task::AbortHandle;

use crate::bindings::{ErrorInfo, ExitResult};
use crate::mailbox::Mailbox;
use crate::pid::Pid;

/// Who is related to a process.
#[derive(Default)]
pub struct Relations {
    /// Processes that get an EXIT event when this one ends.
    pub monitors: HashSet<Pid>,
    /// Processes linked with this one, both ways.
    pub links: HashSet<Pid>,
}

/// One live process as the rest of the runtime sees it.
pub struct ProcessHandle {
    /// Its PID.
    pub pid: Pid,
    /// The PID as Lua sees it, rendered once.
    pub pid_text: String,
    /// The entry it runs (`app:relay`).
    pub entry_id: String,
    /// Whether it runs on a `terminal.host` (and may use the terminal).
    pub on_terminal: bool,
    /// Command-line arguments (`io.args()`), for the `-x` process.
    pub args: Vec<String>,
    /// Its mailbox.
    pub mailbox: Mailbox,
    relations: Mutex<Relations>,
    /// Set when the process must stop at once (`process.terminate`, shutdown).
    kill: Mutex<Option<ErrorInfo>>,
    killed: Notify,
    timers: Mutex<HashMap<u64, AbortHandle>>,
    /// How it ended, once it has: the hook through which host-side code (a
    /// service's supervisor, shutdown) learns a process's exit result.
    exit: Mutex<Option<ExitResult>>,
    ended: Notify,
    /// Watched by a service supervisor, which reports its failures itself.
    supervised: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl ProcessHandle {
    /// A handle for a process about to start.
    pub fn new(
        pid: Pid,
        entry_id: String,
        on_terminal: bool,
        args: Vec<String>,
        mailbox: Mailbox,
    ) -> Self {
        ProcessHandle {
            pid_text: pid.to_string(),
            pid,
            entry_id,
            on_terminal,
            args,
            mailbox,
            relations: Mutex::default(),
            kill: Mutex::default(),
            killed: Notify::new(),
            timers: Mutex::default(),
            exit: Mutex::default(),
            ended: Notify::new(),
            supervised: AtomicBool::new(false),
        }
    }

    /// Marks the process as watched by a service supervisor (set before it runs).
    pub fn mark_supervised(&self) {
        self.supervised.store(true, Ordering::Relaxed);
    }

    /// Whether a service supervisor watches the process.
    pub fn is_supervised(&self) -> bool {
        self.supervised.load(Ordering::Relaxed)
    }

    /// Records how the process ended and wakes everyone in [`Self::wait_exit`].
    pub fn record_exit(&self, exit: ExitResult) {
        *lock(&self.exit) = Some(exit);
        self.ended.notify_waiters();
    }

    /// Waits until the process has ended and returns its exit result.
    pub async fn wait_exit(&self) -> ExitResult {
        loop {
            // Registered before the check, so a `record_exit` in between still wakes it.
            let ended = self.ended.notified();
            if let Some(exit) = lock(&self.exit).clone() {
                return exit;
            }
            ended.await;
        }
    }

    /// Its monitors and links.
    pub fn relations(&self) -> MutexGuard<'_, Relations> {
        lock(&self.relations)
    }

    /// Asks the process to stop at once with `error`; the first request wins.
    pub fn kill(&self, error: ErrorInfo) {
        let mut kill = lock(&self.kill);
        if kill.is_none() {
            *kill = Some(error);
            self.killed.notify_one();
        }
    }

    /// The error the process was killed with, if it was.
    pub fn kill_reason(&self) -> Option<ErrorInfo> {
        lock(&self.kill).clone()
    }

    /// Waits until the process is killed.
    pub async fn wait_killed(&self) {
        loop {
            let notified = self.killed.notified();
            if lock(&self.kill).is_some() {
                return;
            }
            notified.await;
        }
    }

    /// Remembers a running timer so it can be cancelled, or dropped with the process.
    pub fn add_timer(&self, id: u64, timer: AbortHandle) {
        if let Some(previous) = lock(&self.timers).insert(id, timer) {
            previous.abort();
        }
    }

    /// How many timers are armed and have not fired.
    pub fn pending_timers(&self) -> usize {
        lock(&self.timers).len()
    }

    /// Forgets a timer that fired.
    pub fn timer_fired(&self, id: u64) {
        lock(&self.timers).remove(&id);
    }

    /// Stops a timer; `true` if it had not fired yet.
    pub fn cancel_timer(&self, id: u64) -> bool {
        match lock(&self.timers).remove(&id) {
            Some(timer) => {
                timer.abort();
                true
            }
            None => false,
        }
    }

    /// Stops every timer (the process ended).
    pub fn cancel_all_timers(&self) {
        for (_, timer) in lock(&self.timers).drain() {
            timer.abort();
        }
    }
}

/// Every live process by counter value.
#[derive(Default)]
pub struct ProcessTable {
    processes: Mutex<HashMap<u64, std::sync::Arc<ProcessHandle>>>,
}

impl ProcessTable {
    /// Adds a process.
    pub fn insert(&self, process: std::sync::Arc<ProcessHandle>) {
        lock(&self.processes).insert(process.pid.uid, process);
    }

    /// The live process with `pid`.
    pub fn get(&self, pid: &Pid) -> Option<std::sync::Arc<ProcessHandle>> {
        lock(&self.processes)
            .get(&pid.uid)
            .filter(|process| process.pid.host == pid.host)
            .cloned()
    }

    /// Removes a process that ended.
    pub fn remove(&self, pid: &Pid) -> Option<std::sync::Arc<ProcessHandle>> {
        lock(&self.processes).remove(&pid.uid)
    }

    /// Every live process.
    pub fn all(&self) -> Vec<std::sync::Arc<ProcessHandle>> {
        lock(&self.processes).values().cloned().collect()
    }

    /// How many processes are alive.
    pub fn len(&self) -> usize {
        lock(&self.processes).len()
    }

    /// Whether no process is alive.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
