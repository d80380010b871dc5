//! The `wippy-wasm` binary.

/// mimalloc instead of glibc's malloc: the host allocates a process's instance,
/// store and mailbox on one worker thread and often frees them on another, and
/// glibc then serialises both workers on the first one's arena lock (a quarter of
/// a spawn's CPU was futex waits on it). Spawn + exit, batched: 18,000 → 30,800 /s
/// (`host/benches/processes.rs`, which uses it too).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(wippy_wasm::cli::main());
}
