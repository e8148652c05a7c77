//! The whole-project analysis.
//!
//! # How a function's workload is decided
//!
//! Effects are gathered per function and propagated from callees (see
//! [`project`]):
//! - **I/O**: a call the catalogue lists as I/O. Network, sleep, subprocess
//!   and database calls are *slow* I/O; disk reads are cheap when the page
//!   cache holds the file; `wait` is blocking on another thread's result.
//! - **vector**: a call into C that releases the GIL. Inside an index loop
//!   (`for i in range(n)`) or a loop over a file's lines it works on one
//!   element at a time, so it counts as Python work instead.
//! - **CPU**: a *compute loop*, whose body does arithmetic, string building
//!   or formatting (or calls CPU-bound helpers or GIL-holding C like `re`)
//!   and performs no I/O and no `await`. A compute loop is *heavy* when a
//!   `range(N)` bound reaches `heavy_trip_count` or when it is nested in, or
//!   contains, another compute loop. Recursion with arithmetic is heavy too.
//!
//! The class follows from these:
//! - heavy CPU with slow I/O or vector work is `mixed`, alone it is `cpu`;
//! - light CPU with slow I/O is `io` (the waiting dominates), with vector work
//!   it is `vector`, and with only disk reads it is `cpu` (per-line Python
//!   work dominates reading a cached file);
//! - I/O alone is `io`, vector alone is `vector`, I/O with vector is `mixed`;
//! - nothing at all is `light`.

pub mod project;
pub mod shared;
