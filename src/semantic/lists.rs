//! A function's five lists (calls, unresolved calls, loops, accesses,
//! constructs) in one block: their lengths, then each list's elements.
//!
//! A project keeps a summary for every function, and most functions have
//! a few calls and nothing else. Five lists of their own cost a pointer
//! each in the summary and a length and capacity beside each list's
//! elements; one block costs one pointer, and a function with none of
//! them allocates nothing. The lists are built as [`FunctionLists`], then
//! frozen into [`Lists`], which only reads them.

use std::alloc::Layout;
use std::ptr::NonNull;

use super::model::{Access, CallSite, Construct, LoopFact};

/// The lists as the summariser builds them.
#[derive(Debug, Default)]
pub struct FunctionLists {
    pub calls: Vec<CallSite>,
    /// First and last line of each unresolved call.
    pub unresolved_calls: Vec<(u32, u32)>,
    pub loops: Vec<LoopFact>,
    pub accesses: Vec<Access>,
    pub constructs: Vec<Construct>,
}

/// The lists, frozen: `None` when all are empty, else a block that starts
/// with their lengths ([`HEADER`]) and holds each list's elements after
/// them, in order, each at its type's alignment.
pub struct Lists(Option<NonNull<u32>>);

// SAFETY: a `Lists` owns its block, which holds plain `Copy` data and is
// only read after it is made, like a `Box<[T]>` of such data.
unsafe impl Send for Lists {}
unsafe impl Sync for Lists {}

/// The bytes of the lengths at the start of a block, one `u32` per list.
const HEADER: usize = 5 * size_of::<u32>();

/// A block's alignment: the largest of its parts'.
const ALIGN: usize = max(
    max(align_of::<u32>(), align_of::<CallSite>()),
    max(
        max(align_of::<(u32, u32)>(), align_of::<LoopFact>()),
        max(align_of::<Access>(), align_of::<Construct>()),
    ),
);

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// `n` rounded up to a multiple of `a` (a power of two).
const fn up(n: usize, a: usize) -> usize {
    (n + a - 1) & !(a - 1)
}

/// Where each list starts in a block of lists of these lengths, and where
/// the last ends: plain arithmetic, which a read of one list reduces to
/// the little it needs. It cannot overflow for the lengths of lists that
/// exist (their bytes were allocated once already), and so for any
/// block's lengths.
#[inline]
fn offsets(lens: [usize; 5]) -> ([usize; 5], usize) {
    let calls = up(HEADER, align_of::<CallSite>());
    let unresolved = up(
        calls + lens[0] * size_of::<CallSite>(),
        align_of::<(u32, u32)>(),
    );
    let loops = up(
        unresolved + lens[1] * size_of::<(u32, u32)>(),
        align_of::<LoopFact>(),
    );
    let accesses = up(
        loops + lens[2] * size_of::<LoopFact>(),
        align_of::<Access>(),
    );
    let constructs = up(
        accesses + lens[3] * size_of::<Access>(),
        align_of::<Construct>(),
    );
    let end = constructs + lens[4] * size_of::<Construct>();
    ([calls, unresolved, loops, accesses, constructs], end)
}

/// Where each list starts, and the block's layout.
fn shape(lens: [usize; 5]) -> ([usize; 5], Layout) {
    let (at, end) = offsets(lens);
    let layout = Layout::from_size_align(end, ALIGN).expect("lists that exist fit in one block");
    (at, layout)
}

/// Copy `list` into the block at `at` bytes from its start.
///
/// # Safety
/// The block must have room for `list` at `at`, aligned for `T`.
unsafe fn put<T: Copy>(block: *mut u8, at: usize, list: &[T]) {
    std::ptr::copy_nonoverlapping(list.as_ptr(), block.add(at).cast::<T>(), list.len());
}

impl Lists {
    pub const EMPTY: Lists = Lists(None);

    /// The lists frozen into one block (none for no elements).
    pub fn freeze(l: &FunctionLists) -> Lists {
        // (A length is kept in a `u32`: past that, which no source that
        // fits in memory reaches, a list is cut short, never overrun.)
        let kept = |n: usize| n.min(u32::MAX as usize);
        let lens = [
            kept(l.calls.len()),
            kept(l.unresolved_calls.len()),
            kept(l.loops.len()),
            kept(l.accesses.len()),
            kept(l.constructs.len()),
        ];
        if lens == [0; 5] {
            return Lists(None);
        }
        let (at, layout) = shape(lens);
        // SAFETY: `layout` is not zero-sized (it holds the header); each
        // list's first `lens[k]` elements are copied to where `shape`
        // places them, inside the block, and the header records the same
        // lengths, from which reads and the free recompute the shape.
        unsafe {
            let block = std::alloc::alloc(layout);
            if block.is_null() {
                std::alloc::handle_alloc_error(layout);
            }
            let header = block.cast::<u32>();
            for (k, n) in lens.iter().enumerate() {
                header.add(k).write(*n as u32);
            }
            put(block, at[0], &l.calls[..lens[0]]);
            put(block, at[1], &l.unresolved_calls[..lens[1]]);
            put(block, at[2], &l.loops[..lens[2]]);
            put(block, at[3], &l.accesses[..lens[3]]);
            put(block, at[4], &l.constructs[..lens[4]]);
            Lists(Some(NonNull::new_unchecked(header)))
        }
    }

    fn lens(&self) -> [usize; 5] {
        match self.0 {
            None => [0; 5],
            // SAFETY: a block starts with its five lengths.
            Some(p) => unsafe {
                let h = p.as_ptr();
                [0, 1, 2, 3, 4].map(|k| *h.add(k) as usize)
            },
        }
    }

    /// List `k`, whose elements are `T`s.
    ///
    /// # Safety
    /// `T` must be list `k`'s element type in [`shape`].
    unsafe fn list<T>(&self, k: usize) -> &[T] {
        match self.0 {
            None => &[],
            Some(p) => {
                let lens = self.lens();
                let (at, _) = offsets(lens);
                std::slice::from_raw_parts(p.as_ptr().cast::<u8>().add(at[k]).cast::<T>(), lens[k])
            }
        }
    }

    pub fn calls(&self) -> &[CallSite] {
        // SAFETY: list 0 holds calls.
        unsafe { self.list(0) }
    }

    pub fn unresolved_calls(&self) -> &[(u32, u32)] {
        // SAFETY: list 1 holds unresolved calls.
        unsafe { self.list(1) }
    }

    pub fn loops(&self) -> &[LoopFact] {
        // SAFETY: list 2 holds loops.
        unsafe { self.list(2) }
    }

    pub fn accesses(&self) -> &[Access] {
        // SAFETY: list 3 holds accesses.
        unsafe { self.list(3) }
    }

    pub fn constructs(&self) -> &[Construct] {
        // SAFETY: list 4 holds constructs.
        unsafe { self.list(4) }
    }
}

impl Clone for Lists {
    fn clone(&self) -> Self {
        let Some(p) = self.0 else {
            return Lists(None);
        };
        let (_, layout) = shape(self.lens());
        // SAFETY: the copy has the original's layout, and its contents
        // are plain `Copy` data.
        unsafe {
            let block = std::alloc::alloc(layout);
            if block.is_null() {
                std::alloc::handle_alloc_error(layout);
            }
            std::ptr::copy_nonoverlapping(p.as_ptr().cast::<u8>(), block, layout.size());
            Lists(Some(NonNull::new_unchecked(block.cast::<u32>())))
        }
    }
}

impl Drop for Lists {
    fn drop(&mut self) {
        if let Some(p) = self.0 {
            let (_, layout) = shape(self.lens());
            // SAFETY: allocated with this layout; the elements need no
            // drop (they are `Copy`).
            unsafe { std::alloc::dealloc(p.as_ptr().cast::<u8>(), layout) };
        }
    }
}

impl std::fmt::Debug for Lists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lists")
            .field("calls", &self.calls())
            .field("unresolved_calls", &self.unresolved_calls())
            .field("loops", &self.loops())
            .field("accesses", &self.accesses())
            .field("constructs", &self.constructs())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::model::{
        AccessKind, CallFacts, FunctionSummary, Items, IterKind, LoopKind, Name, Place, PlaceRoot,
        Text,
    };
    use crate::source::Location;

    fn loc(row: u32, column: u32) -> Location {
        Location { row, column }
    }

    /// Lists of every kind, each of a different length.
    fn lists(n: u32) -> FunctionLists {
        let mut f = FunctionSummary::new("f", false, loc(1, 1), 1);
        let mut calls = Vec::new();
        let facts = CallFacts::default();
        for k in 0..n {
            f.push_call(
                &mut calls,
                Name(k),
                Name(k + 1),
                loc(2 + k, 1),
                loc(2 + k, 9),
                &facts,
            );
        }
        let loop_at = |k: u32| LoopFact {
            start: loc(10 + k, 5),
            header_end: loc(10 + k, 20),
            kind: LoopKind::For,
            parent: k.checked_sub(1),
            iter: IterKind::Range,
            has_work: k % 2 == 0,
            has_await: false,
            has_unknown: true,
            items: Items::Count(u64::from(k) << 40),
            var: Some(Text::new(k)),
            has_text: false,
            array_elems: k,
            array_irregular: false,
            untyped_index: true,
            independent: false,
            vector: None,
        };
        let access_at = |k: u32| Access {
            place: Place {
                key: Text::new(k),
                root: PlaceRoot::Global,
                display: Text::new(k + 1),
                item: false,
            },
            kind: AccessKind::ReadModifyWrite,
            start: loc(30 + k, 1),
            end: loc(30 + k, 8),
            statement: Text::new(3),
            locked: false,
            loop_locked: true,
            origin: None,
            await_at: Some(loc(k, k)),
            method: None,
            written_back: false,
        };
        FunctionLists {
            calls,
            unresolved_calls: (0..n + 1).map(|k| (k, k + 1)).collect(),
            loops: (0..n + 2).map(loop_at).collect(),
            accesses: (0..n + 3).map(access_at).collect(),
            constructs: (0..n % 3)
                .map(|k| Construct::new("method", loc(k, 2), Some(Text::new(k))))
                .collect(),
        }
    }

    /// `frozen` reads as `built`.
    fn same(frozen: &Lists, built: &FunctionLists) {
        let d = |x: &dyn std::fmt::Debug| format!("{x:?}");
        assert_eq!(d(&frozen.calls()), d(&built.calls.as_slice()));
        assert_eq!(frozen.unresolved_calls(), built.unresolved_calls.as_slice());
        assert_eq!(d(&frozen.loops()), d(&built.loops.as_slice()));
        assert_eq!(d(&frozen.accesses()), d(&built.accesses.as_slice()));
        assert_eq!(frozen.constructs(), built.constructs.as_slice());
    }

    #[test]
    fn frozen_lists_read_as_built_and_copy_whole() {
        for n in [0, 1, 2, 5, 17] {
            let built = lists(n);
            let frozen = Lists::freeze(&built);
            same(&frozen, &built);
            let copy = frozen.clone();
            drop(frozen);
            same(&copy, &built);
        }
        // One list alone, each in turn: the others read empty.
        let full = lists(4);
        for k in 0..5 {
            let mut one = FunctionLists::default();
            match k {
                0 => one.calls = full.calls.clone(),
                1 => one.unresolved_calls = full.unresolved_calls.clone(),
                2 => one.loops = full.loops.clone(),
                3 => one.accesses = full.accesses.clone(),
                _ => one.constructs = full.constructs.clone(),
            }
            same(&Lists::freeze(&one), &one);
        }
    }

    #[test]
    fn no_elements_no_block() {
        let empty = Lists::freeze(&FunctionLists::default());
        assert!(empty.0.is_none());
        same(&empty.clone(), &FunctionLists::default());
        assert_eq!(std::mem::size_of::<Lists>(), 8);
    }
}
