//! The binary's allocator: mimalloc, with a scratch scope for what a file
//! needs only while it is analysed.
//!
//! A file's syntax tree and the summariser's working data are freed as
//! soon as the file is summarised; its summary lives until the end of the
//! run. Allocated from one heap, the two share pages: each tree's nodes
//! land in the gaps that earlier files' summaries left, spread over many
//! pages that are cold in the cache. [`scratch`] sends a closure's
//! allocations elsewhere: small blocks to the thread's arena chunks
//! ([`arena`]: bump allocation, a chunk reused once all its blocks are
//! freed), large ones to a mimalloc heap of their own. Trees then reuse
//! the same few chunks file after file and the summaries stay packed
//! together. [`retained`] is the other way round: what a closure allocates
//! lives until the end of the run (a file's summary), and is packed block
//! after block into space that is never reused.
//!
//! Freeing needs no routing: an arena block is known by its address, and
//! mimalloc finds a block's heap from its address. Only the binary
//! installs [`Allocator`]; elsewhere (tests, the fuzz targets) [`scratch`]
//! just runs its closure.

mod arena;

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

/// mimalloc's opaque `mi_heap_t`.
#[repr(C)]
struct MiHeap {
    _private: [u8; 0],
}

extern "C" {
    // `mimalloc.h` (v3): first-class heaps, usable from any thread; a
    // heap's blocks sit in pages of their own.
    fn mi_heap_new() -> *mut MiHeap;
    fn mi_free(p: *mut c_void);
    fn mi_heap_collect(heap: *mut MiHeap, force: bool);
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    fn mi_option_get(option: std::ffi::c_int) -> std::ffi::c_long;
    fn mi_heap_malloc(heap: *mut MiHeap, size: usize) -> *mut c_void;
    fn mi_heap_zalloc(heap: *mut MiHeap, size: usize) -> *mut c_void;
    fn mi_heap_realloc(heap: *mut MiHeap, p: *mut c_void, size: usize) -> *mut c_void;
    fn mi_heap_malloc_aligned(heap: *mut MiHeap, size: usize, align: usize) -> *mut c_void;
    fn mi_heap_zalloc_aligned(heap: *mut MiHeap, size: usize, align: usize) -> *mut c_void;
    fn mi_heap_realloc_aligned(
        heap: *mut MiHeap,
        p: *mut c_void,
        size: usize,
        align: usize,
    ) -> *mut c_void;
}

/// The scratch heap, made on first use and kept for the whole run.
static SCRATCH: AtomicPtr<MiHeap> = AtomicPtr::new(ptr::null_mut());

thread_local! {
    /// The last file this thread summarised took blocks from the scratch
    /// heap (see [`trim_scratch`]).
    static HEAP_RUN: Cell<bool> = const { Cell::new(false) };
    /// The heap this thread allocates from: null for mimalloc's default.
    /// (Constant-initialised and without a destructor, so readable at any
    /// point of a thread's life, its teardown included.)
    static CURRENT: Cell<*mut MiHeap> = const { Cell::new(ptr::null_mut()) };
}

/// Run `f` with this thread's allocations going to the scratch heap.
/// Whatever `f` allocates may outlive it; it is only placed apart.
pub fn scratch<R>(f: impl FnOnce() -> R) -> R {
    let mut heap = SCRATCH.load(Ordering::Acquire);
    if heap.is_null() {
        // SAFETY: `mi_heap_new` has no preconditions; it returns null only
        // when out of memory, and then the default heap is used.
        let made = unsafe { mi_heap_new() };
        heap = match SCRATCH.compare_exchange(
            ptr::null_mut(),
            made,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => made,
            // Another thread made one first; the spare heap stays empty.
            Err(theirs) => theirs,
        };
    }
    in_scope(heap, f)
}

/// Run `f` with `heap` (or a scope's marker) as this thread's [`CURRENT`],
/// restoring the previous one after, even if `f` unwinds.
fn in_scope<R>(heap: *mut MiHeap, f: impl FnOnce() -> R) -> R {
    struct Restore(*mut MiHeap);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(CURRENT.with(|c| c.replace(heap)));
    f()
}

/// What [`region`] returns: a value whose blocks are freed all at once.
/// It stays on the thread that made it.
pub struct Region<T> {
    value: std::mem::ManuallyDrop<T>,
    /// This region opened one (not inside another's).
    opened: bool,
    _here: std::marker::PhantomData<*const ()>,
}

/// Run `f` in the scratch scope, as a region: when the result is let go
/// of ([`Region::release`]), every block allocated while `f` ran (and
/// until then on this thread's scratch path) is freed at once, without
/// walking what holds them. Dropping a file's syntax tree visits every
/// node; this does not. Where the region's blocks could not all be
/// followed (no arena, a file too large for it, many large blocks), the
/// value is dropped as usual instead.
///
/// # Safety
///
/// Nothing allocated while `f` runs may be used after the region is
/// released, other than through the returned value (which is then gone):
/// `f` must not store such blocks elsewhere (a global, a thread-local, a
/// channel, an `Arc` shared outside), and what is copied out of the value
/// must be deep copies. Until the release, this thread must not allocate
/// in the scratch scope for anything that outlives it.
pub unsafe fn region<T>(f: impl FnOnce() -> T) -> Region<T> {
    struct Unwind;
    impl Drop for Unwind {
        fn drop(&mut self) {
            // Left by a panic in `f`: the region's blocks are freed one by
            // one as the unwinding drops them.
            arena::abandon_region();
        }
    }
    let opened = arena::open_region();
    // (Made only when it is to act: a guard made and dropped would close
    // the region it is inside.)
    let guard = if opened { Some(Unwind) } else { None };
    let value = scratch(f);
    std::mem::forget(guard);
    Region {
        value: std::mem::ManuallyDrop::new(value),
        opened,
        _here: std::marker::PhantomData,
    }
}

impl<T> std::ops::Deref for Region<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> Region<T> {
    /// Free the region's blocks at once, or, where that cannot be done,
    /// give the value to `drop_slow` to drop it as usual (on a larger
    /// stack, say).
    pub fn release(self, drop_slow: impl FnOnce(T)) {
        let mut this = std::mem::ManuallyDrop::new(self);
        // SAFETY: `region`'s caller promised that nothing else uses the
        // region's blocks; `mi_free` gets only scratch-heap blocks. (Freed
        // whole, the value is left in `this`, never dropped.)
        if this.opened && arena::release_region(|p| unsafe { mi_free(p as *mut c_void) }) {
            return;
        }
        // SAFETY: `this` is never used or dropped again.
        drop_slow(unsafe { std::mem::ManuallyDrop::take(&mut this.value) });
    }
}

impl<T> Drop for Region<T> {
    fn drop(&mut self) {
        // Not released: drop the value as usual.
        if self.opened {
            arena::abandon_region();
        }
        // SAFETY: dropped once, here.
        unsafe { std::mem::ManuallyDrop::drop(&mut self.value) };
    }
}

/// Marks the retained scope in [`CURRENT`] (never a heap's address).
fn retained_marker() -> *mut MiHeap {
    ptr::dangling_mut()
}

/// Run `f` with this thread's small allocations packed one after another
/// into space that is never reused ([`arena::retain`]): for data that
/// lives until the end of the run, such as a file's summary. mimalloc
/// would round each block up to its size class and keep part-filled
/// pages per size and thread. Freeing such a block gives nothing back.
pub fn retained<R>(f: impl FnOnce() -> R) -> R {
    in_scope(retained_marker(), f)
}

/// Return to the system the scratch pages this thread has freed, and any
/// other freed memory awaiting its purge delay. A thread that stops
/// allocating never purges on its own: call this on each worker when the
/// per-file work is done.
pub fn release_scratch() {
    collect_scratch_heap();
    arena::trim(0);
}

/// Return to the system this thread's emptied pages of the scratch heap.
fn collect_scratch_heap() {
    let heap = SCRATCH.load(Ordering::Acquire);
    if !heap.is_null() {
        // SAFETY: `heap` came from `mi_heap_new` and is never deleted;
        // collecting touches only this thread's part of it.
        unsafe { mi_heap_collect(heap, true) };
    }
}

/// Give back the scratch chunks past the first few that a large file used,
/// once it is done: the per-file stage's peak then holds only a few chunks
/// per thread beside the summaries.
///
/// Files taken largest first, a thread's large files come in a run: their
/// large blocks come from the scratch heap, whose emptied pages mimalloc
/// keeps for the next block of their size until that heap next needs a
/// page, which the small files after the run never do. The first file
/// after the run that takes nothing from the heap gives those pages back
/// (the doubled wheel corpus: 9 - 19 MB at the end of the stage).
pub fn trim_scratch() {
    let took = arena::took_heap();
    if HEAP_RUN.with(|run| run.replace(took)) && !took {
        collect_scratch_heap();
    }
    arena::trim(4);
}

/// `mi_option_purge_delay` (option 15 in both the v2 and the v3
/// `mi_option_t`; the `mimalloc` crate exports no constant for it).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// How long freed memory stays committed before mimalloc gives it back to
/// the system, in milliseconds (negative: never), unless
/// `MIMALLOC_PURGE_DELAY` in the environment says otherwise.
///
/// The per-file stage wants it long: each file's tree is freed whole, and
/// pages given back are faulted in again, zeroed by the kernel, for the next
/// file. The stages after it want it short: what they free stops counting
/// against the run's peak memory. Returns the delay it replaces, to restore.
pub fn purge_delay(ms: i64) -> i64 {
    // SAFETY: reads one integer option; options may be read at any time.
    let before = unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) } as i64;
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one integer option, which mimalloc reads each time
        // it purges; setting options at any time is supported.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, ms as std::ffi::c_long) };
    }
    before
}

/// Whether mimalloc's plain entry points already give `align`: every
/// block is aligned to 16 bytes (`MI_MAX_ALIGN_SIZE` on 64-bit targets),
/// or to its own size when smaller. The aligned entry points check more.
#[inline]
fn natural(align: usize, size: usize) -> bool {
    align <= 16 && align <= size
}

/// mimalloc as the global allocator, honouring [`scratch`].
pub struct Allocator;

// SAFETY: each method forwards to mimalloc, which meets `GlobalAlloc`'s
// contract for any of its heaps; a block from one heap may be freed or
// reallocated through another call, as mimalloc frees by address.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let heap = CURRENT.with(Cell::get);
        if heap.is_null() {
            mimalloc::MiMalloc.alloc(layout)
        } else {
            scratch_alloc(heap, layout, false)
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let heap = CURRENT.with(Cell::get);
        if heap.is_null() {
            mimalloc::MiMalloc.alloc_zeroed(layout)
        } else {
            scratch_alloc(heap, layout, true)
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match arena::chunk_of(ptr) {
            Some(chunk) => arena::free(chunk),
            None => {
                arena::note_heap_free(ptr);
                mimalloc::MiMalloc.dealloc(ptr, layout)
            }
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let heap = CURRENT.with(Cell::get);
        if heap.is_null() && arena::chunk_of(ptr).is_none() {
            let new = mimalloc::MiMalloc.realloc(ptr, layout, new_size);
            arena::note_heap_moved(ptr, new);
            new
        } else {
            scratch_realloc(heap, ptr, layout, new_size)
        }
    }
}

// The scratch paths are out of line: inlined into every allocation site
// of the program, they made the binary's code 1.1 MB larger.

/// An allocation in the scratch scope: from this thread's arena chunks, or
/// for large blocks (or without an arena) from the scratch heap.
#[inline(never)]
unsafe fn scratch_alloc(heap: *mut MiHeap, layout: Layout, zeroed: bool) -> *mut u8 {
    if heap == retained_marker() {
        return retained_alloc(layout, zeroed);
    }
    let p = arena::bump(layout.size(), layout.align());
    if p.is_null() {
        return scratch_alloc_slow(heap, layout, zeroed);
    }
    if zeroed {
        // A reused chunk holds what its last blocks left.
        ptr::write_bytes(p, 0, layout.size());
    }
    p
}

#[cold]
#[inline(never)]
unsafe fn scratch_alloc_slow(heap: *mut MiHeap, layout: Layout, zeroed: bool) -> *mut u8 {
    let (size, align) = (layout.size(), layout.align());
    let p = arena::alloc_slow(size, align);
    if !p.is_null() {
        if zeroed {
            ptr::write_bytes(p, 0, size);
        }
        return p;
    }
    let p = match (zeroed, natural(align, size)) {
        (false, true) => mi_heap_malloc(heap, size) as *mut u8,
        (false, false) => mi_heap_malloc_aligned(heap, size, align) as *mut u8,
        (true, true) => mi_heap_zalloc(heap, size) as *mut u8,
        (true, false) => mi_heap_zalloc_aligned(heap, size, align) as *mut u8,
    };
    arena::note_heap_alloc(p);
    p
}

/// An allocation in the retained scope: from the retained space, or the
/// default heap for large blocks (or without a reservation).
#[cold]
unsafe fn retained_alloc(layout: Layout, zeroed: bool) -> *mut u8 {
    let p = arena::retain(layout.size(), layout.align());
    if p.is_null() {
        return if zeroed {
            mimalloc::MiMalloc.alloc_zeroed(layout)
        } else {
            mimalloc::MiMalloc.alloc(layout)
        };
    }
    // (The retained space is never reused: its pages are as the kernel
    // mapped them, zero.)
    p
}

/// A reallocation in the scratch or retained scope (`heap` not null), or
/// of an arena block in any scope.
#[inline(never)]
unsafe fn scratch_realloc(
    heap: *mut MiHeap,
    ptr: *mut u8,
    layout: Layout,
    new_size: usize,
) -> *mut u8 {
    if heap == retained_marker() {
        let new = retained_alloc(
            Layout::from_size_align_unchecked(new_size, layout.align()),
            false,
        );
        if !new.is_null() {
            ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            Allocator.dealloc(ptr, layout);
        }
        return new;
    }
    if let Some(chunk) = arena::chunk_of(ptr) {
        // In place when it is the last block handed out (a vector growing
        // as it is filled) and the scope is still scratch.
        if !heap.is_null() && arena::resize_last(ptr, layout.size(), new_size) {
            return ptr;
        }
        let grown = Layout::from_size_align_unchecked(new_size, layout.align());
        let new = if heap.is_null() {
            mimalloc::MiMalloc.alloc(grown)
        } else {
            scratch_alloc(heap, grown, false)
        };
        if !new.is_null() {
            ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            arena::free(chunk);
        }
        return new;
    }
    let new = if natural(layout.align(), new_size) {
        mi_heap_realloc(heap, ptr as *mut c_void, new_size) as *mut u8
    } else {
        mi_heap_realloc_aligned(heap, ptr as *mut c_void, new_size, layout.align()) as *mut u8
    };
    arena::note_heap_moved(ptr, new);
    new
}

#[cfg(test)]
mod tests {
    use super::*;

    extern "C" {
        fn mi_heap_contains(heap: *const MiHeap, p: *const c_void) -> bool;
    }

    fn in_scratch(p: *mut u8) -> bool {
        let heap = SCRATCH.load(Ordering::Acquire);
        // SAFETY: `heap` is the live scratch heap and `p` a live block.
        arena::chunk_of(p).is_some()
            || !heap.is_null() && unsafe { mi_heap_contains(heap, p as *const c_void) }
    }

    #[test]
    fn scratch_routes_allocations_and_restores_the_heap() {
        let layout = Layout::from_size_align(48, 8).unwrap();
        // SAFETY: each block is allocated by `Allocator` with `layout` and
        // freed once with the layout it then has.
        unsafe {
            let inside = scratch(|| Allocator.alloc(layout));
            let outside = Allocator.alloc(layout);
            assert!(in_scratch(inside));
            assert!(!in_scratch(outside));
            // Grown outside the scratch scope, a scratch block moves to
            // the default heap; freeing needs no scope either way.
            let grown = Allocator.realloc(inside, layout, 64 << 10);
            assert!(!in_scratch(grown));
            Allocator.dealloc(grown, Layout::from_size_align(64 << 10, 8).unwrap());
            Allocator.dealloc(outside, layout);
            let zeroed = scratch(|| Allocator.alloc_zeroed(layout));
            assert!(in_scratch(zeroed));
            assert!(std::slice::from_raw_parts(zeroed, 48)
                .iter()
                .all(|&b| b == 0));
            Allocator.dealloc(zeroed, layout);
        }
        assert!(CURRENT.with(Cell::get).is_null());
        // Nested scopes, and a scope left by a panic, restore the heap
        // that was current before.
        scratch(|| {
            let current = CURRENT.with(Cell::get);
            assert!(!current.is_null());
            scratch(|| ());
            assert_eq!(CURRENT.with(Cell::get), current);
        });
        let unwound = std::panic::catch_unwind(|| scratch(|| panic!("in scratch")));
        assert!(unwound.is_err());
        assert!(CURRENT.with(Cell::get).is_null());
        release_scratch();
    }

    #[test]
    fn retained_blocks_are_packed_and_move_when_grown() {
        if !arena::reserved() {
            return; // no reservation: everything comes from the heap
        }
        let small = Layout::from_size_align(24, 8).unwrap();
        // SAFETY: blocks from `Allocator`, each freed once with the layout
        // it then has.
        unsafe {
            let (a, b, z) = retained(|| {
                let a = Allocator.alloc(small);
                let b = Allocator.alloc(small);
                ptr::write_bytes(a, 5, 24);
                let z = Allocator.alloc_zeroed(Layout::from_size_align(100, 4).unwrap());
                (a, b, z)
            });
            // One after the other, with no rounding, in the reservation.
            assert_eq!(b as usize, a as usize + 24);
            assert!(arena::chunk_of(a).is_some());
            assert!(std::slice::from_raw_parts(z, 100).iter().all(|&x| x == 0));
            assert!(CURRENT.with(Cell::get).is_null());
            // Grown in either scope, a retained block moves and keeps its
            // bytes.
            let grown = Allocator.realloc(a, small, 48);
            assert_ne!(grown, a);
            assert!(std::slice::from_raw_parts(grown, 24)
                .iter()
                .all(|&x| x == 5));
            let again =
                retained(|| Allocator.realloc(grown, Layout::from_size_align(48, 8).unwrap(), 96));
            assert!(std::slice::from_raw_parts(again, 24)
                .iter()
                .all(|&x| x == 5));
            Allocator.dealloc(again, Layout::from_size_align(96, 8).unwrap());
            Allocator.dealloc(b, small);
            Allocator.dealloc(z, Layout::from_size_align(100, 4).unwrap());
            // Large blocks come from the heap.
            let big = Layout::from_size_align(1 << 20, 8).unwrap();
            let large = retained(|| Allocator.alloc(big));
            assert!(arena::chunk_of(large).is_none());
            Allocator.dealloc(large, big);
        }
        assert!(CURRENT.with(Cell::get).is_null());
    }
}
