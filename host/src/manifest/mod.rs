//! Project manifest: `wippy.lock`, the definition files under the source root, and
//! the typed entries they declare (spec: manifest.md §1–5).
//!
//! Unlike upstream Wippy, which logs a warning and drops a broken file, every
//! problem here is a [`LoadError`] naming the file, line and column of the
//! offending node and what was expected; the runtime refuses to start.
//!
//! Rules worth knowing when reading the code:
//! - Files are scanned depth-first with each directory's entries in byte order of
//!   their names (Go's `filepath.WalkDir` order); a later duplicate ID replaces an
//!   earlier one. `node_modules` directories and symlinked directories are skipped.
//! - Field paths in messages are dotted with 0-based list indexes
//!   (`lifecycle.requires[1]`); entries are counted from 1 (`entry 2`).
//! - `null`, absent and zero values mean "use the default", as for Go's decoder.

mod entries;
mod fields;
mod graph;
mod kinds;
mod lock;
mod source;
mod yaml;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use kinds::{parse_size, KNOWN_MODULES};
pub use lock::{write_lock, LOCK_FILE};

/// All entries of a project, keyed by ID (`namespace:name`).
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Whether `wippy.lock` existed; without it the registry is empty.
    pub lock_found: bool,
    /// The scanned source root (canonical when the lock was found).
    pub src_root: PathBuf,
    /// Every entry by ID.
    pub entries: BTreeMap<String, Entry>,
}

/// One registry entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `namespace:name`.
    pub id: String,
    /// The defining file's namespace.
    pub namespace: String,
    /// The entry's name within its namespace.
    pub name: String,
    /// Kind and kind-specific settings.
    pub kind: Kind,
    /// File-level meta merged with the entry's own (entry keys win).
    pub meta: serde_yaml::Mapping,
    /// Where the entry was defined.
    pub origin: Origin,
}

/// Where an entry was defined: project-relative file and 1-based line/column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// File path relative to the project directory, e.g. `src/_index.yaml`.
    pub file: PathBuf,
    /// 1-based line of the entry.
    pub line: usize,
    /// 1-based column of the entry.
    pub column: usize,
}

/// An entry's kind with its decoded settings.
#[derive(Debug, Clone)]
pub enum Kind {
    /// `process.host`: runs processes.
    ProcessHost(ProcessHost),
    /// `terminal.host`: runs processes attached to the real terminal.
    TerminalHost(TerminalHost),
    /// `process.lua`: a process definition.
    ProcessLua(ProcessLua),
    /// `process.service`: a supervised instance of a `process.lua`.
    ProcessService(ProcessService),
    /// Any other kind (`function.lua`, `library.lua`, ...), kept unvalidated.
    Other(String),
}

/// Settings of a `process.host` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessHost {
    /// Parallel schedulers (default: number of CPUs).
    pub workers: usize,
    /// Global run-queue capacity (default 1024).
    pub queue_size: usize,
    /// Per-worker queue capacity (default 256).
    pub local_queue_size: usize,
    /// Supervision settings.
    pub lifecycle: Lifecycle,
}

/// Settings of a `terminal.host` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct TerminalHost {
    /// Route logs to the event bus instead of the console while a process runs.
    pub hide_logs: bool,
    /// Supervision settings.
    pub lifecycle: Lifecycle,
}

/// Settings of a `process.lua` entry.
///
/// Besides the upstream fields (`source`, `method`, `modules`, `meta.command`),
/// wippy-wasm reads a sandbox block, all of it optional:
///
/// ```yaml
/// limits:
///   memory: 64MiB   # or integer bytes; units B, KiB, MiB, GiB, KB, MB, GB
///   fuel: 1000000   # positive integer: wasm fuel budget
///   timeout: 30s    # positive Go duration: wall-clock limit of one process
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessLua {
    /// Lua source text (a `file://` reference already replaced by the file's text).
    pub source: String,
    /// Project-relative path of the file `source` came from, for diagnostics.
    pub source_path: Option<PathBuf>,
    /// Name of the exported function to run (default `main`).
    pub method: String,
    /// Modules installed as globals before the chunk runs.
    pub modules: Vec<String>,
    /// wippy-wasm sandbox limits.
    pub limits: Limits,
    /// CLI command registered through `meta.command`.
    pub command: Option<Command>,
}

/// A named CLI command (`wippy-wasm run <name>`) from `meta.command`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Command name.
    pub name: String,
    /// One-line description.
    pub short: Option<String>,
    /// `meta.command.main` flag.
    pub main: bool,
}

/// wippy-wasm sandbox limits of a `process.lua` (`None` = runtime default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limits {
    /// Linear-memory limit in bytes.
    pub memory: Option<u64>,
    /// Fuel budget.
    pub fuel: Option<u64>,
    /// Wall-clock limit.
    pub timeout: Option<Duration>,
}

/// Settings of a `process.service` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessService {
    /// Full ID of the `process.lua` to run.
    pub process: String,
    /// ID of the host to run it on, verbatim.
    pub host: String,
    /// Positional arguments of `main`.
    pub input: Vec<serde_yaml::Value>,
    /// Supervision settings.
    pub lifecycle: Lifecycle,
}

/// The `lifecycle` block of hosts and services (manifest.md §4).
#[derive(Debug, Clone, PartialEq)]
pub struct Lifecycle {
    /// Start at boot.
    pub auto_start: bool,
    /// Budget for a start.
    pub start_timeout: Duration,
    /// Budget for a graceful stop.
    pub stop_timeout: Duration,
    /// Running this long resets the retry counter.
    pub stable_threshold: Duration,
    /// Full IDs of entries to start first (`requires` then legacy `depends_on`).
    pub requires: Vec<String>,
    /// `startup: required` (true, default) or `optional`.
    pub startup_required: bool,
    /// Restart backoff.
    pub restart: RestartPolicy,
}

impl Default for Lifecycle {
    /// The upstream defaults: no auto start, 10s/10s/5s, required startup.
    fn default() -> Lifecycle {
        Lifecycle {
            auto_start: false,
            start_timeout: Duration::from_secs(10),
            stop_timeout: Duration::from_secs(10),
            stable_threshold: Duration::from_secs(5),
            requires: Vec::new(),
            startup_required: true,
            restart: RestartPolicy::default(),
        }
    }
}

/// Restart backoff of a supervised entry.
#[derive(Debug, Clone, PartialEq)]
pub struct RestartPolicy {
    /// First retry delay.
    pub initial_delay: Duration,
    /// Delay cap.
    pub max_delay: Duration,
    /// Multiplier per attempt.
    pub backoff_factor: f64,
    /// ± fraction of randomisation.
    pub jitter: f64,
    /// Total start attempts allowed; 0 = unlimited.
    pub max_attempts: u32,
}

impl Default for RestartPolicy {
    /// The upstream defaults: 1s doubling up to 90s, 10% jitter, unlimited attempts.
    fn default() -> RestartPolicy {
        RestartPolicy {
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(90),
            backoff_factor: 2.0,
            jitter: 0.1,
            max_attempts: 0,
        }
    }
}

/// Why a project failed to load: file, 1-based position and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// File path relative to the project directory where possible.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

impl LoadError {
    /// An error about `file` at a position found while decoding it.
    fn at(file: &Path, problem: yaml::Problem) -> LoadError {
        LoadError {
            file: file.to_path_buf(),
            line: problem.pos.line,
            column: problem.pos.column,
            message: problem.message,
        }
    }
}

impl fmt::Display for LoadError {
    /// `file:line:column: message`.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

impl std::error::Error for LoadError {}

impl Kind {
    /// The kind string as written in YAML (`process.lua`, ...).
    pub fn name(&self) -> &str {
        match self {
            Kind::ProcessHost(_) => "process.host",
            Kind::TerminalHost(_) => "terminal.host",
            Kind::ProcessLua(_) => "process.lua",
            Kind::ProcessService(_) => "process.service",
            Kind::Other(name) => name,
        }
    }

    /// The lifecycle block of hosts and services.
    pub fn lifecycle(&self) -> Option<&Lifecycle> {
        match self {
            Kind::ProcessHost(host) => Some(&host.lifecycle),
            Kind::TerminalHost(host) => Some(&host.lifecycle),
            Kind::ProcessService(service) => Some(&service.lifecycle),
            Kind::ProcessLua(_) | Kind::Other(_) => None,
        }
    }

    /// True for `process.host` and `terminal.host`.
    pub fn is_host(&self) -> bool {
        matches!(self, Kind::ProcessHost(_) | Kind::TerminalHost(_))
    }
}

impl Manifest {
    /// The entry with this full ID.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.get(id)
    }

    /// All `terminal.host` entries, by ID.
    pub fn terminal_hosts(&self) -> Vec<&Entry> {
        self.entries_where(|kind| matches!(kind, Kind::TerminalHost(_)))
    }

    /// All `process.host` entries, by ID.
    pub fn process_hosts(&self) -> Vec<&Entry> {
        self.entries_where(|kind| matches!(kind, Kind::ProcessHost(_)))
    }

    /// The `process.lua` entry whose `meta.command.name` is `name` (first by ID).
    pub fn command(&self, name: &str) -> Option<&Entry> {
        self.entries.values().find(|entry| match &entry.kind {
            Kind::ProcessLua(lua) => lua.command.as_ref().is_some_and(|c| c.name == name),
            _ => false,
        })
    }

    /// Entries with `lifecycle.auto_start`, dependencies first (hosts before services,
    /// `requires` respected), otherwise by ID. `load_project` rejects cycles.
    pub fn auto_start_order(&self) -> Vec<&Entry> {
        graph::auto_start_order(&self.entries)
    }

    /// Entries whose kind matches, by ID.
    fn entries_where(&self, wanted: impl Fn(&Kind) -> bool) -> Vec<&Entry> {
        self.entries
            .values()
            .filter(|entry| wanted(&entry.kind))
            .collect()
    }
}

/// Splits an entry ID at the first `:` into trimmed, non-empty namespace and name.
pub fn parse_entry_id(id: &str) -> Option<(&str, &str)> {
    let (namespace, name) = id.split_once(':')?;
    let (namespace, name) = (namespace.trim(), name.trim());
    (!namespace.is_empty() && !name.is_empty()).then_some((namespace, name))
}

/// Loads the project in `dir`: `wippy.lock`, then every definition file under the source root.
///
/// A missing lock gives an empty manifest with `lock_found == false`.
pub fn load_project(dir: &Path) -> Result<Manifest, LoadError> {
    let Some(lock) = lock::read(dir)? else {
        return Ok(Manifest {
            lock_found: false,
            src_root: dir.join(lock::DEFAULT_SRC_DIR),
            entries: BTreeMap::new(),
        });
    };
    let root = source::SourceRoot::open(dir, &lock)?;
    let mut registry = entries::Registry::default();
    for relative in root.definition_files()? {
        registry.load_file(&root, &relative)?;
    }
    let entries = registry.finish()?;
    Ok(Manifest {
        lock_found: true,
        src_root: root.real_root().to_path_buf(),
        entries,
    })
}

#[cfg(test)]
mod tests;
