//! Builds the guest (piccolo + Wippy's Lua APIs) as a wasm component and hands its
//! path to the host crate, so a plain `cargo build` needs no manual step.
//!
//! The guest is a core module for `wasm32-unknown-unknown`, made a component here
//! from the WIT its bindings embed. `wasm32-wasip2` would link the standard
//! library's WASI imports (stdio, environment, streams, exit: about 70 functions
//! none of which a process may use), and wasmtime links every import of every
//! instance anew: they were a tenth of the instructions of a spawn.

use std::env;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::process::Command;

const GUEST_TARGET: &str = "wasm32-unknown-unknown";
const GUEST_PROFILE: &str = "guest";
/// The guest's wasm stack. piccolo runs Lua without recursion, but its parser and
/// compiler recurse: the stack must outlast the parser's own limit of 200 nested
/// constructs (128 KiB overflowed at 140). Only touched pages cost memory.
const GUEST_STACK_BYTES: u32 = 256 * 1024;

fn main() -> anyhow::Result<()> {
    let host_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    let workspace = host_dir
        .parent()
        .ok_or_else(|| anyhow::anyhow!("host/ has no parent directory"))?;
    for watched in [
        "guest/src",
        "guest/Cargo.toml",
        "wit",
        "host/src/duration.rs",
        "vendor",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.join(watched).display()
        );
    }

    // A separate target directory: the outer cargo holds the lock on its own.
    let target_dir = workspace.join("target").join("guest");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(workspace)
        .args(["build", "--package", "wippy-guest", "--lib"])
        .args(["--target", GUEST_TARGET, "--profile", GUEST_PROFILE])
        .arg("--target-dir")
        .arg(&target_dir)
        .env(
            "CARGO_ENCODED_RUSTFLAGS",
            // getrandom has no entropy source of its own on wasm32-unknown-unknown;
            // the guest provides one (`guest/src/entropy.rs`), as
            // `.cargo/config.toml` also says for builds outside this script.
            [
                format!("-Clink-arg=-zstack-size={GUEST_STACK_BYTES}"),
                "--cfg".into(),
                "getrandom_backend=\"custom\"".into(),
            ]
            .join("\x1f"),
        );
    // What the outer build sets for the host (clippy's wrapper, host rustflags, ...)
    // must not leak into the wasm build.
    for var in [
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
    ] {
        build.env_remove(var);
    }
    let status = build.status()?;
    anyhow::ensure!(
        status.success(),
        "building the guest component failed: {status}"
    );

    let module = target_dir
        .join(GUEST_TARGET)
        .join(GUEST_PROFILE)
        .join("wippy_guest.wasm");
    let module_bytes = std::fs::read(&module)
        .map_err(|e| anyhow::anyhow!("the guest build produced no {}: {e}", module.display()))?;
    let component = wit_component::ComponentEncoder::default()
        .validate(true)
        .module(&module_bytes)?
        .encode()?;
    let wasm = module.with_file_name("wippy_guest.component.wasm");
    std::fs::write(&wasm, &component)?;
    println!("cargo:rustc-env=WIPPY_GUEST_WASM={}", wasm.display());
    // Hashed here rather than at every start: 1.5 MB of SipHash was 7% of start-up.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    component.hash(&mut hasher);
    println!("cargo:rustc-env=WIPPY_GUEST_HASH={:016x}", hasher.finish());
    Ok(())
}
