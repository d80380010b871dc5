//! Loader tests over real project directories.

use super::*;
use std::fs;

const LOCK: &str = "directories:\n  modules: .wippy\n  src: ./src\n";

/// A project directory holding `wippy.lock` and the given files (paths relative to it).
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join(LOCK_FILE), LOCK).expect("lock");
    fs::create_dir_all(dir.path().join("src")).expect("src");
    for (path, text) in files {
        let full = dir.path().join(path);
        fs::create_dir_all(full.parent().expect("parent")).expect("dirs");
        fs::write(full, text).expect("file");
    }
    dir
}

fn load(files: &[(&str, &str)]) -> Result<Manifest, LoadError> {
    let dir = project(files);
    load_project(dir.path())
}

/// The Display text of the load error for a single `src/_index.yaml`.
fn index_error(index: &str) -> String {
    load_error(&[("src/_index.yaml", index)])
}

fn load_error(files: &[(&str, &str)]) -> String {
    match load(files) {
        Ok(manifest) => panic!("expected an error, loaded {:?}", manifest.entries.keys()),
        Err(err) => err.to_string(),
    }
}

fn loaded(files: &[(&str, &str)]) -> Manifest {
    load(files).unwrap_or_else(|err| panic!("unexpected error: {err}"))
}

const ECHO: &str = "\
namespace: app
meta:
  owner: team-a
entries:
  - name: terminal
    kind: terminal.host
    lifecycle:
      auto_start: true
  - name: processes
    kind: process.host
    host:
      workers: 2
    lifecycle:
      auto_start: true
  - name: cli
    kind: process.lua
    meta:
      owner: me
      command:
        name: echo
    source: file://cli.lua
    modules: [io, time]
  - name: relay
    kind: process.lua
    source: return { main = function() end }
  - name: relay-service
    kind: process.service
    process: relay
    host: app:processes
    input: [file://greeting.txt]
    lifecycle:
      auto_start: true
      requires: [processes]
";

#[test]
fn loads_the_echo_tutorial_layout() {
    let manifest = loaded(&[
        ("src/_index.yaml", ECHO),
        ("src/cli.lua", "return { main = function() end }"),
        ("src/greeting.txt", "hello"),
    ]);
    assert!(manifest.lock_found);
    let ids: Vec<&str> = manifest.entries.keys().map(String::as_str).collect();
    assert_eq!(
        ids,
        [
            "app:cli",
            "app:processes",
            "app:relay",
            "app:relay-service",
            "app:terminal"
        ]
    );
    let Some(Kind::ProcessLua(cli)) = manifest.get("app:cli").map(|e| &e.kind) else {
        panic!("cli is not a process.lua")
    };
    assert_eq!(cli.source, "return { main = function() end }");
    assert_eq!(cli.source_path, Some(PathBuf::from("src/cli.lua")));
    assert_eq!(cli.modules, ["io", "time"]);
    assert_eq!(
        manifest.command("echo").map(|e| e.id.as_str()),
        Some("app:cli")
    );
    let cli_entry = &manifest.entries["app:cli"];
    assert_eq!(cli_entry.meta.get("owner"), Some(&"me".into()));
    assert_eq!(
        cli_entry.origin,
        Origin {
            file: PathBuf::from("src/_index.yaml"),
            line: 15,
            column: 5
        }
    );
    let relay = &manifest.entries["app:relay"];
    assert_eq!(relay.meta.get("owner"), Some(&"team-a".into()));
    let Kind::ProcessService(service) = &manifest.entries["app:relay-service"].kind else {
        panic!("not a service")
    };
    assert_eq!(service.process, "app:relay");
    assert_eq!(service.input, [serde_yaml::Value::from("hello")]);
    assert_eq!(manifest.terminal_hosts().len(), 1);
    assert_eq!(manifest.process_hosts().len(), 1);
    let order: Vec<&str> = manifest
        .auto_start_order()
        .iter()
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(
        order,
        ["app:processes", "app:terminal", "app:relay-service"]
    );
}

#[test]
fn missing_lock_gives_an_empty_manifest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = load_project(dir.path()).expect("loads");
    assert!(!manifest.lock_found);
    assert!(manifest.entries.is_empty());
}

#[test]
fn missing_source_directory_names_the_lock() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join(LOCK_FILE), LOCK).expect("lock");
    let err = load_project(dir.path()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "wippy.lock:3:8: directories.src: source directory \"./src\" does not exist"
    );
}

#[test]
fn files_without_namespace_are_ignored() {
    let manifest = loaded(&[
        ("src/package.json", "{\"name\": \"x\", \"kind\": 5}"),
        ("src/list.yaml", "- a\n- b\n"),
        ("src/empty.yaml", ""),
        ("src/blank.yaml", "namespace: \"\"\nentries: 5\n"),
    ]);
    assert!(manifest.entries.is_empty());
}

#[test]
fn single_entry_files_and_explicit_data() {
    let manifest = loaded(&[
        ("src/a.yaml", "namespace: app\nname: worker\nkind: process.lua\nsource: return 1\nmethod: run\n"),
        (
            "src/b.yaml",
            "namespace: app\nentries:\n  - name: other\n    kind: process.lua\n    source: ignored\n    data:\n      source: return 2\n",
        ),
    ]);
    let Kind::ProcessLua(worker) = &manifest.entries["app:worker"].kind else {
        panic!()
    };
    assert_eq!(
        (worker.source.as_str(), worker.method.as_str()),
        ("return 1", "run")
    );
    let Kind::ProcessLua(other) = &manifest.entries["app:other"].kind else {
        panic!()
    };
    assert_eq!(other.source, "return 2");
}

#[test]
fn later_files_win_on_duplicate_ids() {
    let entry =
        |source: &str| format!("namespace: app\nname: w\nkind: process.lua\nsource: {source}\n");
    let manifest = loaded(&[
        ("src/a.yaml", &entry("first")),
        ("src/b/x.yaml", &entry("second")),
    ]);
    let Kind::ProcessLua(lua) = &manifest.entries["app:w"].kind else {
        panic!()
    };
    assert_eq!(lua.source, "second");
    assert_eq!(
        manifest.entries["app:w"].origin.file,
        PathBuf::from("src/b/x.yaml")
    );
}

#[test]
fn json_definitions_load_with_positions() {
    let json = "{\n  \"namespace\": \"app\",\n  \"entries\": [\n    {\"name\": \"h\", \"kind\": \"terminal.host\", \"hide_logs\": \"no\"}\n  ]\n}\n";
    assert_eq!(
        load_error(&[("src/defs.json", json)]),
        "src/defs.json:4:57: hide_logs: expected a boolean, found string \"no\""
    );
}

#[test]
fn yaml_syntax_error() {
    assert_eq!(
        index_error("namespace: app\nentries:\n  - name: a\n   kind: b\n"),
        "src/_index.yaml:4:4: invalid YAML: did not find expected '-' indicator, while parsing a block collection at line 3 column 3"
    );
}

#[test]
fn namespace_without_entries() {
    assert_eq!(
        index_error("namespace: app\n"),
        "src/_index.yaml:1:12: namespace 'app' is set but the file has neither an 'entries' list nor a top-level 'name' and 'kind'"
    );
}

#[test]
fn entries_not_a_list() {
    assert_eq!(
        index_error("namespace: app\nentries:\n  name: a\n"),
        "src/_index.yaml:3:3: entries: expected a list of entries, found a mapping"
    );
}

#[test]
fn entry_without_name() {
    assert_eq!(
        index_error("namespace: app\nentries:\n  - name: a\n    kind: process.lua\n    source: x\n  - kind: process.lua\n    source: y\n"),
        "src/_index.yaml:6:5: entry 2 has no 'name' (expected a non-empty string)"
    );
}

#[test]
fn entry_without_kind() {
    assert_eq!(
        index_error("namespace: app\nentries:\n  - name: a\n"),
        "src/_index.yaml:3:5: entry 1 has no 'kind' (expected a non-empty string)"
    );
}

#[test]
fn entry_with_non_string_name() {
    assert_eq!(
        index_error("namespace: app\nentries:\n  - name: 42\n    kind: process.lua\n"),
        "src/_index.yaml:3:11: name: expected a non-empty string, found integer 42"
    );
}

#[test]
fn wrong_field_type() {
    assert_eq!(
        index_error("namespace: app\nentries:\n  - name: t\n    kind: terminal.host\n    lifecycle:\n      auto_start: \"yes\"\n"),
        "src/_index.yaml:6:19: lifecycle.auto_start: expected a boolean, found string \"yes\""
    );
}

#[test]
fn modules_not_a_list() {
    assert_eq!(
        index_error("namespace: app\nentries:\n  - name: w\n    kind: process.lua\n    source: x\n    modules: io\n"),
        "src/_index.yaml:6:14: modules: expected a list, found string \"io\""
    );
}

#[test]
fn bad_duration() {
    assert_eq!(
        index_error("namespace: app\nentries:\n  - name: t\n    kind: terminal.host\n    lifecycle:\n      stop_timeout: 1d\n"),
        "src/_index.yaml:6:21: lifecycle.stop_timeout: time: unknown unit \"d\" in duration \"1d\""
    );
}

#[test]
fn bad_memory_size() {
    assert_eq!(
        index_error("namespace: app\nentries:\n  - name: w\n    kind: process.lua\n    source: x\n    limits:\n      memory: 64M\n"),
        "src/_index.yaml:7:15: limits.memory: expected a size such as \"64MiB\" (units B, KiB, MiB, GiB, KB, MB, GB) or a positive integer of bytes, found string \"64M\""
    );
}

#[test]
fn unknown_module() {
    assert_eq!(
        index_error("namespace: app\nentries:\n  - name: w\n    kind: process.lua\n    source: x\n    modules:\n      - time\n      - tim\n"),
        "src/_index.yaml:8:9: unknown module 'tim' (expected one of: time, io, logger, json, process, channel, errors, payload, coroutine, string, table, math, os)"
    );
}

#[test]
fn missing_file_reference() {
    assert_eq!(
        index_error("namespace: app\nentries:\n  - name: w\n    kind: process.lua\n    source: file://missing.lua\n"),
        "src/_index.yaml:5:13: file://missing.lua: file not found (src/missing.lua)"
    );
}

#[test]
fn file_reference_escaping_the_root() {
    let error = load_error(&[
        ("src/_index.yaml", "namespace: app\nentries:\n  - name: w\n    kind: process.lua\n    source: file://../secret.lua\n"),
        ("secret.lua", "return 1"),
    ]);
    assert_eq!(
        error,
        "src/_index.yaml:5:13: file://../secret.lua: path escapes the source root"
    );
}

#[test]
fn file_references_in_nested_data_of_any_kind() {
    assert_eq!(
        index_error("namespace: app\nentries:\n  - name: f\n    kind: function.lua\n    pool:\n      scripts: [file://gone.lua]\n"),
        "src/_index.yaml:6:17: file://gone.lua: file not found (src/gone.lua)"
    );
}

#[test]
fn service_with_missing_process() {
    assert_eq!(
        index_error("namespace: app\nentries:\n  - name: h\n    kind: process.host\n  - name: s\n    kind: process.service\n    process: nope\n    host: app:h\n"),
        "src/_index.yaml:7:14: process: entry 'app:nope' not found (expected a process.lua entry)"
    );
}

#[test]
fn service_with_wrong_host_kind() {
    assert_eq!(
        index_error("namespace: app\nentries:\n  - name: w\n    kind: process.lua\n    source: x\n  - name: s\n    kind: process.service\n    process: w\n    host: app:w\n"),
        "src/_index.yaml:9:11: host: 'app:w' is a process.lua, expected a process.host or terminal.host entry"
    );
}

#[test]
fn service_with_bare_host_name() {
    assert_eq!(
        index_error("namespace: app\nentries:\n  - name: w\n    kind: process.lua\n    source: x\n  - name: s\n    kind: process.service\n    process: w\n    host: processes\n"),
        "src/_index.yaml:9:11: host: entry 'processes' not found (expected a process.host or terminal.host entry; host IDs are used verbatim, write them as namespace:name)"
    );
}

#[test]
fn missing_required_dependency() {
    assert_eq!(
        index_error("namespace: app\nentries:\n  - name: h\n    kind: process.host\n    lifecycle:\n      requires: [db]\n"),
        "src/_index.yaml:6:18: lifecycle.requires[0]: entry 'app:db' not found (expected an entry to start first)"
    );
}

#[test]
fn dependency_cycle() {
    assert_eq!(
        index_error("namespace: app\nentries:\n  - name: a\n    kind: process.host\n    lifecycle:\n      requires: [b]\n  - name: b\n    kind: process.host\n    lifecycle:\n      requires: [a]\n"),
        "src/_index.yaml:10:18: lifecycle.requires[0]: dependency cycle app:a -> app:b -> app:a"
    );
}

#[test]
fn references_across_files_are_reported_in_the_referring_file() {
    let error = load_error(&[
        ("src/_index.yaml", "namespace: app\nentries:\n  - name: h\n    kind: process.host\n"),
        ("src/svc/_index.yaml", "namespace: svc\nentries:\n  - name: s\n    kind: process.service\n    process: app:h\n    host: app:h\n"),
    ]);
    assert_eq!(
        error,
        "src/svc/_index.yaml:5:14: process: 'app:h' is a process.host, expected a process.lua entry"
    );
}

#[test]
fn auto_start_order_respects_requires_and_puts_hosts_first() {
    let manifest = loaded(&[(
        "src/_index.yaml",
        "namespace: app\nentries:\n  - name: w\n    kind: process.lua\n    source: x\n  - name: a-svc\n    kind: process.service\n    process: w\n    host: app:z-host\n    lifecycle: {auto_start: true, requires: [b-svc]}\n  - name: b-svc\n    kind: process.service\n    process: w\n    host: app:z-host\n    lifecycle: {auto_start: true}\n  - name: z-host\n    kind: process.host\n    lifecycle: {auto_start: true}\n  - name: idle\n    kind: process.host\n",
    )]);
    let order: Vec<&str> = manifest
        .auto_start_order()
        .iter()
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(order, ["app:z-host", "app:b-svc", "app:a-svc"]);
}

#[test]
fn parse_entry_id_splits_at_first_colon() {
    assert_eq!(parse_entry_id("app:cli"), Some(("app", "cli")));
    assert_eq!(parse_entry_id(" app : a:b "), Some(("app", "a:b")));
    assert_eq!(parse_entry_id("cli"), None);
    assert_eq!(parse_entry_id("app:"), None);
    assert_eq!(parse_entry_id(":cli"), None);
}

#[test]
fn load_error_display() {
    let err = LoadError {
        file: PathBuf::from("src/_index.yaml"),
        line: 3,
        column: 7,
        message: "boom".into(),
    };
    assert_eq!(err.to_string(), "src/_index.yaml:3:7: boom");
}

#[test]
fn auto_start_order_keeps_entries_of_a_hand_made_cycle() {
    let mut manifest = loaded(&[(
        "src/_index.yaml",
        "namespace: app\nentries:\n  - name: a\n    kind: process.host\n    lifecycle: {auto_start: true, requires: [b]}\n  - name: b\n    kind: process.host\n    lifecycle: {auto_start: true}\n  - name: c\n    kind: terminal.host\n    lifecycle: {auto_start: true}\n",
    )]);
    if let Some(Kind::ProcessHost(host)) = manifest.entries.get_mut("app:b").map(|e| &mut e.kind) {
        host.lifecycle.requires.push("app:a".into());
    }
    let order: Vec<&str> = manifest
        .auto_start_order()
        .iter()
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(order, ["app:c", "app:a", "app:b"]);
}
