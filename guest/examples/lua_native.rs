//! Runs a Lua script natively (no wasm) with the guest's whole library, the way
//! `tests/differential.rs` runs it in the sandbox: the file is the body of `main`,
//! `io.write` goes to stdout. `bench/lua.py` uses it to measure what the sandbox
//! costs over the same VM on the host.

use wippy_guest::bindings::ExitResult;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: lua_native FILE.lua");
        std::process::exit(2);
    };
    let script = match std::fs::read_to_string(&path) {
        Ok(script) => script,
        Err(error) => {
            eprintln!("{path}: {error}");
            std::process::exit(2);
        }
    };
    // The same wrapping as the differential harness, so line numbers stay the file's.
    let source = format!("return {{ main = function(...) {script}\nend }}");
    let run = wippy_guest::testing::run_process(&source, |_| {});
    print!("{}", run.stdout());
    if let Some(ExitResult::Failure(error)) = &run.exit {
        eprintln!("{}", error.message);
        std::process::exit(1);
    }
}
