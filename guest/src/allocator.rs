//! The guest's global allocator: dlmalloc, split in two at the snapshot.
//!
//! The host snapshots the guest after `initialize` has built the shared Lua state
//! (`wit/README.md`), and every process maps that memory copy-on-write. With one
//! allocator, building the state leaves freed blocks scattered over the snapshot's
//! heap; a process then fills those holes, so a few kilobytes of its own objects
//! land on a dozen different pages and each write copies a whole page into the
//! process. [`seal`] ends the snapshot's heap instead: every later allocation comes
//! from a second dlmalloc that grows the memory past the snapshot, so a process's
//! objects pack into pages of its own, and blocks of the snapshot are never freed
//! (freeing writes allocator metadata into shared pages; what a process can drop of
//! the snapshot is bounded by the snapshot's size).
//!
//! dlmalloc is the allocator Rust's own wasm targets use; the crate is used directly
//! because the split needs two instances, which `System` cannot give.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::UnsafeCell;

use dlmalloc::Dlmalloc;

/// Bytes in a wasm page.
const WASM_PAGE: usize = 64 * 1024;

struct Heaps {
    /// Serves every allocation until [`seal`]; its blocks form the snapshot's heap.
    snapshot: Dlmalloc,
    /// Serves every allocation after [`seal`], from memory grown past the snapshot.
    process: Dlmalloc,
    /// End of the memory when the heap was sealed; 0 until then. Every block below
    /// it belongs to `snapshot`, as `process` only ever grows the memory above it.
    sealed_at: usize,
}

/// The allocator; see the module documentation.
pub struct SnapshotAllocator(UnsafeCell<Heaps>);

// SAFETY: a wasm32-wasip2 instance runs one thread, so the heaps are never touched
// concurrently.
unsafe impl Sync for SnapshotAllocator {}

#[global_allocator]
static ALLOCATOR: SnapshotAllocator = SnapshotAllocator(UnsafeCell::new(Heaps {
    snapshot: Dlmalloc::new(),
    process: Dlmalloc::new(),
    sealed_at: 0,
}));

/// Ends the snapshot's heap: from now on allocations come from memory above it and
/// its blocks are never freed. Called once `initialize` has built the shared state.
pub fn seal() {
    // SAFETY: single-threaded (see `Sync` above) and no allocation is in progress.
    let heaps = unsafe { &mut *ALLOCATOR.0.get() };
    if heaps.sealed_at == 0 {
        heaps.sealed_at = core::arch::wasm32::memory_size(0) * WASM_PAGE;
    }
}

impl Heaps {
    fn in_snapshot(&self, ptr: *mut u8) -> bool {
        (ptr as usize) < self.sealed_at
    }

    fn current(&mut self) -> &mut Dlmalloc {
        if self.sealed_at == 0 {
            &mut self.snapshot
        } else {
            &mut self.process
        }
    }
}

// SAFETY: each method forwards to the dlmalloc instance that owns the block (see
// `Heaps::sealed_at`) with the caller's layout, which is what dlmalloc requires.
unsafe impl GlobalAlloc for SnapshotAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let heaps = &mut *self.0.get();
        heaps.current().malloc(layout.size(), layout.align())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let heaps = &mut *self.0.get();
        heaps.current().calloc(layout.size(), layout.align())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let heaps = &mut *self.0.get();
        if !heaps.in_snapshot(ptr) {
            heaps.current().free(ptr, layout.size(), layout.align());
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let heaps = &mut *self.0.get();
        if !heaps.in_snapshot(ptr) {
            return heaps
                .current()
                .realloc(ptr, layout.size(), layout.align(), new_size);
        }
        // A block of the snapshot moves into the process's heap and the old one is
        // left in place.
        let moved = heaps.process.malloc(new_size, layout.align());
        if !moved.is_null() {
            std::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
        }
        moved
    }
}
