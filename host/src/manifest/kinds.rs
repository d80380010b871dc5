//! Decoding the four core kinds, the `lifecycle` block and wippy-wasm's `limits`
//! (manifest.md §3–4).

use super::fields::{Field, Section};
use super::yaml::{Pos, Problem};
use super::{
    parse_entry_id, Command, Kind, Lifecycle, Limits, ProcessHost, ProcessLua, ProcessService,
    RestartPolicy, TerminalHost,
};
use std::path::PathBuf;
use std::time::Duration;

/// Module names a `process.lua` may list in `modules:`.
pub const KNOWN_MODULES: &[&str] = &[
    "time",
    "io",
    "logger",
    "json",
    "process",
    "channel",
    "errors",
    "payload",
    "coroutine",
    "string",
    "table",
    "math",
    "os",
];

/// The internal host that services must not be placed on.
const CONTROL_HOST: &str = "node:control";

/// Queue sizes of a `process.host` when not configured.
const DEFAULT_QUEUE_SIZE: u64 = 1024;
const DEFAULT_LOCAL_QUEUE_SIZE: u64 = 256;

/// A reference from one entry to another, checked once all files are loaded.
#[derive(Debug, Clone)]
pub(crate) struct Reference {
    /// Field path for messages (`process`, `host`, `lifecycle.requires[0]`).
    pub field: String,
    /// Full ID of the referenced entry.
    pub target: String,
    /// What the referenced entry must be.
    pub role: Role,
    /// Position of the referring value.
    pub pos: Pos,
}

/// What a reference expects at its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// `process.service.process`: a `process.lua`.
    Process,
    /// `process.service.host`: a `process.host` or `terminal.host`; also a start dependency.
    Host,
    /// `lifecycle.requires`: any entry; a start dependency.
    Requires,
}

/// What decoding an entry's kind needs besides its data.
pub(crate) struct EntryContext<'a> {
    /// Namespace that completes bare names.
    pub namespace: &'a str,
    /// Project-relative path of the file behind `source`, if it was a `file://` reference.
    pub source_path: Option<PathBuf>,
}

/// Decodes `data` (and, for commands, `meta`) according to `kind`.
pub(crate) fn decode(
    kind: &str,
    data: &Section,
    meta: &Section,
    context: EntryContext,
) -> Result<(Kind, Vec<Reference>), Problem> {
    let mut references = Vec::new();
    let kind = match kind {
        "process.host" => Kind::ProcessHost(process_host(data, &context, &mut references)?),
        "terminal.host" => Kind::TerminalHost(terminal_host(data, &context, &mut references)?),
        "process.lua" => Kind::ProcessLua(process_lua(data, meta, context)?),
        "process.service" => {
            Kind::ProcessService(process_service(data, &context, &mut references)?)
        }
        other => Kind::Other(other.to_owned()),
    };
    Ok((kind, references))
}

/// `process.host`: sizing hints and lifecycle.
fn process_host(
    data: &Section,
    context: &EntryContext,
    references: &mut Vec<Reference>,
) -> Result<ProcessHost, Problem> {
    let host = data.section("host")?;
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    Ok(ProcessHost {
        workers: size_field(&host, "workers", cpus as u64)?,
        queue_size: size_field(&host, "queue_size", DEFAULT_QUEUE_SIZE)?,
        local_queue_size: size_field(&host, "local_queue_size", DEFAULT_LOCAL_QUEUE_SIZE)?,
        lifecycle: lifecycle(data, context, references)?,
    })
}

/// A positive `usize` sizing field; absent or zero gives `default`.
fn size_field(section: &Section, key: &str, default: u64) -> Result<usize, Problem> {
    let value = section.count_or(key, default)?;
    // Only a 32-bit target can overflow here; the sizes are hints, so saturate.
    Ok(usize::try_from(value).unwrap_or(usize::MAX))
}

/// `terminal.host`: `hide_logs` and lifecycle.
fn terminal_host(
    data: &Section,
    context: &EntryContext,
    references: &mut Vec<Reference>,
) -> Result<TerminalHost, Problem> {
    Ok(TerminalHost {
        hide_logs: data.bool_or("hide_logs", false)?,
        lifecycle: lifecycle(data, context, references)?,
    })
}

/// `process.lua`: source, method, modules, limits and `meta.command`. Its `lifecycle` is ignored.
fn process_lua(
    data: &Section,
    meta: &Section,
    context: EntryContext,
) -> Result<ProcessLua, Problem> {
    let source = data.get("source").ok_or_else(|| {
        Problem::new(
            data.pos(),
            "process.lua entry has no 'source' (expected Lua code or a file:// reference)",
        )
    })?;
    let method = match data.get("method") {
        Some(method) => method.string()?,
        None => "",
    };
    Ok(ProcessLua {
        source: source.string()?.to_owned(),
        source_path: context.source_path,
        method: if method.is_empty() { "main" } else { method }.to_owned(),
        modules: modules(data)?,
        limits: limits(&data.section("limits")?)?,
        command: command(meta)?,
    })
}

/// `modules:`: known module names only.
fn modules(data: &Section) -> Result<Vec<String>, Problem> {
    data.list("modules")?
        .iter()
        .map(|item| {
            let name = item.non_empty_string()?;
            if KNOWN_MODULES.contains(&name) {
                Ok(name.to_owned())
            } else {
                Err(Problem::new(
                    item.node.pos,
                    format!(
                        "unknown module '{name}' (expected one of: {})",
                        KNOWN_MODULES.join(", ")
                    ),
                ))
            }
        })
        .collect()
}

/// `meta.command`: a named CLI command.
fn command(meta: &Section) -> Result<Option<Command>, Problem> {
    let Some(field) = meta.get("command") else {
        return Ok(None);
    };
    let command = field.section()?;
    let name = command.get("name").ok_or_else(|| {
        Problem::new(
            command.pos(),
            "meta.command has no 'name' (expected a non-empty string)",
        )
    })?;
    let short = match command.get("short") {
        Some(short) => Some(short.string()?.to_owned()),
        None => None,
    };
    Ok(Some(Command {
        name: name.non_empty_string()?.to_owned(),
        short,
        main: command.bool_or("main", false)?,
    }))
}

/// wippy-wasm's `limits:` block.
fn limits(section: &Section) -> Result<Limits, Problem> {
    let positive = |field: Field| match field.count()? {
        0 => Err(field.mismatch("a positive integer")),
        value => Ok(value),
    };
    Ok(Limits {
        memory: section.get("memory").map(|f| memory_size(&f)).transpose()?,
        fuel: section.get("fuel").map(positive).transpose()?,
        timeout: section
            .get("timeout")
            .map(|field| match field.duration()? {
                Duration::ZERO => Err(field.mismatch("a positive duration")),
                value => Ok(value),
            })
            .transpose()?,
    })
}

/// Byte multipliers of memory sizes.
const SIZE_UNITS: &[(&str, u64)] = &[
    ("B", 1),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("KB", 1_000),
    ("MB", 1_000_000),
    ("GB", 1_000_000_000),
];

/// What a memory size accepts, for messages.
const SIZE_EXPECTED: &str =
    "a size such as \"64MiB\" (units B, KiB, MiB, GiB, KB, MB, GB) or a positive integer of bytes";

/// A memory size: integer bytes or `<integer><unit>`, positive.
fn memory_size(field: &Field) -> Result<u64, Problem> {
    let bytes = match field.node.as_str() {
        Some(text) => parse_size(text),
        None => field.count().ok(),
    };
    bytes
        .filter(|bytes| *bytes > 0)
        .ok_or_else(|| field.mismatch(SIZE_EXPECTED))
}

/// Parses a memory size into bytes: `64MiB`, `512 KB`, or bare digits meaning bytes.
pub fn parse_size(text: &str) -> Option<u64> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_end);
    let multiplier = match unit.trim_start() {
        "" => 1,
        unit => SIZE_UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, multiplier)| *multiplier)?,
    };
    digits.parse::<u64>().ok()?.checked_mul(multiplier)
}

/// `process.service`: process, host, input and lifecycle.
fn process_service(
    data: &Section,
    context: &EntryContext,
    references: &mut Vec<Reference>,
) -> Result<ProcessService, Problem> {
    let missing = |field: &str, expected: &str| {
        Problem::new(
            data.pos(),
            format!("process.service entry has no '{field}' (expected {expected})"),
        )
    };
    let process_field = data
        .get("process")
        .ok_or_else(|| missing("process", "the ID of a process.lua entry"))?;
    let process = entry_id(&process_field, context.namespace)?;
    let host_field = data
        .get("host")
        .ok_or_else(|| missing("host", "the ID of a process.host or terminal.host entry"))?;
    let host = host_field.non_empty_string()?.to_owned();
    if host == CONTROL_HOST {
        return Err(host_field.problem(
            "node:control is internal to the runtime; name a process.host or terminal.host",
        ));
    }
    references.push(reference(&process_field, &process, Role::Process));
    references.push(reference(&host_field, &host, Role::Host));
    Ok(ProcessService {
        process,
        host,
        input: data
            .list("input")?
            .iter()
            .map(|item| item.node.to_value())
            .collect(),
        lifecycle: lifecycle(data, context, references)?,
    })
}

/// The `lifecycle` block; its `requires` become references.
fn lifecycle(
    data: &Section,
    context: &EntryContext,
    references: &mut Vec<Reference>,
) -> Result<Lifecycle, Problem> {
    let section = data.section("lifecycle")?;
    let defaults = Lifecycle::default();
    let mut requires = Vec::new();
    for key in ["requires", "depends_on"] {
        for item in section.list(key)? {
            let id = entry_id(&item, context.namespace)?;
            references.push(reference(&item, &id, Role::Requires));
            requires.push(id);
        }
    }
    Ok(Lifecycle {
        auto_start: section.bool_or("auto_start", defaults.auto_start)?,
        start_timeout: section.duration_or("start_timeout", defaults.start_timeout)?,
        stop_timeout: section.duration_or("stop_timeout", defaults.stop_timeout)?,
        stable_threshold: section.duration_or("stable_threshold", defaults.stable_threshold)?,
        requires,
        startup_required: startup_required(&section)?,
        restart: restart(&section.section("restart")?)?,
    })
}

/// `startup: required | optional`.
fn startup_required(section: &Section) -> Result<bool, Problem> {
    let Some(field) = section.get("startup") else {
        return Ok(true);
    };
    match field.node.as_str() {
        Some("required" | "") => Ok(true),
        Some("optional") => Ok(false),
        _ => Err(field.mismatch("\"required\" or \"optional\"")),
    }
}

/// `lifecycle.restart`.
fn restart(section: &Section) -> Result<RestartPolicy, Problem> {
    let defaults = RestartPolicy::default();
    let max_attempts = match section.get("max_attempts") {
        None => defaults.max_attempts,
        Some(field) => u32::try_from(field.count()?)
            .map_err(|_| field.mismatch("an integer up to 4294967295"))?,
    };
    Ok(RestartPolicy {
        initial_delay: section.duration_or("initial_delay", defaults.initial_delay)?,
        max_delay: section.duration_or("max_delay", defaults.max_delay)?,
        backoff_factor: positive_number_or(
            section,
            "backoff_factor",
            defaults.backoff_factor,
            None,
        )?,
        jitter: positive_number_or(section, "jitter", defaults.jitter, Some(1.0))?,
        max_attempts,
    })
}

/// A positive number, at most `max` if given; absent or zero gives `default`.
fn positive_number_or(
    section: &Section,
    key: &str,
    default: f64,
    max: Option<f64>,
) -> Result<f64, Problem> {
    let Some(field) = section.get(key) else {
        return Ok(default);
    };
    let value = field.number()?;
    if value == 0.0 {
        return Ok(default);
    }
    if value > 0.0 && max.is_none_or(|max| value <= max) {
        return Ok(value);
    }
    Err(match max {
        Some(max) => field.mismatch(&format!("a number between 0 and {max}")),
        None => field.mismatch("a positive number"),
    })
}

/// An entry ID field: `ns:name`, or a bare name completed with `namespace`.
fn entry_id(field: &Field, namespace: &str) -> Result<String, Problem> {
    let text = field.non_empty_string()?;
    if !text.contains(':') {
        return Ok(format!("{namespace}:{}", text.trim()));
    }
    parse_entry_id(text)
        .map(|(namespace, name)| format!("{namespace}:{name}"))
        .ok_or_else(|| field.mismatch("an entry ID such as \"app:name\""))
}

/// Records a reference made by `field`.
fn reference(field: &Field, target: &str, role: Role) -> Reference {
    Reference {
        field: field.path.clone(),
        target: target.to_owned(),
        role,
        pos: field.node.pos,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::yaml::{parse, Content, Node};

    fn decoded(kind: &str, text: &str) -> Result<(Kind, Vec<Reference>), Problem> {
        let root: Node = parse(text).expect("valid YAML");
        let pairs = match &root.content {
            Content::Mapping(pairs) => pairs.clone(),
            _ => Vec::new(),
        };
        let meta_pairs = match root.get("meta").map(|m| &m.content) {
            Some(Content::Mapping(pairs)) => pairs.clone(),
            _ => Vec::new(),
        };
        let data = Section::new("", root.pos, &pairs);
        let meta = Section::new("meta", root.pos, &meta_pairs);
        let context = EntryContext {
            namespace: "app",
            source_path: None,
        };
        decode(kind, &data, &meta, context)
    }

    fn message(kind: &str, text: &str) -> String {
        decoded(kind, text).unwrap_err().message
    }

    #[test]
    fn process_host_defaults_and_sizes() {
        let (kind, _) = decoded("process.host", "lifecycle: {auto_start: true}\n").unwrap();
        let Kind::ProcessHost(host) = kind else {
            panic!()
        };
        assert!(host.workers >= 1);
        assert_eq!((host.queue_size, host.local_queue_size), (1024, 256));
        assert!(host.lifecycle.auto_start);
        let (kind, _) = decoded("process.host", "host: {workers: 3, queue_size: 0}\n").unwrap();
        let Kind::ProcessHost(host) = kind else {
            panic!()
        };
        assert_eq!((host.workers, host.queue_size), (3, 1024));
        assert_eq!(
            message("process.host", "host:\n  workers: -2\n"),
            "host.workers: expected a non-negative integer, found integer -2"
        );
        assert_eq!(
            message("process.host", "host: 4\n"),
            "host: expected a mapping, found integer 4"
        );
    }

    #[test]
    fn terminal_host_hide_logs() {
        let (kind, _) = decoded("terminal.host", "hide_logs: true\n").unwrap();
        let Kind::TerminalHost(host) = kind else {
            panic!()
        };
        assert!(host.hide_logs);
        assert_eq!(
            message("terminal.host", "hide_logs: 1\n"),
            "hide_logs: expected a boolean, found integer 1"
        );
    }

    #[test]
    fn process_lua_fields() {
        let text = "source: return {}\nmodules: [time, io]\nlimits: {memory: 64MiB, fuel: 1000, timeout: 30s}\nmeta:\n  command: {name: hello, short: Says hi}\nlifecycle: {auto_start: maybe}\n";
        let (kind, references) = decoded("process.lua", text).unwrap();
        let Kind::ProcessLua(lua) = kind else {
            panic!()
        };
        assert_eq!(lua.method, "main");
        assert_eq!(lua.modules, ["time", "io"]);
        assert_eq!(
            lua.limits,
            Limits {
                memory: Some(64 << 20),
                fuel: Some(1000),
                timeout: Some(Duration::from_secs(30)),
            }
        );
        assert_eq!(
            lua.command,
            Some(Command {
                name: "hello".into(),
                short: Some("Says hi".into()),
                main: false
            })
        );
        assert!(references.is_empty());
    }

    #[test]
    fn process_lua_errors() {
        assert_eq!(
            message("process.lua", "method: run\n"),
            "process.lua entry has no 'source' (expected Lua code or a file:// reference)"
        );
        assert_eq!(
            message("process.lua", "source: x\nmodules: io\n"),
            "modules: expected a list, found string \"io\""
        );
        assert_eq!(
            message("process.lua", "source: x\nmodules: [time, tim]\n"),
            "unknown module 'tim' (expected one of: time, io, logger, json, process, channel, errors, payload, coroutine, string, table, math, os)"
        );
        assert_eq!(
            message("process.lua", "source: x\nmeta: {command: {short: x}}\n"),
            "meta.command has no 'name' (expected a non-empty string)"
        );
        assert!(message("process.lua", "source: x\nlimits: {memory: 64M}\n")
            .starts_with("limits.memory: expected a size such as \"64MiB\""));
        assert_eq!(
            message("process.lua", "source: x\nlimits: {fuel: 0}\n"),
            "limits.fuel: expected a positive integer, found integer 0"
        );
        assert_eq!(
            message("process.lua", "source: x\nlimits: {timeout: 0s}\n"),
            "limits.timeout: expected a positive duration, found string \"0s\""
        );
    }

    #[test]
    fn memory_sizes() {
        assert_eq!(parse_size("64MiB"), Some(64 << 20));
        assert_eq!(parse_size("1 GiB"), Some(1 << 30));
        assert_eq!(parse_size("5KB"), Some(5_000));
        assert_eq!(parse_size("12B"), Some(12));
        assert_eq!(parse_size("64"), Some(64));
        assert_eq!(parse_size(""), None);
        assert_eq!(parse_size("MiB"), None);
        assert_eq!(parse_size("1.5MiB"), None);
        assert_eq!(parse_size("99999999999GiB"), None);
    }

    #[test]
    fn process_service_references() {
        let text = "process: relay\nhost: app:processes\ninput: [1, two]\nlifecycle:\n  auto_start: true\n  requires: [db, other:cache]\n  depends_on: [old]\n  restart: {max_attempts: 3, jitter: 0.5}\n";
        let (kind, references) = decoded("process.service", text).unwrap();
        let Kind::ProcessService(service) = kind else {
            panic!()
        };
        assert_eq!(service.process, "app:relay");
        assert_eq!(service.host, "app:processes");
        assert_eq!(service.input.len(), 2);
        assert_eq!(
            service.lifecycle.requires,
            ["app:db", "other:cache", "app:old"]
        );
        assert_eq!(service.lifecycle.restart.max_attempts, 3);
        assert_eq!(service.lifecycle.restart.jitter, 0.5);
        assert_eq!(service.lifecycle.restart.backoff_factor, 2.0);
        let roles: Vec<(String, Role)> = references
            .iter()
            .map(|r| (r.field.clone(), r.role))
            .collect();
        assert_eq!(
            roles,
            [
                ("process".to_owned(), Role::Process),
                ("host".to_owned(), Role::Host),
                ("lifecycle.requires[0]".to_owned(), Role::Requires),
                ("lifecycle.requires[1]".to_owned(), Role::Requires),
                ("lifecycle.depends_on[0]".to_owned(), Role::Requires),
            ]
        );
    }

    #[test]
    fn process_service_errors() {
        assert_eq!(
            message("process.service", "host: app:h\n"),
            "process.service entry has no 'process' (expected the ID of a process.lua entry)"
        );
        assert_eq!(
            message("process.service", "process: p\nhost: node:control\n"),
            "host: node:control is internal to the runtime; name a process.host or terminal.host"
        );
        assert_eq!(
            message("process.service", "process: \"app:\"\nhost: a:h\n"),
            "process: expected an entry ID such as \"app:name\", found string \"app:\""
        );
        assert_eq!(
            message("process.service", "process: p\nhost: a:h\ninput: x\n"),
            "input: expected a list, found string \"x\""
        );
    }

    #[test]
    fn lifecycle_errors() {
        let service = |lifecycle: &str| {
            message(
                "process.service",
                &format!("process: p\nhost: a:h\nlifecycle: {lifecycle}\n"),
            )
        };
        assert_eq!(
            service("{auto_start: \"yes\"}"),
            "lifecycle.auto_start: expected a boolean, found string \"yes\""
        );
        assert_eq!(
            service("{stop_timeout: 1d}"),
            "lifecycle.stop_timeout: time: unknown unit \"d\" in duration \"1d\""
        );
        assert_eq!(
            service("{startup: later}"),
            "lifecycle.startup: expected \"required\" or \"optional\", found string \"later\""
        );
        assert_eq!(
            service("{restart: {jitter: 2}}"),
            "lifecycle.restart.jitter: expected a number between 0 and 1, found integer 2"
        );
        assert_eq!(
            service("{restart: {backoff_factor: -1}}"),
            "lifecycle.restart.backoff_factor: expected a positive number, found integer -1"
        );
        assert_eq!(
            service("{restart: {max_attempts: 5000000000}}"),
            "lifecycle.restart.max_attempts: expected an integer up to 4294967295, found integer 5000000000"
        );
        assert_eq!(
            service("{requires: [5]}"),
            "lifecycle.requires[0]: expected a non-empty string, found integer 5"
        );
    }

    #[test]
    fn other_kinds_are_kept_unvalidated() {
        let (kind, references) = decoded("function.lua", "source: 5\nmodules: nope\n").unwrap();
        assert_eq!(kind.name(), "function.lua");
        assert!(references.is_empty());
    }
}
