//! The wasm engines (with and without fuel accounting): configuration, the compiled
//! guest (pre-initialised and cached on disk), the linker with every host interface,
//! and the epoch ticker that bounds guest slices.

use std::future::Future;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, SystemTime};

use wasmtime::component::{Component, HasSelf, Instance, Lift, Linker, WasmList};
use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store,
};
use wasmtime_wasi::random::{WasiRandom, WasiRandomCtx};
use wasmtime_wizer::{ComponentInstanceState, Wizer};

use crate::bindings::{Level, ProcessWorld, ProcessWorldPre};
use crate::instance::ProcessState;
use crate::logging::LogSink;
use crate::sandbox::Limits;

/// The guest component, built by `build.rs`.
const GUEST_WASM: &[u8] = include_bytes!(env!("WIPPY_GUEST_WASM"));

/// Native stack a guest call may use. Each call into a guest has its own: a spawn
/// runs the child's chunk top level on top of the spawning guest's call.
pub const MAX_WASM_STACK: usize = 512 * 1024;

/// How often the epoch advances; guest deadlines are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The engines processes run on and the guest linked for each. A process with a fuel
/// limit needs fuel accounting in the compiled code, which costs 12–27% of the time
/// (`bench/lua.py`), so processes without one run on an engine that counts none.
/// Which engines exist follows [`Capacity::fuel_limited`]: the guest is compiled
/// for each at start, never in the middle of a spawn (which would stall the
/// spawning process's slice for a whole compile).
#[derive(Clone)]
pub struct WasmEngine {
    unmetered: Option<Guest>,
    metered: Option<Guest>,
    max_processes: u32,
    live: Arc<AtomicU32>,
}

/// Turns transparent huge pages off for the whole host process. Its heap holds a
/// few dozen allocations per guest process (instances, the store, the mailbox),
/// and in 2 MiB pages the bytes they reserve but never touch (most of an
/// instance's 25 KiB of function references) are resident all the same: an idle
/// process cost 8 KiB more at 10,000 (`host/benches/processes.rs`,
/// `idle_memory_10000`: 95.1 → 86.8 KB Pss). The price, measured back to back: start-up
/// from a warm cache ~0.5 ms longer (6.0 → 6.5 ms, `bench/startup.py`) and ping-pong
/// between 1,000 pairs ~5% slower (99–100k against 104–106k round trips/s,
/// `bench/echo.py`), the host's per-process structures needing more TLB entries;
/// spawns are as fast.
fn small_pages_only() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE only sets a flag on this process's memory map;
    // a kernel without it returns an error, which leaves things as they were.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// An engine and the guest, linked against the host interfaces, ready to instantiate.
#[derive(Clone)]
struct Guest {
    engine: Engine,
    pre: ProcessWorldPre<ProcessState>,
}

impl WasmEngine {
    /// Configures wasmtime (and the host process's pages, [`small_pages_only`]), loads
    /// (or compiles and caches) the guest and links it.
    pub fn new(log: &LogSink, capacity: &Capacity) -> anyhow::Result<Self> {
        small_pages_only();
        let engines = Engines::new(capacity)?;
        let started = Instant::now();
        let components = load_guest(&engines.all())?;
        let elapsed = format!("\"{:.1?}\"", started.elapsed());
        for (metered, (_, origin)) in engines.kinds().zip(&components) {
            let fields = [
                ("took".into(), elapsed.clone()),
                ("fuel".into(), metered.to_string()),
            ];
            log.write(Level::Debug, None, origin, &fields);
        }
        let components: Vec<Component> = components.into_iter().map(|(c, _)| c).collect();
        engines.link(capacity, &components)
    }

    /// An engine running another guest component (any implementation of the
    /// `process-world` world, e.g. a deliberately broken one in tests), compiled
    /// now and not cached.
    pub fn with_guest(capacity: &Capacity, wasm: &[u8]) -> anyhow::Result<Self> {
        let engines = Engines::new(capacity)?;
        let components = engines
            .all()
            .into_iter()
            .map(|engine| Component::new(engine, wasm))
            .collect::<Result<Vec<_>, _>>()?;
        engines.link(capacity, &components)
    }

    /// Instantiates the guest for a process under `limits`, on the metered engine
    /// when it has a fuel limit. Fails when `max_processes` are alive, in the pool's
    /// own words ("maximum concurrent"): an engine without a pool cannot say it.
    pub fn instantiate(
        &self,
        mut state: ProcessState,
        limits: &Limits,
    ) -> wasmtime::Result<(Store<ProcessState>, ProcessWorld)> {
        let guest = match limits.fuel {
            Some(_) => self.metered.as_ref(),
            None => self.unmetered.as_ref(),
        }
        .ok_or_else(|| {
            wasmtime::format_err!(
                "no engine for processes {} a fuel limit: the capacity said none would start",
                if limits.fuel.is_some() {
                    "with"
                } else {
                    "without"
                }
            )
        })?;
        state.slot = Some(ProcessSlot::take(&self.live, self.max_processes)?);
        let mut store = Store::new(&guest.engine, state);
        store.limiter(|state| &mut state.limiter);
        store.epoch_deadline_callback(|mut store| Ok(store.data_mut().slice.on_deadline()));
        if let Some(fuel) = limits.fuel {
            store.set_fuel(fuel)?;
        }
        // Instantiation runs guest initialisers: bound them like any slice.
        store.set_epoch_deadline(crate::instance::slice_ticks(crate::sandbox::SLICE_LIMIT));
        match guest.pre.instantiate(&mut store) {
            Ok(world) => Ok((store, world)),
            Err(_) if store.data().limiter.denied.is_some() => Err(wasmtime::Error::new(
                crate::sandbox::LimitBelowStart::new(&store.data().limiter),
            )),
            Err(error) => Err(error),
        }
    }
}

/// The engines a runtime needs, before the guest is compiled for them.
struct Engines {
    unmetered: Option<Engine>,
    metered: Option<Engine>,
}

impl Engines {
    fn new(capacity: &Capacity) -> anyhow::Result<Self> {
        let (unmetered, metered) = match capacity.fuel_limited {
            FuelLimited::None => (Some(new_engine(capacity, Metering::Off, true)?), None),
            // The common engine gets the pool; a second pool would double the
            // address space reserved.
            FuelLimited::Some => (
                Some(new_engine(capacity, Metering::Off, true)?),
                Some(new_engine(capacity, Metering::On, false)?),
            ),
            FuelLimited::Every => (None, Some(new_engine(capacity, Metering::On, true)?)),
        };
        Ok(Engines { unmetered, metered })
    }

    /// The engines, unmetered first.
    fn all(&self) -> Vec<&Engine> {
        self.unmetered.iter().chain(&self.metered).collect()
    }

    /// Whether each of [`Engines::all`] counts fuel.
    fn kinds(&self) -> impl Iterator<Item = bool> {
        let unmetered = self.unmetered.as_ref().map(|_| false);
        let metered = self.metered.as_ref().map(|_| true);
        unmetered.into_iter().chain(metered)
    }

    /// Links `components` (compiled for [`Engines::all`], in that order).
    fn link(self, capacity: &Capacity, components: &[Component]) -> anyhow::Result<WasmEngine> {
        let mut components = components.iter();
        let mut link = |engine: Option<Engine>| -> anyhow::Result<Option<Guest>> {
            let Some(engine) = engine else {
                return Ok(None);
            };
            let component = components
                .next()
                .ok_or_else(|| anyhow::anyhow!("no guest compiled for an engine"))?;
            let mut linker = Linker::<ProcessState>::new(&engine);
            ProcessWorld::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)?;
            let pre = ProcessWorldPre::new(linker.instantiate_pre(component)?)?;
            start_epoch_ticker(&engine);
            Ok(Some(Guest { engine, pre }))
        };
        Ok(WasmEngine {
            unmetered: link(self.unmetered)?,
            metered: link(self.metered)?,
            max_processes: capacity.max_processes,
            live: Arc::default(),
        })
    }
}

/// One live process's place under `max_processes`, given back when it is dropped
/// (with the process's store).
pub struct ProcessSlot {
    live: Arc<AtomicU32>,
}

impl ProcessSlot {
    fn take(live: &Arc<AtomicU32>, max_processes: u32) -> wasmtime::Result<Self> {
        live.fetch_update(Ordering::AcqRel, Ordering::Acquire, |count| {
            (count < max_processes).then_some(count + 1)
        })
        .map_err(|_| {
            wasmtime::format_err!("maximum concurrent processes ({max_processes}) reached")
        })?;
        Ok(ProcessSlot { live: live.clone() })
    }
}

impl Drop for ProcessSlot {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::AcqRel);
    }
}

/// How many processes can live at once, and how much memory each slot holds.
#[derive(Clone, Copy, Debug)]
pub struct Capacity {
    /// Live processes at most; a spawn past it fails with a clear error.
    pub max_processes: u32,
    /// The largest memory ceiling any process may have.
    pub max_memory_bytes: u64,
    /// Which processes have a fuel limit: decides the engines built.
    pub fuel_limited: FuelLimited,
}

impl Default for Capacity {
    fn default() -> Self {
        Capacity {
            max_processes: DEFAULT_MAX_PROCESSES,
            max_memory_bytes: crate::sandbox::DEFAULT_MEMORY_BYTES,
            fuel_limited: FuelLimited::None,
        }
    }
}

/// Which processes of a runtime have a fuel limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FuelLimited {
    /// None: one engine, without fuel accounting.
    None,
    /// Some (entries that set one): an engine with fuel accounting next to the other.
    Some,
    /// Every process (a default budget for all): only the engine with fuel accounting.
    Every,
}

/// Live processes a runtime holds unless told otherwise.
pub const DEFAULT_MAX_PROCESSES: u32 = 20_000;

/// Core instances, tables and memories one guest component instantiates (its main
/// module plus wit-component's small adapter modules), with headroom.
const CORE_INSTANCES_PER_PROCESS: u32 = 6;
const TABLES_PER_PROCESS: u32 = 4;

/// Freed slots returned to the kernel together: one TLB shootdown for many exits.
const DECOMMIT_BATCH: usize = 64;

/// What a freed slot keeps of the pages its process wrote, when the kernel can say
/// which those are (`PAGEMAP_SCAN`, Linux 6.7): they are copied back from the
/// snapshot instead of being unmapped, so the next process in the slot writes to
/// them without a copy-on-write fault and the TLB shootdown that comes with it.
/// Spawn + exit: 5,300 → 8,000 /s sequential, 7,400 → 13,200 /s batched
/// (`host/benches/processes.rs`). An idle process writes 20 KiB (five pages), so a
/// slot holds about that until it is reused; a spawn takes a slot the guest used
/// before whenever one is free (`max_unused_warm_slots(0)`), so the slots holding
/// pages are never more than the most processes alive at once (after a burst of
/// 10,000 idle processes the benchmark still holds 0.6 GiB Pss; the rest is the
/// allocator's). Without `PAGEMAP_SCAN`
/// wasmtime would keep the lowest addresses instead (the bottom of the guest's
/// stack, rarely written), so nothing is kept.
const KEPT_MEMORY_BYTES: usize = 256 << 10;

/// The same for a freed slot's function tables (~6 KiB each).
const KEPT_TABLE_BYTES: usize = 64 << 10;

/// Address space the pool may reserve for linear memories when it drops bounds
/// checks; x86-64 Linux gives a process 128 TiB.
const UNCHECKED_POOL_BUDGET: u64 = 96 << 40;

/// A slot this large lets cranelift drop the bounds check on every load and store:
/// a 32-bit index cannot leave it. Measured on `bench/lua/` (fib, loops, closures):
/// 35–48% less time than with checked slots of 64 MiB.
const UNCHECKED_SLOT_BYTES: u64 = 4 << 30;

/// Whether an engine counts fuel.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Metering {
    /// For processes without a fuel limit: no fuel checks in the compiled code.
    Off,
    /// For processes with a fuel limit.
    On,
}

/// An engine with fuel accounting or without; `pooled`, a pool of instance slots that
/// skip bounds checks when the pool fits the address space, else (many processes,
/// or a machine with a smaller address space) slots of the memory limit and
/// explicit checks. Unpooled, instances are allocated on demand, with reservations
/// that skip bounds checks; [`ProcessSlot`] keeps the count under `max_processes`.
fn new_engine(capacity: &Capacity, metering: Metering, pooled: bool) -> anyhow::Result<Engine> {
    let config = |slot_reservation: u64| {
        let mut config = engine_config(slot_reservation);
        config.consume_fuel(metering == Metering::On);
        config.allocation_strategy(if pooled {
            pooling(capacity)
        } else {
            InstanceAllocationStrategy::OnDemand
        });
        config
    };
    let unchecked_pool = u64::from(capacity.max_processes).saturating_mul(UNCHECKED_SLOT_BYTES);
    if !pooled || unchecked_pool <= UNCHECKED_POOL_BUDGET {
        if let Ok(engine) = Engine::new(&config(UNCHECKED_SLOT_BYTES)) {
            return Ok(engine);
        }
    }
    Ok(Engine::new(&config(slot_bytes(capacity)))?)
}

/// The smallest memory slot: more than a process starts with, so a memory limit below
/// that fails the process with a message that says so (`sandbox::LimitBelowStart`)
/// instead of failing the whole pool.
const MIN_SLOT_BYTES: u64 = 16 << 20;

/// The memory slot for `capacity`: its largest ceiling, at least [`MIN_SLOT_BYTES`];
/// the store's limiter enforces each process's own ceiling.
fn slot_bytes(capacity: &Capacity) -> u64 {
    capacity.max_memory_bytes.max(MIN_SLOT_BYTES)
}

/// A pool of pre-reserved instance slots, reused copy-on-write: instantiation is a
/// few page-table updates instead of mmap/munmap per process.
fn pooling(capacity: &Capacity) -> InstanceAllocationStrategy {
    let slot_bytes = usize::try_from(slot_bytes(capacity)).unwrap_or(usize::MAX);
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
    if PoolingAllocationConfig::is_pagemap_scan_available() {
        pool.pagemap_scan(Enabled::Yes)
            .linear_memory_keep_resident(KEPT_MEMORY_BYTES)
            .table_keep_resident(KEPT_TABLE_BYTES)
            .max_unused_warm_slots(0);
    }
    InstanceAllocationStrategy::Pooling(pool)
}

/// What every engine shares.
fn engine_config(slot_reservation: u64) -> Config {
    let mut config = Config::new();
    // The memory limit itself is the pool's `max_memory_size` and the store's
    // limiter; the reservation only decides whether accesses need bounds checks
    // (`new_engine`).
    config.memory_reservation(slot_reservation);
    config.memory_guard_size(64 * 1024);
    config.memory_reservation_for_growth(0);
    // Epochs bound each slice and implement wall-clock timeouts cheaply; a busy
    // process gives its thread back on its own, counted in piccolo's fuel.
    config.epoch_interruption(true);
    config.memory_init_cow(true);
    config.max_wasm_stack(MAX_WASM_STACK);
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

/// The guest compiled for each of `engines`: from the cache when present, else
/// pre-initialised ([`pre_initialise`], once for all of them), compiled with
/// cranelift and cached, keyed by the wasm, the engine's settings and the snapshot
/// scheme.
fn load_guest(engines: &[&Engine]) -> anyhow::Result<Vec<(Component, &'static str)>> {
    let mut snapshot = None;
    engines
        .iter()
        .map(|engine| {
            let cache_file =
                cache_dir().map(|dir| dir.join(format!("guest-{:016x}.cwasm", cache_key(engine))));
            if let Some(component) = cache_file.as_deref().and_then(|path| cached(engine, path)) {
                return Ok((component, "guest loaded from cache"));
            }
            let snapshot =
                match &mut snapshot {
                    Some(snapshot) => snapshot,
                    None => snapshot.insert(pre_initialise().map_err(|e| {
                        anyhow::anyhow!("pre-initialising the guest component: {e:#}")
                    })?),
                };
            let compiled = engine
                .precompile_component(snapshot)
                .map_err(|e| anyhow::anyhow!("compiling the guest component: {e}"))?;
            if let Some(path) = &cache_file {
                cache_compiled(path, &compiled);
                if let Some(dir) = path.parent() {
                    prune_cache(dir, path, SystemTime::now());
                }
            }
            // SAFETY: `compiled` was produced by `precompile_component` on this
            // engine just now.
            let component = unsafe { Component::deserialize(engine, &compiled) }?;
            Ok((component, "guest compiled from a pre-initialised snapshot"))
        })
        .collect()
}

/// The guest from the cache file at `path`, if it holds one for `engine`; a file
/// that does not load is removed.
fn cached(engine: &Engine, path: &Path) -> Option<Component> {
    if !path.exists() {
        return None;
    }
    // SAFETY: the file was written by `cache_compiled` from this very guest and
    // engine configuration (both are in its name), and wasmtime checks the
    // artifact's header for compatibility.
    match unsafe { Component::deserialize_file(engine, path) } {
        Ok(component) => {
            mark_used(path);
            Some(component)
        }
        Err(_) => {
            let _ = std::fs::remove_file(path);
            None
        }
    }
}

/// Bumped whenever what [`pre_initialise`] produces changes, so old caches miss.
const SNAPSHOT_SCHEME: u32 = 1;

/// The guest with its `initialize` export already run: a template instance builds
/// the Lua state, globals and modules once, and `wasmtime-wizer` writes its memory and
/// globals back into the component as data. Every process then starts from that
/// state (mapped copy-on-write by the pooling allocator) instead of building it.
///
/// The template instance gets randomness and the clock and nothing else: building
/// the shared state calls no other import, and must not, as no process exists yet.
/// It runs once, so it gets an engine of its own tuned for compile speed: cranelift
/// without optimisations (the cold start went from 1.7 s to 1.2 s), default
/// allocation, no fuel or epochs (it runs only our own `initialize`).
fn pre_initialise() -> anyhow::Result<Vec<u8>> {
    let mut config = Config::new();
    config.cranelift_opt_level(wasmtime::OptLevel::None);
    let engine = &Engine::new(&config)?;
    let mut wizer = Wizer::new();
    // `initialize` stays exported (and does nothing once run), so a guest that was
    // not snapshotted is driven the same way.
    wizer.keep_init_func(true);
    let (context, instrumented) = wizer.instrument_component(GUEST_WASM)?;
    let component = Component::new(engine, &instrumented)?;

    let mut linker = Linker::<WasiRandomCtx>::new(engine);
    linker
        .instance("wippy:runtime/timer@0.1.0")?
        .func_wrap("now", |_, (): ()| Ok((crate::clock::unix_nanos(),)))?;
    wasmtime_wasi::p2::bindings::random::random::add_to_linker::<_, WasiRandom>(
        &mut linker,
        |random| random,
    )?;
    linker.define_unknown_imports_as_traps(&component)?;
    let mut store = Store::new(engine, WasiRandomCtx::default());
    let instance = linker.instantiate(&mut store, &component)?;
    ProcessWorld::new(&mut store, &instance)?
        .wippy_runtime_guest()
        .call_initialize(&mut store)?;

    let mut template = Template {
        store: &mut store,
        instance,
        failure: None,
    };
    let snapshot = run_ready(wizer.snapshot_component(&context, &mut template))??;
    match template.failure {
        Some(failure) => Err(failure),
        None => Ok(snapshot),
    }
}

/// The initialised template, read by `wasmtime-wizer` through the accessor functions
/// its instrumentation exported. The trait's calls cannot fail, so the first failure
/// is kept and the snapshot discarded.
struct Template<'a> {
    store: &'a mut Store<WasiRandomCtx>,
    instance: Instance,
    failure: Option<anyhow::Error>,
}

impl Template<'_> {
    /// Calls `instance#func: func() -> R`; `R::default()` after a failure.
    fn call<R: Lift + Default + Send + Sync + 'static>(&mut self, instance: &str, func: &str) -> R {
        match self.try_call(instance, func) {
            Ok(value) => value,
            Err(error) => {
                self.failure.get_or_insert(error);
                R::default()
            }
        }
    }

    fn try_call<R: Lift + Send + Sync + 'static>(
        &mut self,
        instance: &str,
        func: &str,
    ) -> anyhow::Result<R> {
        let missing = || anyhow::anyhow!("the instrumented guest has no {instance}#{func}");
        let (_, parent) = self
            .instance
            .get_export(&mut *self.store, None, instance)
            .ok_or_else(missing)?;
        let (_, export) = self
            .instance
            .get_export(&mut *self.store, Some(&parent), func)
            .ok_or_else(missing)?;
        let typed = self
            .instance
            .get_typed_func::<(), (R,)>(&mut *self.store, export)?;
        Ok(typed.call(&mut *self.store, ())?.0)
    }
}

impl ComponentInstanceState for Template<'_> {
    fn call_func_ret_list_u8(
        &mut self,
        instance: &str,
        func: &str,
        contents: impl FnOnce(&[u8]) + Send,
    ) -> impl Future<Output = ()> + Send {
        match self.try_call::<WasmList<u8>>(instance, func) {
            Ok(list) => contents(list.as_le_slice(&*self.store)),
            Err(error) => {
                self.failure.get_or_insert(error);
                contents(&[]);
            }
        }
        std::future::ready(())
    }

    fn call_func_ret_s32(
        &mut self,
        instance: &str,
        func: &str,
    ) -> impl Future<Output = i32> + Send {
        std::future::ready(self.call(instance, func))
    }

    fn call_func_ret_s64(
        &mut self,
        instance: &str,
        func: &str,
    ) -> impl Future<Output = i64> + Send {
        std::future::ready(self.call(instance, func))
    }

    fn call_func_ret_f32(
        &mut self,
        instance: &str,
        func: &str,
    ) -> impl Future<Output = u32> + Send {
        std::future::ready(self.call::<f32>(instance, func).to_bits())
    }

    fn call_func_ret_f64(
        &mut self,
        instance: &str,
        func: &str,
    ) -> impl Future<Output = u64> + Send {
        std::future::ready(self.call::<f64>(instance, func).to_bits())
    }
}

/// Runs `future` to its end; every call the template answers is synchronous, so it
/// never waits and needs no executor.
fn run_ready<F: Future>(future: F) -> anyhow::Result<F::Output> {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => Ok(output),
        Poll::Pending => Err(anyhow::anyhow!("snapshotting the guest waited")),
    }
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

/// Cached guests unused for this long are removed when another is written: every
/// build of wippy-wasm and every engine setting writes a file of its own (4–5 MB).
const CACHE_KEPT_UNUSED: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// Marks the cache file at `path` as used now (its modification time), so
/// [`prune_cache`] keeps it.
fn mark_used(path: &Path) {
    if let Ok(file) = std::fs::File::options().write(true).open(path) {
        let _ = file.set_modified(SystemTime::now());
    }
}

/// Removes the cached guests in `dir` other than `kept` that were last used
/// [`CACHE_KEPT_UNUSED`] before `now`. A process still running from one keeps its
/// mapping of the file.
fn prune_cache(dir: &Path, kept: &Path, now: SystemTime) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let is_guest = path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with("guest-") && name.ends_with(".cwasm"));
        let unused_for = entry
            .metadata()
            .and_then(|metadata| metadata.modified())
            .ok()
            .and_then(|modified| now.duration_since(modified).ok());
        if is_guest && path != kept && unused_for.is_some_and(|age| age > CACHE_KEPT_UNUSED) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// What a cached compilation depends on: the guest (hashed by `build.rs`), the
/// engine's settings, this version and the snapshot scheme.
fn cache_key(engine: &Engine) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    env!("WIPPY_GUEST_HASH").hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    SNAPSHOT_SCHEME.hash(&mut hasher);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_removes_only_other_guests_unused_for_a_month() {
        let dir = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        let two_months_ago = now - 2 * CACHE_KEPT_UNUSED;
        let file = |name: &str, modified: SystemTime| {
            let path = dir.path().join(name);
            std::fs::write(&path, b"x").unwrap();
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(modified).unwrap();
            path
        };
        let stale = file("guest-0000000000000001.cwasm", two_months_ago);
        let recent = file("guest-0000000000000002.cwasm", now);
        let kept = file("guest-0000000000000003.cwasm", two_months_ago);
        let other = file("notes.txt", two_months_ago);
        prune_cache(dir.path(), &kept, now);
        assert!(!stale.exists(), "a guest unused for two months goes");
        assert!(recent.exists() && kept.exists() && other.exists());

        mark_used(&kept);
        prune_cache(dir.path(), &recent, now + CACHE_KEPT_UNUSED / 2);
        assert!(kept.exists(), "a guest loaded again counts as used");
    }
}
