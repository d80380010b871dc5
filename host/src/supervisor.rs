//! Supervision (manifest.md §4): boot starts every `auto_start` host and service,
//! dependencies first; each `process.service` gets a supervisor task that restarts
//! its child per the restart policy (§4.1); shutdown stops the services in reverse
//! dependency order, then every process left on the hosts (§4.2).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::bindings::{CancelEvent, ErrorInfo, ExitResult, Level, Signal, SpawnOptions};
use crate::logging::{field, Field};
use crate::manifest::{Kind, ProcessService, RestartPolicy};
use crate::payload;
use crate::runtime::{unix_now, HostKind, Runtime, SpawnRequest};
use crate::sandbox::{format_duration, SLICE_LIMIT};
use crate::table::ProcessHandle;

/// The internal host that owns each service start attempt's PID (process.md §1).
const CONTROL_HOST: &str = "node:control";

/// The whole shutdown after SIGINT/SIGTERM (manifest.md §4.2).
pub const SHUTDOWN_BUDGET: Duration = Duration::from_secs(30);

/// The whole shutdown once the `-x` process has ended. Its result is already
/// known, so a service that ignores CANCEL must not hold the command's exit for
/// its full `stop_timeout` (10 s by default, as upstream would): a command-line
/// user expects the prompt back at once. Services that do react to CANCEL get
/// this long to clean up; the rest are force-stopped (echo-service.md §5).
pub const EXEC_SHUTDOWN_BUDGET: Duration = Duration::from_secs(1);

/// How long a force-stopped process may take to notice: a guest step in progress
/// runs to its slice limit at most.
const FORCE_STOP_GRACE: Duration = SLICE_LIMIT.saturating_add(Duration::from_secs(1));

/// `from` of the runtime's own CANCEL events: the empty PID (process.md §7).
const SHUTDOWN_SENDER: &str = "{|}";

/// Started hosts and supervised services, in boot order.
pub struct Supervisor {
    runtime: Arc<Runtime>,
    hosts: Vec<String>,
    services: Vec<Service>,
    /// Set when shutdown begins: from then on no service restarts.
    shutting_down: watch::Sender<bool>,
}

/// A service's supervisor task, and how to stop it.
struct Service {
    id: String,
    requires: Vec<String>,
    /// Sends the shutdown deadline.
    stop: oneshot::Sender<Instant>,
    task: JoinHandle<()>,
}

/// One start attempt's running child.
struct Child {
    /// The attempt's `{node:control|…}` PID: the `from` of the CANCEL that stops it.
    control: String,
    process: Arc<ProcessHandle>,
}

impl Supervisor {
    /// Starts hosts, then services, in dependency order. A service counts as
    /// running once its child's top level has run, so its dependents start after.
    pub fn boot(runtime: &Arc<Runtime>) -> Supervisor {
        let mut supervisor = Supervisor {
            runtime: runtime.clone(),
            hosts: Vec::new(),
            services: Vec::new(),
            shutting_down: watch::Sender::new(false),
        };
        for entry in runtime.manifest.auto_start_order() {
            match &entry.kind {
                Kind::ProcessHost(_) => supervisor.start_host(&entry.id, HostKind::Process),
                Kind::TerminalHost(_) => supervisor.start_host(&entry.id, HostKind::Terminal),
                Kind::ProcessService(service) => {
                    let first = start_attempt(runtime, &entry.id, service);
                    let (stop, stopped) = oneshot::channel();
                    let task = tokio::spawn(supervise(
                        runtime.clone(),
                        entry.id.clone(),
                        service.clone(),
                        first,
                        stopped,
                        supervisor.shutting_down.subscribe(),
                    ));
                    supervisor.services.push(Service {
                        id: entry.id.clone(),
                        requires: service.lifecycle.requires.clone(),
                        stop,
                        task,
                    });
                }
                _ => {}
            }
        }
        supervisor
    }

    fn start_host(&mut self, id: &str, kind: HostKind) {
        self.runtime.start_host(id, kind);
        self.hosts.push(id.to_string());
    }

    /// Stops everything within `budget`: services in reverse dependency order
    /// (each gets a CANCEL and its `stop_timeout`), then the processes left on each
    /// host (a CANCEL and the host's `stop_timeout`); stragglers are force-stopped
    /// with `context canceled`.
    pub async fn shutdown(self, budget: Duration) {
        let deadline = Instant::now() + budget;
        self.shutting_down.send_replace(true);
        let services = self.services.into_iter().map(|service| {
            let stop = async move {
                let _ = service.stop.send(deadline);
                let _ = service.task.await;
            };
            (service.id, service.requires, stop)
        });
        stop_dependents_first(services.collect()).await;
        let hosts = self.hosts.iter().map(|host| {
            let requires = self
                .runtime
                .manifest
                .get(host)
                .and_then(|entry| entry.kind.lifecycle())
                .map(|lifecycle| lifecycle.requires.clone())
                .unwrap_or_default();
            let runtime = self.runtime.clone();
            let id = host.clone();
            let stop = async move { stop_host(&runtime, &id, deadline).await };
            (host.clone(), requires, stop)
        });
        stop_dependents_first(hosts.collect()).await;
        // Catches any process spawned while the hosts were stopping.
        self.runtime.kill_all(&context_canceled());
        let _ = tokio::time::timeout(FORCE_STOP_GRACE, self.runtime.wait_idle()).await;
    }
}

/// Runs each `(id, requires, stop)`'s `stop` once every item that requires it has
/// stopped, so dependents always stop first and independent items stop
/// concurrently: services, then hosts (two hosts whose processes ignore CANCEL wait
/// out their `stop_timeout`s together, not one after the other).
async fn stop_dependents_first<F>(items: Vec<(String, Vec<String>, F)>)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let channels: Vec<(watch::Sender<bool>, watch::Receiver<bool>)> =
        items.iter().map(|_| watch::channel(false)).collect();
    let waits: Vec<Vec<watch::Receiver<bool>>> = items
        .iter()
        .map(|(id, _, _)| {
            items
                .iter()
                .zip(&channels)
                .filter(|((_, requires, _), _)| requires.contains(id))
                .map(|(_, (_, stopped))| stopped.clone())
                .collect()
        })
        .collect();
    let tasks: Vec<JoinHandle<()>> = items
        .into_iter()
        .zip(waits)
        .zip(&channels)
        .map(|(((_, _, stop), dependents), (done, _))| {
            let done = done.clone();
            tokio::spawn(async move {
                for mut dependent in dependents {
                    let _ = dependent.wait_for(|stopped| *stopped).await;
                }
                stop.await;
                done.send_replace(true);
            })
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
}

/// Sends every process on `host` a CANCEL, waits up to the host's `stop_timeout`
/// (within `deadline`), then force-stops the rest.
async fn stop_host(runtime: &Runtime, host: &str, deadline: Instant) {
    let on_host = || -> Vec<Arc<ProcessHandle>> {
        let mut processes = runtime.processes.all();
        processes.retain(|process| process.pid.host == host);
        processes
    };
    let processes = on_host();
    let stop_timeout = runtime
        .manifest
        .get(host)
        .and_then(|entry| entry.kind.lifecycle())
        .map_or(Duration::ZERO, |lifecycle| lifecycle.stop_timeout);
    for process in &processes {
        runtime.deliver(
            process,
            Signal::Cancel(CancelEvent {
                from: SHUTDOWN_SENDER.into(),
                at: unix_now(),
                reason: "scheduler shutdown".into(),
            }),
        );
    }
    let own_deadline = deadline.min(Instant::now() + stop_timeout);
    let _ = tokio::time::timeout_at(own_deadline.into(), async {
        for process in &processes {
            process.wait_exit().await;
        }
    })
    .await;
    let stragglers = on_host();
    for process in &stragglers {
        process.kill(context_canceled());
    }
    let _ = tokio::time::timeout(FORCE_STOP_GRACE, async {
        for process in &stragglers {
            process.wait_exit().await;
        }
    })
    .await;
    runtime.log.write(
        Level::Info,
        None,
        "host stopped",
        &[
            field("host", host),
            ("force_stopped".into(), stragglers.len().to_string()),
        ],
    );
}

/// Runs one service: watches its child, restarts it per the policy, and stops it
/// when shutdown sends the deadline; once shutdown has begun a failed child is not
/// restarted. Returns once the service is Exited, has given up, or has stopped.
async fn supervise(
    runtime: Arc<Runtime>,
    id: String,
    service: ProcessService,
    mut child: Option<Child>,
    mut stop: oneshot::Receiver<Instant>,
    mut shutting_down: watch::Receiver<bool>,
) {
    let lifecycle = &service.lifecycle;
    let policy = &lifecycle.restart;
    let mut failures: u32 = 0;
    while let Some(running) = child.take() {
        let started = Instant::now();
        let exit = tokio::select! {
            biased;
            deadline = &mut stop => {
                // A dropped sender (no orderly shutdown) leaves no grace period.
                let deadline = deadline.unwrap_or_else(|_| Instant::now());
                let deadline = deadline.min(Instant::now() + lifecycle.stop_timeout);
                stop_child(&runtime, &id, &running, deadline).await;
                return;
            }
            exit = running.process.wait_exit() => exit,
        };
        let killed = running.process.kill_reason().is_some();
        let error = match exit {
            ExitResult::Value(_) => {
                log(&runtime, Level::Info, "service exited", &id, &running, &[]);
                return;
            }
            ExitResult::Failure(error) if !restarts_after(&error, killed) => {
                let fields = [field("error", &error.message)];
                log(
                    &runtime,
                    Level::Warn,
                    "service exited",
                    &id,
                    &running,
                    &fields,
                );
                return;
            }
            ExitResult::Failure(error) => error,
        };
        failures = if started.elapsed() >= lifecycle.stable_threshold {
            1
        } else {
            failures.saturating_add(1)
        };
        let fields = [
            field("error", &error.message),
            ("attempt".into(), failures.to_string()),
        ];
        log(
            &runtime,
            Level::Error,
            "service failed",
            &id,
            &running,
            &fields,
        );
        if *shutting_down.borrow() {
            return;
        }
        if policy.max_attempts > 0 && failures >= policy.max_attempts {
            runtime.log.write(
                Level::Error,
                None,
                "service gave up",
                &[
                    field("service", &id),
                    ("attempts".into(), failures.to_string()),
                ],
            );
            return;
        }
        let delay = retry_delay(
            policy,
            failures,
            rand::random_range(-policy.jitter..=policy.jitter),
        );
        runtime.log.write(
            Level::Warn,
            None,
            "service restarting",
            &[
                field("service", &id),
                field("delay", &format_duration(round_to_millis(delay))),
            ],
        );
        tokio::select! {
            biased;
            _ = shutting_down.wait_for(|down| *down) => return,
            () = tokio::time::sleep(delay) => {}
        }
        child = start_attempt(&runtime, &id, &service);
    }
}

/// One start attempt: mints the attempt's control PID, then spawns the child. A
/// failed spawn is final: start errors are not retried (manifest.md §4.1).
fn start_attempt(runtime: &Arc<Runtime>, id: &str, service: &ProcessService) -> Option<Child> {
    let control = runtime.pids.mint(CONTROL_HOST).to_string();
    let request = SpawnRequest {
        entry: service.process.clone(),
        host: service.host.clone(),
        args: service.input.iter().map(payload::from_yaml).collect(),
        cli_args: Vec::new(),
        parent: None,
        options: SpawnOptions::empty(),
    };
    match runtime.spawn_supervised(request) {
        Ok(process) => {
            let child = Child { control, process };
            log(runtime, Level::Info, "service started", id, &child, &[]);
            Some(child)
        }
        Err(error) => {
            runtime.log.write(
                Level::Error,
                None,
                "service failed to start",
                &[field("service", id), field("error", &error.message)],
            );
            None
        }
    }
}

/// Sends the child a CANCEL from the attempt's control PID and waits until
/// `deadline`; a child still running then is force-stopped.
async fn stop_child(runtime: &Runtime, id: &str, child: &Child, deadline: Instant) {
    log(runtime, Level::Info, "service stopping", id, child, &[]);
    runtime.deliver(
        &child.process,
        Signal::Cancel(CancelEvent {
            from: child.control.clone(),
            at: unix_now(),
            reason: "service stopping".into(),
        }),
    );
    let ended = tokio::time::timeout_at(deadline.into(), child.process.wait_exit()).await;
    if ended.is_ok() {
        log(runtime, Level::Info, "service stopped", id, child, &[]);
        return;
    }
    child.process.kill(context_canceled());
    let _ = tokio::time::timeout(FORCE_STOP_GRACE, child.process.wait_exit()).await;
    log(
        runtime,
        Level::Warn,
        "service force-stopped",
        id,
        child,
        &[],
    );
}

/// Whether a failed run is restarted (manifest.md §4.1, process.md §8): every error
/// is, except one the process itself marked non-retryable (`return nil, "msg"`,
/// `errors.new{retryable = false}`). A process the runtime killed (terminated)
/// is restarted whatever its error says.
fn restarts_after(error: &ErrorInfo, killed: bool) -> bool {
    killed || error.retryable != Some(false)
}

/// The wait before retry `failures` (1 for the first):
/// `min(initial_delay × factor^(failures−1), max_delay)`, scaled by
/// `1 + jitter_fraction` (drawn from ±`jitter`).
fn retry_delay(policy: &RestartPolicy, failures: u32, jitter_fraction: f64) -> Duration {
    let exponent = i32::try_from(failures.saturating_sub(1)).unwrap_or(i32::MAX);
    let grown = policy.initial_delay.as_secs_f64() * policy.backoff_factor.powi(exponent);
    let capped = grown.min(policy.max_delay.as_secs_f64());
    Duration::try_from_secs_f64(capped * (1.0 + jitter_fraction)).unwrap_or(policy.max_delay)
}

/// `delay` to whole milliseconds, for log lines.
fn round_to_millis(delay: Duration) -> Duration {
    Duration::from_millis(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX))
}

/// The error of a process force-stopped at shutdown (process.md §8).
fn context_canceled() -> ErrorInfo {
    ErrorInfo::new("Canceled", "context canceled")
}

/// A log line about a service's child: `service` and `pid` first, then `extra`.
fn log(runtime: &Runtime, level: Level, message: &str, id: &str, child: &Child, extra: &[Field]) {
    let mut fields = vec![field("service", id), field("pid", &child.process.pid_text)];
    fields.extend_from_slice(extra);
    runtime.log.write(level, None, message, &fields);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(initial_ms: u64, max_ms: u64, factor: f64) -> RestartPolicy {
        RestartPolicy {
            initial_delay: Duration::from_millis(initial_ms),
            max_delay: Duration::from_millis(max_ms),
            backoff_factor: factor,
            jitter: 0.1,
            max_attempts: 0,
        }
    }

    #[test]
    fn retry_delays_grow_by_the_factor_up_to_the_cap() {
        let policy = policy(1000, 90_000, 2.0);
        let delays: Vec<u128> = (1..=9)
            .map(|n| retry_delay(&policy, n, 0.0).as_millis())
            .collect();
        assert_eq!(
            delays,
            [1000, 2000, 4000, 8000, 16000, 32000, 64000, 90000, 90000]
        );
        assert_eq!(
            retry_delay(&policy, u32::MAX, 0.0),
            Duration::from_secs(90),
            "a huge exponent saturates at the cap"
        );
    }

    #[test]
    fn jitter_scales_the_delay_both_ways() {
        let policy = policy(1000, 90_000, 2.0);
        assert_eq!(retry_delay(&policy, 1, 0.1).as_millis(), 1100);
        assert_eq!(retry_delay(&policy, 1, -0.1).as_millis(), 900);
        assert_eq!(retry_delay(&policy, 8, 0.1).as_millis(), 99_000);
    }

    #[test]
    fn only_errors_the_process_marked_non_retryable_stop_restarts() {
        let error = |retryable| ErrorInfo {
            kind: "Internal".into(),
            message: "x".into(),
            retryable,
        };
        assert!(restarts_after(&error(None), false));
        assert!(restarts_after(&error(Some(true)), false));
        assert!(!restarts_after(&error(Some(false)), false));
        assert!(restarts_after(&error(Some(false)), true));
    }
}
