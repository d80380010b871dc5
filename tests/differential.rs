//! Differential tests: every `tests/lua/**/*.lua` runs under the reference
//! interpreter (`lua5.4`) and inside a real sandboxed wippy-wasm process, and the two
//! standard outputs must be equal byte for byte, and both runs must agree on whether
//! the script failed.
//!
//! How a script runs in wippy-wasm: the file becomes the body of the process's
//! `main`. The first line is prefixed with `return { main = function(...) ` and a
//! final line `end }` is appended, so every line keeps its number and a script may
//! `return` early like a chunk can. The entry lists `modules: [io]`, so scripts write
//! with `io.write` only and begin with `local io = require("io")` (which is the
//! standard `io` under `lua5.4`). Deliberate differences are listed in
//! `tests/lua/KNOWN_DIFFERENCES.md`.
//!
//! `WIPPY_DIFF_FILTER=base/` runs only the scripts whose path contains the text.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{index_with, Project};

/// The reference interpreter, the Debian `lua5.4` package's binary.
const REFERENCE: &str = "lua5.4";

/// The entry ID the scripts run as: wippy-wasm's chunk name for them.
const ENTRY_ID: &str = "app:chunk";

/// What both chunk names become in compared output.
const CHUNK_PLACEHOLDER: &str = "<chunk>";

/// The corpus root.
fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/lua")
}

/// Every `.lua` file under `dir`, as paths relative to `root`, sorted.
fn scripts_under(root: &Path, dir: &Path, found: &mut Vec<String>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            scripts_under(root, &path, found);
        } else if path.extension().is_some_and(|ext| ext == "lua") {
            let relative = path.strip_prefix(root).expect("under the corpus root");
            found.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// One side's observable result.
struct Outcome {
    stdout: String,
    succeeded: bool,
    /// Shown in reports only, never compared: messages on stderr are formatted
    /// differently by the two programs (`lua5.4: ...` and a traceback).
    stderr: String,
}

/// Error messages carry the chunk name: `lua5.4` uses the script's path as it was
/// given on the command line, wippy-wasm the entry ID. This is the one place the
/// comparison normalises.
fn normalise_chunk_name(output: &str, chunk_name: &str) -> String {
    output.replace(chunk_name, CHUNK_PLACEHOLDER)
}

/// Longest a reference run may take; past it the run is killed and reported.
const REFERENCE_LIMIT: Duration = Duration::from_secs(60);

/// Runs `script` (relative to the corpus root) under `lua5.4`.
fn run_reference(script: &str) -> Outcome {
    let mut child = Command::new(REFERENCE)
        .arg(script)
        .current_dir(corpus_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {REFERENCE} for {script}: {e}"));
    let started = Instant::now();
    let mut timed_out = false;
    while child.try_wait().expect("reference status").is_none() {
        if started.elapsed() > REFERENCE_LIMIT {
            let _ = child.kill();
            timed_out = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let output = child.wait_with_output().expect("reference output");
    let mut stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if timed_out {
        stderr += &format!("(killed after {REFERENCE_LIMIT:?})");
    }
    Outcome {
        stdout: normalise_chunk_name(&String::from_utf8_lossy(&output.stdout), script),
        succeeded: output.status.success(),
        stderr,
    }
}

/// `source` as the body of a process's `main`, with its line numbers unchanged.
fn as_process_chunk(source: &str) -> String {
    format!("return {{ main = function(...) {source}\nend }}\n")
}

/// Runs `script` as the main function of a real sandboxed process.
fn run_wippy(script: &str) -> Outcome {
    let source = std::fs::read_to_string(corpus_dir().join(script))
        .unwrap_or_else(|e| panic!("{script}: {e}"));
    let entry =
        "  - name: chunk\n    kind: process.lua\n    source: file://chunk.lua\n    modules: [io]\n";
    let project = Project::new(&[
        ("_index.yaml", &index_with(entry)),
        ("chunk.lua", &as_process_chunk(&source)),
    ]);
    let run = project.run(&["run", "-x", ENTRY_ID]);
    Outcome {
        stdout: normalise_chunk_name(&run.stdout, ENTRY_ID),
        succeeded: run.code == Some(0),
        stderr: run.stderr,
    }
}

impl Outcome {
    /// What the comparison looks at: standard output, and whether the script failed.
    fn agrees_with(&self, other: &Outcome) -> bool {
        self.stdout == other.stdout && self.succeeded == other.succeeded
    }
}

/// A line-by-line view of where `actual` departs from `expected`.
fn diff(expected: &str, actual: &str) -> String {
    let expected: Vec<&str> = expected.split_inclusive('\n').collect();
    let actual: Vec<&str> = actual.split_inclusive('\n').collect();
    let mut view = String::new();
    for i in 0..expected.len().max(actual.len()) {
        match (expected.get(i), actual.get(i)) {
            (Some(e), Some(a)) if e == a => view += &format!("    {}", visible(e)),
            (e, a) => {
                if let Some(e) = e {
                    view += &format!("  - {}", visible(e));
                }
                if let Some(a) = a {
                    view += &format!("  + {}", visible(a));
                }
            }
        }
    }
    view
}

/// A line with its end made visible, so a missing final newline shows.
fn visible(line: &str) -> String {
    match line.strip_suffix('\n') {
        Some(line) => format!("{line}\n"),
        None => format!("{line}⏎(no newline at end)\n"),
    }
}

/// The report for one mismatching script.
fn report(script: &str, expected: &Outcome, actual: &Outcome) -> String {
    let mut text = format!("=== {script} (- {REFERENCE}, + wippy-wasm)\n");
    if expected.stdout != actual.stdout {
        text += &diff(&expected.stdout, &actual.stdout);
    }
    if expected.succeeded != actual.succeeded {
        let word = |ok| if ok { "succeeded" } else { "failed" };
        text += &format!(
            "  {REFERENCE} {}, wippy-wasm {}\n",
            word(expected.succeeded),
            word(actual.succeeded)
        );
    }
    for (who, stderr) in [
        (REFERENCE, &expected.stderr),
        ("wippy-wasm", &actual.stderr),
    ] {
        if !stderr.is_empty() {
            text += &format!("  {who} stderr: {}\n", stderr.trim_end());
        }
    }
    text
}

#[test]
fn every_script_prints_what_lua_5_4_prints() {
    let version = Command::new(REFERENCE).arg("-v").output();
    assert!(
        version.is_ok_and(|out| out.status.success()),
        "`{REFERENCE}` is not on PATH: the differential tests need the reference \
         interpreter (Debian: `apt-get install lua5.4`)"
    );

    let filter = std::env::var("WIPPY_DIFF_FILTER").unwrap_or_default();
    let root = corpus_dir();
    let mut scripts = Vec::new();
    scripts_under(&root, &root, &mut scripts);
    scripts.retain(|script| script.contains(&filter));
    scripts.sort();
    assert!(!scripts.is_empty(), "no scripts under {}", root.display());

    // The first run compiles the guest into the shared cache; the rest reuse it.
    let mismatches = Mutex::new(Vec::new());
    let check = |script: &String| {
        let expected = run_reference(script);
        let actual = run_wippy(script);
        if !expected.agrees_with(&actual) {
            let text = report(script, &expected, &actual);
            mismatches.lock().expect("no panics while held").push(text);
        }
    };
    check(&scripts[0]);
    let next = AtomicUsize::new(1);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get() * 2);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(script) = scripts.get(next.fetch_add(1, Ordering::Relaxed)) {
                    check(script);
                }
            });
        }
    });

    let mut mismatches = mismatches.into_inner().expect("no panics while held");
    mismatches.sort();
    assert!(
        mismatches.is_empty(),
        "{} of {} scripts differ from {REFERENCE}:\n\n{}",
        mismatches.len(),
        scripts.len(),
        mismatches.join("\n")
    );
}
