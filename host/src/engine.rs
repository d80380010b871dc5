//! The wasm engine: configuration, the compiled guest (cached on disk), the linker
//! with every host interface, and the epoch ticker that bounds guest slices.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::bindings::{Level, ProcessWorld, ProcessWorldPre};
use crate::instance::ProcessState;
use crate::logging::LogSink;

/// The guest component, built by `build.rs`.
const GUEST_WASM: &[u8] = include_bytes!(env!("WIPPY_GUEST_WASM"));

/// How often the epoch advances; guest deadlines are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The engine and the pre-linked guest every process is instantiated from.
#[derive(Clone)]
pub struct WasmEngine {
    /// The wasmtime engine (shared by all processes).
    pub engine: Engine,
    /// The guest, linked against the host interfaces, ready to instantiate.
    pub pre: ProcessWorldPre<ProcessState>,
}

impl WasmEngine {
    /// Configures wasmtime, loads (or compiles and caches) the guest and links it.
    pub fn new(log: &LogSink, capacity: &Capacity) -> anyhow::Result<Self> {
        let engine = Engine::new(&engine_config(capacity))?;
        let started = Instant::now();
        let (component, origin) = load_guest(&engine)?;
        let elapsed = format!("\"{:.1?}\"", started.elapsed());
        log.write(Level::Debug, None, origin, &[("took".into(), elapsed)]);
        Self::link(engine, &component)
    }

    /// An engine running another guest component (any implementation of the
    /// `process-world` world, e.g. a deliberately broken one in tests), compiled
    /// now and not cached.
    pub fn with_guest(capacity: &Capacity, wasm: &[u8]) -> anyhow::Result<Self> {
        let engine = Engine::new(&engine_config(capacity))?;
        let component = Component::new(&engine, wasm)?;
        Self::link(engine, &component)
    }

    fn link(engine: Engine, component: &Component) -> anyhow::Result<Self> {
        let mut linker = Linker::<ProcessState>::new(&engine);
        ProcessWorld::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)?;
        link_wasi(&mut linker, component)?;
        let pre = ProcessWorldPre::new(linker.instantiate_pre(component)?)?;
        start_epoch_ticker(&engine);
        Ok(WasmEngine { engine, pre })
    }
}

/// The guest's Rust standard library imports WASI for its random seed, environment
/// and stdio. Only the non-blocking, capability-free parts are linked (randomness, an
/// empty environment, exit). Stdio and `wasi:io` stay unlinked and trap when called:
/// wasmtime-wasi's synchronous stream bindings block on a tokio runtime from inside
/// one, which panics the host thread, and no process may write to the real terminal
/// behind the `terminal` interface's back. A guest panic still reaches the host,
/// through `process.report-panic`.
fn link_wasi(linker: &mut Linker<ProcessState>, component: &Component) -> anyhow::Result<()> {
    use wasmtime_wasi::cli::{WasiCli, WasiCliView};
    use wasmtime_wasi::p2::bindings::{cli, random};
    use wasmtime_wasi::random::WasiRandom;
    use wasmtime_wasi::WasiView;

    random::random::add_to_linker::<_, WasiRandom>(linker, |state| state.ctx().ctx.random())?;
    random::insecure::add_to_linker::<_, WasiRandom>(linker, |state| state.ctx().ctx.random())?;
    random::insecure_seed::add_to_linker::<_, WasiRandom>(linker, |state| {
        state.ctx().ctx.random()
    })?;
    cli::environment::add_to_linker::<_, WasiCli>(linker, ProcessState::cli)?;
    cli::exit::add_to_linker::<_, WasiCli>(linker, ProcessState::cli)?;
    linker.define_unknown_imports_as_traps(component)?;
    Ok(())
}

/// How many processes can live at once, and how much memory each slot holds.
#[derive(Clone, Copy, Debug)]
pub struct Capacity {
    /// Live processes at most; a spawn past it fails with a clear error.
    pub max_processes: u32,
    /// The largest memory ceiling any process may have.
    pub max_memory_bytes: u64,
}

impl Default for Capacity {
    fn default() -> Self {
        Capacity {
            max_processes: DEFAULT_MAX_PROCESSES,
            max_memory_bytes: crate::sandbox::DEFAULT_MEMORY_BYTES,
        }
    }
}

/// Live processes a runtime holds unless told otherwise.
pub const DEFAULT_MAX_PROCESSES: u32 = 20_000;

/// Core instances, tables and memories one guest component instantiates (its main
/// module plus wit-component's small adapter modules), with headroom.
const CORE_INSTANCES_PER_PROCESS: u32 = 6;
const TABLES_PER_PROCESS: u32 = 4;

/// Freed slots returned to the kernel together: one TLB shootdown for many exits.
const DECOMMIT_BATCH: usize = 64;

fn engine_config(capacity: &Capacity) -> Config {
    let mut config = Config::new();
    // A pool of pre-reserved instance slots, reused copy-on-write: instantiation is
    // a few page-table updates instead of mmap/munmap per process.
    let slot_bytes = usize::try_from(capacity.max_memory_bytes).unwrap_or(usize::MAX);
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(capacity.max_processes)
        .total_core_instances(
            capacity
                .max_processes
                .saturating_mul(CORE_INSTANCES_PER_PROCESS),
        )
        .total_memories(capacity.max_processes)
        .total_tables(capacity.max_processes.saturating_mul(TABLES_PER_PROCESS))
        .max_core_instances_per_component(CORE_INSTANCES_PER_PROCESS)
        .max_tables_per_component(TABLES_PER_PROCESS)
        .max_memories_per_component(1)
        .max_memory_size(slot_bytes)
        .decommit_batch_size(DECOMMIT_BATCH);
    // Slots are not kept resident when freed: keeping 1 MiB doubled the sequential
    // spawn rate but left ~400 KiB resident for every slot ever used (4 GiB after a
    // burst of 10,000 processes had ended), measured with `bench/run.sh`.
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    // Reserving 4 GiB per slot (to elide bounds checks) would not fit tens of
    // thousands of slots in the address space: reserve the slot and check bounds.
    config.memory_reservation(capacity.max_memory_bytes);
    config.memory_guard_size(64 * 1024);
    config.memory_reservation_for_growth(0);
    // Fuel makes CPU budgets exact and deterministic; epochs bound each slice and
    // implement wall-clock timeouts cheaply.
    config.consume_fuel(true);
    config.epoch_interruption(true);
    config.memory_init_cow(true);
    config.max_wasm_stack(512 * 1024);
    config
}

/// Ticks the engine's epoch forever; a detached thread, as the engine lives as long
/// as the program.
fn start_epoch_ticker(engine: &Engine) {
    let engine = engine.weak();
    std::thread::Builder::new()
        .name("wippy-epoch".into())
        .spawn(move || {
            while let Some(engine) = engine.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .ok();
}

/// The guest compiled for this engine: from the cache when present, else compiled
/// with cranelift (~0.5 s) and cached, keyed by the wasm and the engine's settings.
fn load_guest(engine: &Engine) -> anyhow::Result<(Component, &'static str)> {
    let cache_file =
        cache_dir().map(|dir| dir.join(format!("guest-{:016x}.cwasm", cache_key(engine))));
    if let Some(path) = &cache_file {
        if path.exists() {
            // SAFETY: the file was written by `cache_compiled` below from this very
            // guest and engine configuration (both are in its name), and wasmtime
            // checks the artifact's header for compatibility.
            match unsafe { Component::deserialize_file(engine, path) } {
                Ok(component) => return Ok((component, "guest loaded from cache")),
                Err(_) => {
                    let _ = std::fs::remove_file(path);
                }
            }
        }
    }
    let compiled = engine
        .precompile_component(GUEST_WASM)
        .map_err(|e| anyhow::anyhow!("compiling the guest component: {e}"))?;
    if let Some(path) = &cache_file {
        cache_compiled(path, &compiled);
    }
    // SAFETY: `compiled` was produced by `precompile_component` on this engine just now.
    let component = unsafe { Component::deserialize(engine, &compiled) }?;
    Ok((component, "guest compiled"))
}

/// Writes the artifact atomically; a cache that cannot be written only costs time.
fn cache_compiled(path: &Path, compiled: &[u8]) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&temporary, compiled).is_ok() {
        let _ = std::fs::rename(&temporary, path);
    }
    let _ = std::fs::remove_file(&temporary);
}

fn cache_key(engine: &Engine) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    GUEST_WASM.hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    hasher.finish()
}

/// `$WIPPY_WASM_CACHE_DIR`, else `$XDG_CACHE_HOME/wippy-wasm`, else `~/.cache/wippy-wasm`.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("WIPPY_WASM_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("wippy-wasm"))
}
