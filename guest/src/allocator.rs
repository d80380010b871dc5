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
//! [`seal`] also grows the memory by [`HEADROOM_PAGES`] before the snapshot is
//! taken, and the process heap starts in that headroom: every process then starts
//! with memory of the same size and most never grow it. A memory that grows makes
//! the host's pool shrink it back, with an `mprotect` and a TLB shootdown, before
//! the slot's next process (12% of a spawn's CPU, `host/benches/processes.rs`).
//! The headroom starts with the process heap's own state (the page a process's
//! first objects land on, so written by every process anyway); its other pages are
//! zero, so they are not in the snapshot's image and cost nothing until written.
//!
//! dlmalloc is the allocator Rust's own wasm targets use; the crate is used directly
//! because the split needs two instances, which `System` cannot give.
//!
//! The process heap keeps freed small blocks (up to [`SMALL_MAX`] bytes, in classes
//! of 8) on a free list per class and hands them out again before asking dlmalloc:
//! Lua objects, messages and their payloads are small and short-lived, and dlmalloc's
//! `malloc` and `free` (which coalesces every block with its neighbours) were a tenth
//! of the CPU of message passing and spawns. The lists hold at most [`SMALL_KEPT_BYTES`]
//! together; past that a freed block goes back to dlmalloc, and a process near its
//! memory ceiling gives them all back ([`release_kept_blocks`]), so memory its small
//! objects held can serve a large one.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::{Cell, UnsafeCell};
use std::ptr;

use core::arch::wasm32::{memory_grow, memory_size};
use dlmalloc::{Allocator, Dlmalloc};

/// Bytes in a wasm page.
const WASM_PAGE: usize = 64 * 1024;

/// Wasm pages added past the snapshot's heap for the process heap to start in
/// (256 KiB: an idle process writes the first 8 KiB of it; 1 MiB measured no
/// faster on spawns or the echo service).
const HEADROOM_PAGES: usize = 4;

struct Heaps {
    /// Serves every allocation until [`seal`]; its blocks form the snapshot's heap.
    snapshot: Dlmalloc<GrowingMemory>,
    /// Serves every allocation after [`seal`], from memory grown past the snapshot;
    /// null until then. Its state lives at the start of the headroom, not in a
    /// static: every allocation writes it, and there it shares a page with the
    /// process's first objects instead of dirtying a page of statics of its own.
    process: *mut ProcessHeap,
    /// End of the memory when the heap was sealed; 0 until then. Every block below
    /// it belongs to `snapshot`, as `process` only ever grows the memory above it.
    sealed_at: usize,
}

/// The allocator; see the module documentation.
pub struct SnapshotAllocator(UnsafeCell<Heaps>);

// SAFETY: a wasm32 instance runs one thread, so the heaps are never touched
// concurrently.
unsafe impl Sync for SnapshotAllocator {}

#[global_allocator]
static ALLOCATOR: SnapshotAllocator = SnapshotAllocator(UnsafeCell::new(Heaps {
    snapshot: Dlmalloc::new_with_allocator(GrowingMemory {
        headroom: Cell::new(None),
    }),
    process: ptr::null_mut(),
    sealed_at: 0,
}));

/// Largest block the process heap keeps on a free list of its own when freed.
const SMALL_MAX: usize = 256;
/// Size step between the free lists' classes, and the most alignment they give:
/// dlmalloc's own on wasm32, so a class rounds no request up more than it does.
const SMALL_STEP: usize = 8;
/// Free lists of the process heap: class `i` holds blocks of `(i + 1) * SMALL_STEP`.
const SMALL_CLASSES: usize = SMALL_MAX / SMALL_STEP;
/// Most bytes the blocks on the free lists take in the heap together: twice the least
/// a process allocates between two collections (`vm::MIN_GC_SLEEP_BYTES`), so what a
/// small process frees in a collection is reused.
const SMALL_KEPT_BYTES: usize = 1 << 20;

/// The process heap: dlmalloc, and in front of it the free lists of small blocks.
struct ProcessHeap {
    dlmalloc: Dlmalloc<GrowingMemory>,
    /// Head of each class's list of freed blocks; a freed block holds the next.
    free: [*mut u8; SMALL_CLASSES],
    /// Bytes the blocks on the lists take in the heap.
    kept_bytes: usize,
}

/// Bytes of every block of a class.
const fn class_bytes(class: usize) -> usize {
    (class + 1) * SMALL_STEP
}

/// Bytes a block of a class takes in the heap: dlmalloc adds a 4-byte header and
/// rounds up to 8 on wasm32.
const fn chunk_bytes(class: usize) -> usize {
    class_bytes(class) + SMALL_STEP
}

/// The free list a small block belongs to, or `None` for blocks dlmalloc serves.
fn small_class(layout: Layout) -> Option<usize> {
    (layout.size() <= SMALL_MAX && layout.align() <= SMALL_STEP)
        .then(|| layout.size().max(1).div_ceil(SMALL_STEP) - 1)
}

impl ProcessHeap {
    /// # Safety
    /// As [`GlobalAlloc::alloc`].
    unsafe fn malloc(&mut self, layout: Layout) -> *mut u8 {
        let Some(class) = small_class(layout) else {
            return unsafe { self.dlmalloc.malloc(layout.size(), layout.align()) };
        };
        let head = self.free[class];
        if head.is_null() {
            // Every block of a class has the class's full size, so any of them can
            // serve any request of the class.
            return unsafe { self.dlmalloc.malloc(class_bytes(class), SMALL_STEP) };
        }
        // SAFETY: `head` is a freed block of this class; its first word is the next.
        self.free[class] = unsafe { head.cast::<*mut u8>().read() };
        self.kept_bytes -= chunk_bytes(class);
        head
    }

    /// # Safety
    /// `ptr` was allocated by this heap with `layout`, and is not used again.
    unsafe fn free(&mut self, ptr: *mut u8, layout: Layout) {
        match small_class(layout) {
            Some(class) if self.kept_bytes + chunk_bytes(class) <= SMALL_KEPT_BYTES => {
                // SAFETY: the block is at least 8 bytes and 8-aligned, ours to reuse.
                unsafe { ptr.cast::<*mut u8>().write(self.free[class]) };
                self.free[class] = ptr;
                self.kept_bytes += chunk_bytes(class);
            }
            Some(class) => unsafe { self.dlmalloc.free(ptr, class_bytes(class), SMALL_STEP) },
            None => unsafe { self.dlmalloc.free(ptr, layout.size(), layout.align()) },
        }
    }

    /// # Safety
    /// As [`GlobalAlloc::realloc`], for a block of this heap.
    unsafe fn realloc(&mut self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (small_class(layout), small_class(new_layout)) {
            (None, None) => unsafe {
                self.dlmalloc
                    .realloc(ptr, layout.size(), layout.align(), new_size)
            },
            (Some(old), Some(new)) if old == new => ptr,
            _ => {
                let moved = unsafe { self.malloc(new_layout) };
                if !moved.is_null() {
                    // SAFETY: both blocks hold at least the smaller size; the old one
                    // is freed only after the copy.
                    unsafe {
                        ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                        self.free(ptr, layout);
                    }
                }
                moved
            }
        }
    }

    /// Gives every block on the free lists back to dlmalloc.
    fn release_kept_blocks(&mut self) {
        for class in 0..SMALL_CLASSES {
            let mut block = std::mem::replace(&mut self.free[class], ptr::null_mut());
            while !block.is_null() {
                // SAFETY: `block` is a freed block of this class, allocated from
                // dlmalloc with the class's size; its first word is the next.
                unsafe {
                    let next = block.cast::<*mut u8>().read();
                    self.dlmalloc.free(block, class_bytes(class), SMALL_STEP);
                    block = next;
                }
            }
        }
        self.kept_bytes = 0;
    }
}

/// Gives the blocks the process heap keeps for reuse back to dlmalloc, where they
/// can merge into larger ones. Nothing happens before [`seal`].
pub fn release_kept_blocks() {
    // SAFETY: single-threaded (see `Sync` above) and no allocation is in progress.
    let heaps = unsafe { &mut *ALLOCATOR.0.get() };
    if let Some(process) = heaps.process() {
        process.release_kept_blocks();
    }
}

/// Bytes at the start of the headroom that hold the process heap's state.
const PROCESS_STATE_BYTES: usize = size_of::<ProcessHeap>().next_multiple_of(64);

/// Ends the snapshot's heap: from now on allocations come from memory above it and
/// its blocks are never freed. Called once `initialize` has built the shared state.
/// If the memory cannot grow, nothing changes and the snapshot's heap serves on.
pub fn seal() {
    // SAFETY: single-threaded (see `Sync` above) and no allocation is in progress.
    let heaps = unsafe { &mut *ALLOCATOR.0.get() };
    if !heaps.process.is_null() {
        return;
    }
    let end = memory_bytes();
    if memory_grow(0, HEADROOM_PAGES) == usize::MAX {
        return;
    }
    let state = end as *mut ProcessHeap;
    let headroom = (
        end + PROCESS_STATE_BYTES,
        HEADROOM_PAGES * WASM_PAGE - PROCESS_STATE_BYTES,
    );
    // SAFETY: `end` is the start of the pages just grown, which nothing uses, and
    // wasm pages are aligned far beyond the state's alignment.
    unsafe {
        state.write(ProcessHeap {
            dlmalloc: Dlmalloc::new_with_allocator(GrowingMemory {
                headroom: Cell::new(Some(headroom)),
            }),
            free: [ptr::null_mut(); SMALL_CLASSES],
            kept_bytes: 0,
        });
    }
    // The heap's first allocation sets up its region, which writes a footer at the
    // region's far end: done here, that write is in the snapshot instead of on a
    // page of its own in every process.
    // SAFETY: `state` was just initialised; the block is freed as it was allocated.
    unsafe {
        let first = (*state).dlmalloc.malloc(1, 1);
        if !first.is_null() {
            (*state).dlmalloc.free(first, 1, 1);
        }
    }
    heaps.process = state;
    heaps.sealed_at = end;
}

/// Bytes of linear memory the instance has now.
pub fn memory_bytes() -> usize {
    memory_size(0) * WASM_PAGE
}

/// Where a heap gets its memory: `memory.grow`, as dlmalloc's own wasm `System`
/// does, except that the process heap first takes the headroom [`seal`] grew.
struct GrowingMemory {
    /// Start and length of the headroom, until the heap takes it.
    headroom: Cell<Option<(usize, usize)>>,
}

impl GrowingMemory {
    /// `pages` more wasm pages at the end of the memory; the address of the first.
    fn grow(pages: usize) -> Option<usize> {
        let previous = memory_grow(0, pages);
        (previous != usize::MAX).then_some(previous * WASM_PAGE)
    }
}

// SAFETY: every region handed out is memory of this instance that nothing else
// uses: the headroom once, then pages `memory.grow` has just added.
unsafe impl Allocator for GrowingMemory {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        if let Some((start, len)) = self.headroom.take() {
            if size <= len {
                return (start as *mut u8, len, 0);
            }
            // While the headroom ends the memory, growing extends it into one region.
            if memory_bytes() == start + len {
                let missing = (size - len).div_ceil(WASM_PAGE);
                if Self::grow(missing).is_some() {
                    return (start as *mut u8, len + missing * WASM_PAGE, 0);
                }
            }
            self.headroom.set(Some((start, len)));
        }
        let pages = size.div_ceil(WASM_PAGE);
        match Self::grow(pages) {
            Some(start) => (start as *mut u8, pages * WASM_PAGE, 0),
            None => (ptr::null_mut(), 0, 0),
        }
    }

    fn remap(&self, _ptr: *mut u8, _old: usize, _new: usize, _can_move: bool) -> *mut u8 {
        ptr::null_mut()
    }

    fn free_part(&self, _ptr: *mut u8, _old: usize, _new: usize) -> bool {
        false
    }

    fn free(&self, _ptr: *mut u8, _size: usize) -> bool {
        false
    }

    fn can_release_part(&self, _flags: u32) -> bool {
        false
    }

    fn allocates_zeros(&self) -> bool {
        true
    }

    fn page_size(&self) -> usize {
        WASM_PAGE
    }
}

impl Heaps {
    fn in_snapshot(&self, ptr: *mut u8) -> bool {
        (ptr as usize) < self.sealed_at
    }

    /// The process heap, once [`seal`] has made it.
    fn process(&mut self) -> Option<&mut ProcessHeap> {
        // SAFETY: once set, `process` points at the state `seal` wrote, which
        // nothing else uses.
        unsafe { self.process.as_mut() }
    }
}

// SAFETY: each method forwards to the heap that owns the block (see
// `Heaps::sealed_at`) with the caller's layout, which is what both heaps require.
unsafe impl GlobalAlloc for SnapshotAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let heaps = &mut *self.0.get();
        match heaps.process() {
            Some(process) => process.malloc(layout),
            None => heaps.snapshot.malloc(layout.size(), layout.align()),
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let heaps = &mut *self.0.get();
        match heaps.process() {
            Some(process) if small_class(layout).is_some() => {
                let block = process.malloc(layout);
                if !block.is_null() {
                    ptr::write_bytes(block, 0, layout.size());
                }
                block
            }
            Some(process) => process.dlmalloc.calloc(layout.size(), layout.align()),
            None => heaps.snapshot.calloc(layout.size(), layout.align()),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let heaps = &mut *self.0.get();
        if heaps.in_snapshot(ptr) {
            return;
        }
        match heaps.process() {
            Some(process) => process.free(ptr, layout),
            None => heaps.snapshot.free(ptr, layout.size(), layout.align()),
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let heaps = &mut *self.0.get();
        if !heaps.in_snapshot(ptr) {
            return match heaps.process() {
                Some(process) => process.realloc(ptr, layout, new_size),
                None => heaps
                    .snapshot
                    .realloc(ptr, layout.size(), layout.align(), new_size),
            };
        }
        // A block of the snapshot moves into the process's heap and the old one is
        // left in place.
        let moved = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
        if !moved.is_null() {
            std::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
        }
        moved
    }
}
