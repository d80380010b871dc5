//! Relations between entries: reference checks, dependency cycles and the
//! auto-start order (manifest.md §2.2, §3, §4.2).

use super::kinds::{Reference, Role};
use super::yaml::Problem;
use super::{Entry, Kind, LoadError};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Checks every reference's target, then that start dependencies have no cycle.
pub(crate) fn check(
    entries: &BTreeMap<String, Entry>,
    references: &BTreeMap<String, Vec<Reference>>,
) -> Result<(), LoadError> {
    for (id, entry) in entries {
        for reference in references.get(id).into_iter().flatten() {
            check_target(entries, reference)
                .map_err(|problem| LoadError::at(&entry.origin.file, problem))?;
        }
    }
    match find_cycle(entries, references) {
        Some((entry, problem)) => Err(LoadError::at(&entry.origin.file, problem)),
        None => Ok(()),
    }
}

/// Entries with `lifecycle.auto_start`, each after its dependencies, hosts first, then by ID.
/// Entries caught in a cycle (which `check` rejects) come last, by ID.
pub(crate) fn auto_start_order(entries: &BTreeMap<String, Entry>) -> Vec<&Entry> {
    let starting: BTreeMap<&str, &Entry> = entries
        .values()
        .filter(|entry| entry.kind.lifecycle().is_some_and(|l| l.auto_start))
        .map(|entry| (entry.id.as_str(), entry))
        .collect();
    // For each starting entry: how many of its dependencies have not started yet.
    let mut unstarted: HashMap<&str, usize> = HashMap::new();
    let mut dependents: HashMap<&str, Vec<&Entry>> = HashMap::new();
    for (id, entry) in &starting {
        let dependencies: Vec<&str> = start_dependencies(entry)
            .filter(|dependency| starting.contains_key(dependency) && dependency != id)
            .collect();
        unstarted.insert(id, dependencies.len());
        for dependency in dependencies {
            dependents.entry(dependency).or_default().push(entry);
        }
    }
    let mut ready: BTreeSet<(u8, &str)> = starting
        .values()
        .filter(|entry| unstarted.get(entry.id.as_str()) == Some(&0))
        .map(|entry| start_key(entry))
        .collect();
    let mut order = Vec::with_capacity(starting.len());
    while let Some((_, id)) = ready.pop_first() {
        order.extend(starting.get(id));
        for dependent in dependents.get(id).into_iter().flatten() {
            if let Some(count) = unstarted.get_mut(dependent.id.as_str()) {
                *count -= 1;
                if *count == 0 {
                    ready.insert(start_key(dependent));
                }
            }
        }
    }
    let mut stuck: Vec<(u8, &str)> = starting
        .values()
        .filter(|entry| {
            unstarted
                .get(entry.id.as_str())
                .is_some_and(|count| *count > 0)
        })
        .map(|entry| start_key(entry))
        .collect();
    stuck.sort_unstable();
    order.extend(stuck.iter().filter_map(|(_, id)| starting.get(id)));
    order
}

/// Start priority among entries free to start: hosts first, then by ID.
fn start_key(entry: &Entry) -> (u8, &str) {
    let rank = if entry.kind.is_host() { 0 } else { 1 };
    (rank, &entry.id)
}

/// IDs an entry must wait for: its `requires`, and a service's host.
fn start_dependencies(entry: &Entry) -> impl Iterator<Item = &str> {
    let requires = entry.kind.lifecycle().into_iter().flat_map(|l| &l.requires);
    let host = match &entry.kind {
        Kind::ProcessService(service) => Some(&service.host),
        _ => None,
    };
    requires.chain(host).map(String::as_str)
}

/// A reference's target must exist and, for `process`/`host`, be of the right kind.
fn check_target(entries: &BTreeMap<String, Entry>, reference: &Reference) -> Result<(), Problem> {
    let target = &reference.target;
    let expected = match reference.role {
        Role::Process => "a process.lua entry",
        Role::Host => "a process.host or terminal.host entry",
        Role::Requires => "an entry to start first",
    };
    let detail = match entries.get(target).map(|entry| &entry.kind) {
        None if reference.role == Role::Host && !target.contains(':') => format!(
            "entry '{target}' not found (expected {expected}; host IDs are used verbatim, \
             write them as namespace:name)"
        ),
        None => format!("entry '{target}' not found (expected {expected})"),
        Some(kind) if fits(reference.role, kind) => return Ok(()),
        Some(kind) => format!("'{target}' is a {}, expected {expected}", kind.name()),
    };
    Err(Problem::new(
        reference.pos,
        format!("{}: {detail}", reference.field),
    ))
}

/// Whether an entry of `kind` can be the target of a reference with `role`.
fn fits(role: Role, kind: &Kind) -> bool {
    match role {
        Role::Process => matches!(kind, Kind::ProcessLua(_)),
        Role::Host => kind.is_host(),
        Role::Requires => true,
    }
}

/// Depth-first search over start dependencies (`host` and `requires` references);
/// returns the first edge that closes a cycle, with the entry holding it. Iterative,
/// so long dependency chains cannot exhaust the stack.
fn find_cycle<'a>(
    entries: &'a BTreeMap<String, Entry>,
    references: &BTreeMap<String, Vec<Reference>>,
) -> Option<(&'a Entry, Problem)> {
    let dependency = |id: &str, index: usize| -> Option<&Reference> {
        references
            .get(id)?
            .iter()
            .filter(|reference| reference.role != Role::Process)
            .nth(index)
    };
    let mut finished: BTreeSet<&str> = BTreeSet::new();
    for start in entries.values() {
        // The current path, each step with the index of its next dependency to visit.
        let mut path: Vec<(&Entry, usize)> = vec![(start, 0)];
        while let Some((entry, next)) = path.last_mut() {
            let entry: &Entry = entry;
            if finished.contains(entry.id.as_str()) {
                path.pop();
                continue;
            }
            let Some(reference) = dependency(&entry.id, *next) else {
                finished.insert(&entry.id);
                path.pop();
                continue;
            };
            *next += 1;
            let on_path = path
                .iter()
                .position(|(step, _)| step.id == reference.target);
            if let Some(cycle_start) = on_path {
                let mut cycle: Vec<&str> = path[cycle_start..]
                    .iter()
                    .map(|(step, _)| step.id.as_str())
                    .collect();
                cycle.push(&reference.target);
                let message = format!(
                    "{}: dependency cycle {}",
                    reference.field,
                    cycle.join(" -> ")
                );
                return Some((entry, Problem::new(reference.pos, message)));
            }
            if let Some(target) = entries.get(&reference.target) {
                path.push((target, 0));
            }
        }
    }
    None
}
