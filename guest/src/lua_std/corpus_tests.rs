//! A fast native check of the string corpus (`tests/lua/string/*.lua`): each script
//! runs under `lua5.4` and in the guest over the fake host, and the outputs must be
//! equal. The full harness (`tests/differential.rs`) does the same in real
//! sandboxed processes; this one needs no wasm build, so it runs in seconds.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;

use piccolo::{Closure, Executor, Fuel, Lua};

use crate::env::Env;
use crate::testing::FakeHost;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/lua/string")
}

/// Runs `source` as a chunk with the `io` module; its stdout, or the error it raised.
fn run_in_guest(source: &str) -> Result<Vec<u8>, String> {
    let host = FakeHost::default();
    let recorded = host.0.clone();
    let env = Rc::new(Env::new(
        Box::new(host),
        "app:test".into(),
        "{app:test|0x00001}".into(),
    ));
    let mut lua = Lua::core();
    let executor = lua.enter(|ctx| {
        crate::stdlib::install(ctx, &env, &["io".to_string()]);
        let closure =
            Closure::load(ctx, Some("script"), source.as_bytes()).map_err(|e| e.to_string())?;
        Ok::<_, String>(ctx.stash(Executor::start(ctx, closure.into(), ())))
    })?;
    while !lua.enter(|ctx| ctx.fetch(&executor).step(ctx, &mut Fuel::with(4096))) {}
    lua.enter(|ctx| {
        ctx.fetch(&executor)
            .take_result::<()>(ctx)
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    })?;
    let stdout = recorded.borrow().stdout.clone();
    Ok(stdout)
}

#[test]
fn string_corpus_matches_lua_5_4() {
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/lua/string exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "lua"))
        .collect();
    scripts.sort();
    assert!(
        scripts.len() >= 100,
        "the corpus has {} scripts",
        scripts.len()
    );
    let mut mismatches = Vec::new();
    for script in &scripts {
        let reference = Command::new("lua5.4")
            .arg(script)
            .output()
            .expect("lua5.4 is installed (apt-get install lua5.4)");
        assert!(
            reference.status.success(),
            "{} fails under lua5.4",
            script.display()
        );
        let source = std::fs::read_to_string(script).expect("script is readable");
        let name = script.file_name().unwrap_or_default().to_string_lossy();
        match run_in_guest(&source) {
            Ok(stdout) if stdout == reference.stdout => {}
            Ok(stdout) => mismatches.push(format!(
                "{name}\n  lua5.4: {:?}\n  guest:  {:?}",
                String::from_utf8_lossy(&reference.stdout),
                String::from_utf8_lossy(&stdout)
            )),
            Err(error) => mismatches.push(format!("{name}\n  guest error: {error}")),
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} scripts differ:\n{}",
        mismatches.len(),
        scripts.len(),
        mismatches.join("\n")
    );
}
