//! Processes with a fuel limit run on an engine of their own (fuel accounting slows
//! every other process down): it is compiled only when such a process first starts,
//! and both kinds of process count towards one process limit.

mod common;

use common::{index_with, lua_entry, spawning_parent, Project, TWO_OF_FOUR_SPAWNED};

const SLEEPER: &str =
    "local time = require('time') return { main = function() time.sleep('1h') end }";

#[test]
fn processes_with_and_without_fuel_share_one_process_limit() {
    let parent = spawning_parent(&[
        "app:metered",
        "app:unmetered",
        "app:metered",
        "app:unmetered",
    ]);
    let index = index_with(&format!(
        "{}{}{}",
        lua_entry("parent", "parent.lua", ""),
        lua_entry("unmetered", "sleeper.lua", ""),
        lua_entry("metered", "sleeper.lua", "    limits: {fuel: 100000000}\n")
    ));
    let project = Project::new(&[
        ("_index.yaml", &index),
        ("parent.lua", &parent),
        ("sleeper.lua", SLEEPER),
    ]);
    let run = project.run(&["run", "--max-processes", "3", "-x", "app:parent"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, TWO_OF_FOUR_SPAWNED);
}

#[test]
fn the_engine_with_fuel_is_compiled_only_when_a_limit_asks_for_it() {
    let cache = tempfile::tempdir().unwrap();
    let spin = "return { main = function() while true do end end }";
    let plain = index_with(&lua_entry("spin", "spin.lua", ""));
    let with_budget = index_with(&format!(
        "{}{}",
        lua_entry("spin", "spin.lua", ""),
        lua_entry("metered", "spin.lua", "    limits: {fuel: 100000000}\n")
    ));
    // The guest engines a run loaded or compiled, its exit code and last line.
    let run = |index: &str, args: &[&str]| {
        let project = Project::new(&[("_index.yaml", index), ("spin.lua", spin)]);
        let output = std::process::Command::new(common::BINARY)
            .args(["run", "-v"])
            .args(args)
            .args(["-x", "app:spin"])
            .current_dir(project.path())
            .env("WIPPY_WASM_CACHE_DIR", cache.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let engines: Vec<String> = stderr
            .lines()
            .filter(|line| line.contains("guest "))
            .map(|line| {
                let origin = if line.contains("guest loaded from cache") {
                    "cached"
                } else {
                    "compiled"
                };
                let fuel = line.contains("\"fuel\": true");
                format!("{origin} fuel={fuel}")
            })
            .collect();
        let outcome = stderr
            .lines()
            .find(|line| !line.starts_with("20"))
            .unwrap_or_default()
            .to_string();
        (engines, output.status.code(), outcome)
    };

    assert_eq!(
        run(&plain, &["--timeout", "200ms"]),
        (
            vec!["compiled fuel=false".to_string()],
            Some(1),
            "timeout after 200ms".to_string()
        )
    );
    // A default budget applies to every process: only the engine with fuel.
    assert_eq!(
        run(&plain, &["--fuel", "5000000"]),
        (
            vec!["compiled fuel=true".to_string()],
            Some(1),
            "fuel exhausted".to_string()
        )
    );
    // An entry with a budget of its own: both, the unlimited process on the other.
    assert_eq!(
        run(&with_budget, &["--timeout", "200ms"]),
        (
            vec![
                "cached fuel=false".to_string(),
                "cached fuel=true".to_string()
            ],
            Some(1),
            "timeout after 200ms".to_string()
        )
    );
}
