//! Bump allocation for the scratch scope, with chunks reused only once
//! every block in them is freed.
//!
//! A file's tree is made of hundreds of thousands of small blocks that are
//! all freed together when the file is done. A general allocator pops each
//! block off a free list (a read of cold memory) and pushes it back on free;
//! here a block is the next bytes of the thread's current chunk, and a free
//! only counts. A chunk whose blocks are all freed is reused from its start,
//! which is what happens to every chunk a file used once its tree is
//! dropped. A block that outlives its file keeps its chunk out of use until
//! it too is freed: nothing is ever reused while something in it is live.
//!
//! The chunks are carved from one reservation of address space (pages are
//! committed by the kernel as they are first touched), split into a fixed
//! slot per thread, so a block's chunk and owner follow from its address.
//! The same reservation ends with the retained space ([`retain`]).
//! Where the reservation cannot be made (or on systems other than Linux),
//! or a thread has no slot left, or a block is large, the caller falls back
//! to mimalloc's scratch heap.

use std::cell::Cell;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

/// log2 of the chunk size (1 MiB).
const CHUNK_SHIFT: usize = 20;
const CHUNK: usize = 1 << CHUNK_SHIFT;
/// Chunks per thread slot (64 MiB). A file's freed blocks are not reused
/// until the file is done, so a file that needs more than this (a 20 MB
/// generated module does) takes the rest from the scratch heap, which
/// reuses them: with 1 GiB here its peak memory was 37% higher.
const SLOT_CHUNKS: usize = 64;
/// Threads that get a slot; later ones use the scratch heap (2 GiB of
/// address space for the slots).
const SLOTS: usize = 32;
const ARENA_CHUNKS: usize = SLOTS * SLOT_CHUNKS;
/// After the threads' slots, space for blocks that live until the end of
/// the run (see [`retain`]), handed out to threads in pieces of
/// [`RETAIN_PIECE`]: 2 GiB of address space (less where addresses have 32
/// bits, so that the whole reservation can be counted in them).
#[cfg(target_pointer_width = "64")]
const RETAIN_SPACE: usize = 2 << 30;
#[cfg(not(target_pointer_width = "64"))]
const RETAIN_SPACE: usize = 256 << 20;
const RETAIN_PIECE: usize = 256 << 10;
const RESERVED: usize = ARENA_CHUNKS * CHUNK + RETAIN_SPACE;
/// Where the next piece of the retained space starts (an offset in it).
static RETAIN_NEXT: AtomicUsize = AtomicUsize::new(0);
/// Blocks above this size go to the scratch heap (a chunk's tail left
/// unused when a block does not fit is at most this).
const MAX_BLOCK: usize = 64 << 10;
/// Blocks aligned more strictly than this go to the scratch heap.
const MAX_ALIGN: usize = 4096;

/// The reservation's base address: 0 before it is tried, 1 if it failed.
static BASE: AtomicUsize = AtomicUsize::new(0);
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

/// Per chunk: blocks handed out and blocks freed. `allocated` and
/// `freed_here` are written only by the owning thread (atomics so that the
/// array can be a plain static; relaxed loads and stores are plain moves);
/// `freed_elsewhere` counts frees from other threads.
struct Counts {
    allocated: AtomicU32,
    freed_here: AtomicU32,
    freed_elsewhere: AtomicU32,
}

#[allow(clippy::declare_interior_mutable_const)]
const ZERO: Counts = Counts {
    allocated: AtomicU32::new(0),
    freed_here: AtomicU32::new(0),
    freed_elsewhere: AtomicU32::new(0),
};
/// Zero-initialised, so only the pages of chunks in use are ever touched.
static COUNTS: [Counts; ARENA_CHUNKS] = [ZERO; ARENA_CHUNKS];

/// No slot asked for yet.
const UNASSIGNED: usize = usize::MAX;
/// No slot to be had: use the scratch heap.
const NONE: usize = usize::MAX - 1;

thread_local! {
    /// This thread's slot, or one of the two markers above.
    static SLOT: Cell<usize> = const { Cell::new(UNASSIGNED) };
    /// The next free byte and the end of the current chunk (0, 0: none).
    static NEXT: Cell<usize> = const { Cell::new(0) };
    static END: Cell<usize> = const { Cell::new(0) };
    /// The current chunk (its index in [`COUNTS`]).
    static CURRENT_CHUNK: Cell<usize> = const { Cell::new(0) };
    /// Blocks handed out from the current chunk and not yet added to its
    /// count (kept here, the hot path touches only thread-local memory).
    static UNCOUNTED: Cell<u32> = const { Cell::new(0) };
    /// How many chunks of the slot have ever been used.
    static HIGH: Cell<usize> = const { Cell::new(0) };
    /// How many of the slot's first chunks can have been used since the
    /// last [`trim`] (the rest are untouched or given back).
    static DIRTY: Cell<usize> = const { Cell::new(0) };
    /// The next free byte and the end of this thread's piece of the
    /// retained space (0, 0: none).
    static R_NEXT: Cell<usize> = const { Cell::new(0) };
    static R_END: Cell<usize> = const { Cell::new(0) };
    /// Every chunk of the slot held a live block when one was last wanted:
    /// until the next [`trim`], blocks come from the scratch heap without
    /// looking again.
    static FULL: Cell<bool> = const { Cell::new(false) };
    /// A region is open on this thread (see [`open_region`]).
    static REGION: Cell<bool> = const { Cell::new(false) };
    /// The slot's chunks the open region took, one bit each.
    static REGION_CHUNKS: Cell<u64> = const { Cell::new(0) };
    /// Blocks of the scratch heap the open region holds, in the first
    /// [`REGION_HEAP_MAX`] entries; more than that, or a block it cannot
    /// follow, and the region is not released whole.
    static REGION_HEAP: [Cell<usize>; REGION_HEAP_MAX] =
        const { [const { Cell::new(0) }; REGION_HEAP_MAX] };
    static REGION_HEAP_LEN: Cell<usize> = const { Cell::new(0) };
    static REGION_SPILLED: Cell<bool> = const { Cell::new(false) };
    /// A region took blocks from the scratch heap since [`took_heap`]
    /// last asked.
    static TOOK_HEAP: Cell<bool> = const { Cell::new(false) };
}

/// The scratch-heap blocks a region can follow (a file's tree has a few
/// large vectors: its tokens, long bodies).
const REGION_HEAP_MAX: usize = 64;

fn base() -> usize {
    let b = BASE.load(Ordering::Acquire);
    if b != 0 {
        return b;
    }
    let made = reserve().unwrap_or(1);
    match BASE.compare_exchange(0, made, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => made,
        Err(theirs) => {
            if made != 1 {
                release(made, RESERVED);
            }
            theirs
        }
    }
}

/// Whether the address space is reserved (else every block comes from
/// mimalloc).
#[cfg(test)]
pub(super) fn reserved() -> bool {
    base() != 1
}

#[cfg(target_os = "linux")]
fn reserve() -> Option<usize> {
    // SAFETY: an anonymous private mapping at an address of the kernel's
    // choosing; MAP_NORESERVE: pages are committed only when touched.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            RESERVED,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED || p.is_null() {
        return None;
    }
    // The retained space takes 4 KiB pages, even where the kernel would
    // give it transparent huge pages. Huge pages take a fault per 2 MiB
    // rather than per 4 KiB, but each is a fresh 2 MiB of physical memory
    // for the kernel to find and zero, while a small page can be one freed
    // moments before. On the project's virtual machine, where fresh memory
    // is slow to touch, huge pages cost more than their faults saved
    // (session 21, medians of 9, alternated: the doubled wheel corpus
    // 1.89 -> 1.82 s and 3.57 -> 3.44 s of CPU, zeroing pages 7.1 -> 0.9 %
    // of the profile, for 27k -> 48k faults; the wheels 0.84 -> 0.83 s; the
    // stdlib 0.47 -> 0.46 s and 2.3 MB less resident: no part-filled huge
    // page). Session 16 had measured the opposite on the same machine,
    // then 3 % less CPU with huge pages.
    // SAFETY: advice on part of the mapping just made; no data is lost.
    unsafe {
        libc::madvise(
            (p as usize + ARENA_CHUNKS * CHUNK) as *mut libc::c_void,
            RETAIN_SPACE,
            libc::MADV_NOHUGEPAGE,
        )
    };
    Some(p as usize)
}

#[cfg(not(target_os = "linux"))]
fn reserve() -> Option<usize> {
    None
}

#[cfg(target_os = "linux")]
fn release(addr: usize, len: usize) {
    // SAFETY: `addr..addr + len` is a mapping this module made and no block
    // in it is handed out.
    unsafe { libc::munmap(addr as *mut libc::c_void, len) };
}

#[cfg(not(target_os = "linux"))]
fn release(_: usize, _: usize) {}

/// This thread's slot, assigning one on first use.
fn slot() -> usize {
    let s = SLOT.with(Cell::get);
    if s != UNASSIGNED {
        return s;
    }
    let s = if base() == 1 {
        NONE
    } else {
        let n = NEXT_SLOT.fetch_add(1, Ordering::Relaxed);
        if n < SLOTS {
            n
        } else {
            NONE
        }
    };
    SLOT.with(|c| c.set(s));
    s
}

/// The chunk (index in [`COUNTS`]) that `p` lies in, if it is an arena
/// block.
#[inline]
pub(super) fn chunk_of(p: *mut u8) -> Option<usize> {
    let b = BASE.load(Ordering::Relaxed);
    // (0 or 1: there is no reservation.)
    let off = (p as usize).wrapping_sub(b);
    (b > 1 && off < RESERVED).then_some(off >> CHUNK_SHIFT)
}

/// A block of `size` bytes aligned to `align` from this thread's current
/// chunk, or null if it does not fit there (then try [`alloc_slow`]).
#[inline]
pub(super) fn bump(size: usize, align: usize) -> *mut u8 {
    let next = NEXT.with(Cell::get);
    let at = (next + align - 1) & !(align - 1);
    // (With no current chunk, END is 0 and nothing fits.)
    if size <= MAX_BLOCK && at + size <= END.with(Cell::get) {
        NEXT.with(|c| c.set(at + size));
        UNCOUNTED.with(|c| c.set(c.get() + 1));
        return at as *mut u8;
    }
    std::ptr::null_mut()
}

/// [`bump`] from a fresh chunk, or null: the block is large, the thread
/// has no slot, or every chunk of the slot holds a live block.
#[cold]
pub(super) fn alloc_slow(size: usize, align: usize) -> *mut u8 {
    if size > MAX_BLOCK || align > MAX_ALIGN {
        return std::ptr::null_mut();
    }
    let s = slot();
    if s == NONE || FULL.with(Cell::get) {
        return std::ptr::null_mut();
    }
    flush();
    let Some(i) = fresh_chunk(s) else {
        FULL.with(|c| c.set(true));
        return std::ptr::null_mut();
    };
    let start = BASE.load(Ordering::Relaxed) + (i << CHUNK_SHIFT);
    if REGION.with(Cell::get) {
        REGION_CHUNKS.with(|c| c.set(c.get() | 1 << (i - s * SLOT_CHUNKS)));
    }
    CURRENT_CHUNK.with(|c| c.set(i));
    END.with(|c| c.set(start + CHUNK));
    // (Chunks start page-aligned, and `align` is at most a page.)
    NEXT.with(|c| c.set(start + size.max(1)));
    COUNTS[i].allocated.store(1, Ordering::Relaxed);
    start as *mut u8
}

/// Add the blocks handed out from the current chunk since the last flush
/// to its count.
fn flush() {
    let n = UNCOUNTED.with(|c| c.replace(0));
    if n > 0 {
        let a = &COUNTS[CURRENT_CHUNK.with(Cell::get)].allocated;
        a.store(a.load(Ordering::Relaxed) + n, Ordering::Relaxed);
    }
}

/// A chunk of slot `s` with no live block, other than the current one:
/// the first such of those used before, else a new one.
fn fresh_chunk(s: usize) -> Option<usize> {
    let first = s * SLOT_CHUNKS;
    let high = HIGH.with(Cell::get);
    let current = (NEXT.with(Cell::get) != 0).then(|| CURRENT_CHUNK.with(Cell::get));
    let found = (first..first + high)
        .find(|&i| Some(i) != current && is_free(i))
        .or_else(|| {
            (high < SLOT_CHUNKS).then(|| {
                HIGH.with(|c| c.set(high + 1));
                first + high
            })
        })?;
    reset(found);
    DIRTY.with(|d| d.set(d.get().max(found - first + 1)));
    Some(found)
}

/// Every block handed out from chunk `i` has been freed. (Only its owner
/// asks; a block freed elsewhere was counted there before the free
/// returned, and nothing hands out blocks of `i` but its owner.)
fn is_free(i: usize) -> bool {
    flush();
    let c = &COUNTS[i];
    let freed = c.freed_here.load(Ordering::Relaxed) + c.freed_elsewhere.load(Ordering::Acquire);
    freed == c.allocated.load(Ordering::Relaxed)
}

fn reset(i: usize) {
    let c = &COUNTS[i];
    c.allocated.store(0, Ordering::Relaxed);
    c.freed_here.store(0, Ordering::Relaxed);
    // No block of the chunk is live, so no other thread can free into it.
    c.freed_elsewhere.store(0, Ordering::Relaxed);
}

/// Count the free of a block of chunk `i`.
#[inline(never)]
pub(super) fn free(i: usize) {
    if i >= ARENA_CHUNKS {
        // Retained space is never reused: nothing to count.
        return;
    }
    if i / SLOT_CHUNKS == SLOT.with(Cell::get) {
        let f = &COUNTS[i].freed_here;
        f.store(f.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    } else {
        // Release: the block's last uses happen before its chunk's reuse.
        COUNTS[i].freed_elsewhere.fetch_add(1, Ordering::Release);
    }
}

/// A block of `size` bytes aligned to `align` that is expected to live
/// until the end of the run, or null (then use the heap): bump-allocated
/// from this thread's piece of the retained space, with no rounding and no
/// per-size pages. Its memory is never reused; freeing it does nothing.
pub(super) fn retain(size: usize, align: usize) -> *mut u8 {
    if size > MAX_BLOCK || align > MAX_ALIGN {
        return std::ptr::null_mut();
    }
    let next = R_NEXT.with(Cell::get);
    let at = (next + align - 1) & !(align - 1);
    if next != 0 && at + size <= R_END.with(Cell::get) {
        R_NEXT.with(|c| c.set(at + size));
        return at as *mut u8;
    }
    let b = base();
    if b == 1 {
        return std::ptr::null_mut();
    }
    let off = RETAIN_NEXT.fetch_add(RETAIN_PIECE, Ordering::Relaxed);
    if off + RETAIN_PIECE > RETAIN_SPACE {
        return std::ptr::null_mut();
    }
    // (Pieces start page-aligned, and `align` is at most a page.)
    let start = b + ARENA_CHUNKS * CHUNK + off;
    R_END.with(|c| c.set(start + RETAIN_PIECE));
    R_NEXT.with(|c| c.set(start + size.max(1)));
    start as *mut u8
}

/// Grow or shrink the last block handed out in place, if `p` (of
/// `old` bytes) is it and the chunk has room; else false.
#[inline]
pub(super) fn resize_last(p: *mut u8, old: usize, new: usize) -> bool {
    let next = NEXT.with(Cell::get);
    if p as usize + old != next || new > MAX_BLOCK {
        return false;
    }
    let end = p as usize + new;
    if end > END.with(Cell::get) {
        return false;
    }
    NEXT.with(|c| c.set(end));
    true
}

/// Open a region on this thread: from now until [`release_region`] or
/// [`abandon_region`], the thread's arena blocks come from chunks that
/// hold nothing else (the current chunk is left, so the next block starts
/// a fresh one), and the scratch-heap blocks it gets are noted
/// ([`note_heap_alloc`]).
/// False, and nothing done, if one is open already.
pub(super) fn open_region() -> bool {
    if REGION.with(Cell::get) {
        return false;
    }
    flush();
    NEXT.with(|c| c.set(0));
    END.with(|c| c.set(0));
    REGION_CHUNKS.with(|c| c.set(0));
    REGION_HEAP_LEN.with(|c| c.set(0));
    REGION_SPILLED.with(|c| c.set(false));
    REGION.with(|c| c.set(true));
    true
}

#[cfg(test)]
fn region_open() -> bool {
    REGION.with(Cell::get)
}

/// Note a block of the heap handed out, if a region is open.
#[inline]
pub(super) fn note_heap_alloc(p: *mut u8) {
    if REGION.with(Cell::get) && !p.is_null() {
        region_heap_alloc(p);
    }
}

/// Note a block of the heap moved to `new` (null: the move failed and
/// `old` stays), if a region is open.
#[inline]
pub(super) fn note_heap_moved(old: *mut u8, new: *mut u8) {
    if REGION.with(Cell::get) && !new.is_null() {
        region_heap_moved(old, new);
    }
}

/// Note a block of the heap freed, if a region is open.
#[inline]
pub(super) fn note_heap_free(p: *mut u8) {
    if REGION.with(Cell::get) {
        region_heap_moved(p, std::ptr::null_mut());
    }
}

#[cold]
fn region_heap_alloc(p: *mut u8) {
    TOOK_HEAP.with(|c| c.set(true));
    let n = REGION_HEAP_LEN.with(Cell::get);
    if n == REGION_HEAP_MAX {
        REGION_SPILLED.with(|c| c.set(true));
        return;
    }
    REGION_HEAP.with(|h| h[n].set(p as usize));
    REGION_HEAP_LEN.with(|c| c.set(n + 1));
}

/// A block of the heap freed (`new` null) or moved to `new` while a
/// region is open: if the region holds it, it no longer does, or holds
/// `new` instead.
#[cold]
fn region_heap_moved(old: *mut u8, new: *mut u8) {
    let n = REGION_HEAP_LEN.with(Cell::get);
    REGION_HEAP.with(|h| {
        if let Some(k) = (0..n).find(|&k| h[k].get() == old as usize) {
            if new.is_null() {
                h[k].set(h[n - 1].get());
                REGION_HEAP_LEN.with(|c| c.set(n - 1));
            } else {
                h[k].set(new as usize);
            }
        }
    });
}

/// Did a region of this thread take blocks from the scratch heap since
/// the last call?
pub(super) fn took_heap() -> bool {
    TOOK_HEAP.with(|c| c.replace(false))
}

/// Close the region opened by [`open_region`], its blocks to be freed one
/// by one by whoever holds them.
pub(super) fn abandon_region() {
    REGION.with(|c| c.set(false));
    REGION_CHUNKS.with(|c| c.set(0));
    REGION_HEAP_LEN.with(|c| c.set(0));
}

/// Close the region opened by [`open_region`] and, if every block it
/// handed out was followed, free every one of them at once, live or not:
/// the caller has forgotten what holds them, and nothing else may. Returns
/// whether that happened; if not, the region is abandoned
/// ([`abandon_region`]) and the caller drops what it holds as usual.
/// `free_heap` frees a scratch-heap block.
pub(super) fn release_region(free_heap: impl Fn(*mut u8)) -> bool {
    let chunks = REGION_CHUNKS.with(Cell::get);
    let n = REGION_HEAP_LEN.with(Cell::get);
    let s = SLOT.with(Cell::get);
    abandon_region();
    // Nothing came from the arena (no arena, or the allocator is not the
    // binary's): there is nothing to release here.
    if REGION_SPILLED.with(Cell::get) || chunks == 0 || s >= SLOTS {
        return false;
    }
    flush();
    let first = s * SLOT_CHUNKS;
    for k in 0..SLOT_CHUNKS {
        if chunks & (1 << k) != 0 {
            reset(first + k);
        }
    }
    // The current chunk is one of the region's.
    NEXT.with(|c| c.set(0));
    END.with(|c| c.set(0));
    REGION_HEAP.with(|h| {
        for cell in &h[..n] {
            free_heap(cell.get() as *mut u8);
        }
    });
    true
}

/// Give back to the system the pages of this thread's chunks past the
/// first `keep` that hold no live block and were used since the last trim.
/// The chunks stay usable: their pages come back zeroed. With `keep` 0 the
/// current chunk is let go of too, if it is free.
pub(super) fn trim(keep: usize) {
    let s = SLOT.with(Cell::get);
    if s >= SLOTS {
        return;
    }
    FULL.with(|c| c.set(false));
    flush();
    let dirty = DIRTY.with(Cell::get);
    if dirty <= keep {
        return;
    }
    let first = s * SLOT_CHUNKS;
    let current = CURRENT_CHUNK.with(Cell::get);
    if keep == 0 && NEXT.with(Cell::get) != 0 && is_free(current) {
        // A fresh chunk next time, so that none is left half used.
        NEXT.with(|c| c.set(0));
        END.with(|c| c.set(0));
    }
    let live_current = (NEXT.with(Cell::get) != 0).then_some(current);
    let b = BASE.load(Ordering::Relaxed);
    let mut still = keep;
    for i in first + keep..first + dirty {
        if Some(i) != live_current && is_free(i) {
            discard(b + (i << CHUNK_SHIFT), CHUNK);
        } else {
            still = i - first + 1;
        }
    }
    DIRTY.with(|d| d.set(still));
}

#[cfg(target_os = "linux")]
fn discard(addr: usize, len: usize) {
    // SAFETY: the range is part of the reservation and holds no live block;
    // MADV_DONTNEED on a private anonymous mapping zeroes it on next touch.
    unsafe { libc::madvise(addr as *mut libc::c_void, len, libc::MADV_DONTNEED) };
}

#[cfg(not(target_os = "linux"))]
fn discard(_: usize, _: usize) {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alloc::{scratch, Allocator};
    use std::alloc::{GlobalAlloc, Layout};
    use std::ptr;

    const KB: Layout = match Layout::from_size_align(1024, 8) {
        Ok(l) => l,
        Err(_) => panic!(),
    };

    /// `n` blocks of 1 KiB from the scratch scope, each filled with `fill`.
    fn blocks(n: usize, fill: u8) -> Vec<*mut u8> {
        scratch(|| {
            (0..n)
                .map(|_| {
                    // SAFETY: a non-zero layout; the block is 1 KiB long.
                    unsafe {
                        let p = Allocator.alloc(KB);
                        ptr::write_bytes(p, fill, 1024);
                        p
                    }
                })
                .collect()
        })
    }

    fn free_all(ps: &[*mut u8]) {
        for &p in ps {
            // SAFETY: each block came from `blocks` and is freed once.
            unsafe { Allocator.dealloc(p, KB) };
        }
    }

    #[test]
    fn chunks_are_reused_once_all_their_blocks_are_freed() {
        if reserve_failed() {
            return;
        }
        // Three chunks' worth, freed, then the same again: the second round
        // reuses the first round's chunks instead of taking new ones.
        let first = blocks(3000, 1);
        assert!(first.iter().all(|&p| chunk_of(p).is_some()));
        let high = HIGH.with(Cell::get);
        free_all(&first);
        let second = blocks(3000, 2);
        assert!(HIGH.with(Cell::get) <= high + 1);
        free_all(&second);
    }

    #[test]
    fn a_live_block_keeps_its_chunk_from_reuse() {
        if reserve_failed() {
            return;
        }
        let first = blocks(1500, 7);
        let kept = first[0];
        free_all(&first[1..]);
        // Rounds of allocation and free that would reuse every free chunk.
        for round in 0..4 {
            let more = blocks(2500, 100 + round);
            free_all(&more);
        }
        // SAFETY: `kept` is live, 1 KiB long.
        let bytes = unsafe { std::slice::from_raw_parts(kept, 1024) };
        assert!(bytes.iter().all(|&b| b == 7));
        free_all(&[kept]);
    }

    #[test]
    fn a_block_freed_on_another_thread_counts() {
        if reserve_failed() {
            return;
        }
        // Blocks of the current chunk, whose count is partly held back in
        // the thread-local tally until the chunk is looked at. (A chunk of
        // their own: the thread may have run other tests.)
        trim(0);
        let ps = blocks(100, 3);
        let chunk = chunk_of(ps[0]).unwrap();
        assert_eq!(chunk_of(ps[99]), Some(chunk));
        let addrs: Vec<usize> = ps.iter().map(|&p| p as usize).collect();
        std::thread::spawn(move || {
            for a in addrs {
                // SAFETY: each block is freed once, here.
                unsafe { Allocator.dealloc(a as *mut u8, KB) };
            }
        })
        .join()
        .unwrap();
        assert!(is_free(chunk));
    }

    #[test]
    fn the_last_block_grows_in_place_and_others_move() {
        if reserve_failed() {
            return;
        }
        scratch(|| {
            // SAFETY: blocks from `Allocator`, each freed once with the
            // layout it has then.
            unsafe {
                let a = Allocator.alloc(KB);
                let grown = Allocator.realloc(a, KB, 4096);
                assert_eq!(grown, a);
                let b = Allocator.alloc(KB);
                ptr::write_bytes(grown, 9, 4096);
                let moved =
                    Allocator.realloc(grown, Layout::from_size_align(4096, 8).unwrap(), 8192);
                assert_ne!(moved, grown);
                assert!(std::slice::from_raw_parts(moved, 4096)
                    .iter()
                    .all(|&x| x == 9));
                // Large blocks come from the scratch heap, not a chunk.
                let big = Layout::from_size_align(MAX_BLOCK + 1, 8).unwrap();
                let large = Allocator.alloc(big);
                assert!(chunk_of(large).is_none());
                Allocator.dealloc(large, big);
                Allocator.dealloc(moved, Layout::from_size_align(8192, 8).unwrap());
                Allocator.dealloc(b, KB);
            }
        });
    }

    #[test]
    fn zeroed_blocks_from_a_reused_chunk_are_zero() {
        if reserve_failed() {
            return;
        }
        let dirty = blocks(3000, 0xAB);
        free_all(&dirty);
        let zeroed: Vec<*mut u8> = scratch(|| {
            // SAFETY: a non-zero layout.
            (0..3000)
                .map(|_| unsafe { Allocator.alloc_zeroed(KB) })
                .collect()
        });
        for &p in &zeroed {
            // SAFETY: a live 1 KiB block.
            assert!(unsafe { std::slice::from_raw_parts(p, 1024) }
                .iter()
                .all(|&b| b == 0));
        }
        free_all(&zeroed);
    }

    /// `n` blocks of 1 KiB, and a large block grown once and one freed,
    /// allocated in a region.
    fn region_blocks(n: usize) -> crate::alloc::Region<(Vec<*mut u8>, *mut u8)> {
        // SAFETY: the blocks are reached only through the region's value.
        unsafe {
            crate::alloc::region(|| {
                let big = Layout::from_size_align(MAX_BLOCK + 1, 8).unwrap();
                let gone = Allocator.alloc(big);
                let large = Allocator.alloc(big);
                let large = Allocator.realloc(large, big, 4 * MAX_BLOCK);
                Allocator.dealloc(gone, big);
                let small = (0..n)
                    .map(|_| {
                        let p = Allocator.alloc(KB);
                        ptr::write_bytes(p, 5, 1024);
                        p
                    })
                    .collect();
                (small, large)
            })
        }
    }

    #[test]
    fn a_region_is_freed_whole_and_its_chunks_reused() {
        if reserve_failed() {
            return;
        }
        let work = region_blocks(2500);
        assert!(region_open());
        let chunks: Vec<usize> = work.0.iter().map(|&p| chunk_of(p).unwrap()).collect();
        assert!(chunks.iter().all(|&c| !is_free(c)));
        work.release(|_| panic!("the region holds every block: it is freed whole"));
        assert!(!region_open());
        assert!(chunks.iter().all(|&c| is_free(c)));
        // The next region takes the same chunks again.
        let high = HIGH.with(Cell::get);
        let again = region_blocks(2500);
        assert_eq!(HIGH.with(Cell::get), high);
        again.release(|_| panic!("freed whole"));
    }

    #[test]
    fn a_region_not_released_or_left_by_a_panic_frees_block_by_block() {
        if reserve_failed() {
            return;
        }
        // Dropped rather than released: the region closes, and the value
        // (pointers here) is dropped as usual.
        let work = region_blocks(10);
        let (small, large) = (work.0.clone(), work.1);
        drop(work);
        assert!(!region_open());
        free_all(&small);
        // SAFETY: the large block is live and freed once, here.
        unsafe { Allocator.dealloc(large, Layout::from_size_align(4 * MAX_BLOCK, 8).unwrap()) };
        // A panic inside closes the region too.
        let unwound = std::panic::catch_unwind(|| {
            // SAFETY: nothing is allocated.
            unsafe { crate::alloc::region(|| panic!("in a region")) }
        });
        assert!(unwound.is_err());
        assert!(!region_open());
        // A region inside another is not one of its own: it is dropped
        // as usual, and the outer one is still freed whole.
        let outer = region_blocks(10);
        assert!(region_open());
        let mut dropped = false;
        // SAFETY: nothing is allocated.
        let inner = unsafe { crate::alloc::region(|| ()) };
        inner.release(|()| dropped = true);
        assert!(dropped);
        assert!(region_open());
        outer.release(|_| panic!("freed whole"));
    }

    /// Where the address space cannot be reserved, the scratch heap is
    /// used instead and there is nothing here to test.
    fn reserve_failed() -> bool {
        base() == 1
    }
}
