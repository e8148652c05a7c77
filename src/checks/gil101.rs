//! GIL101 `cpu-bound-in-threads`: a CPU-bound function dispatched to
//! threads. Threads take turns on the GIL, so pure-Python work gains
//! nothing. Reported at the dispatch. Doc: `rules/docs/GIL101.md`.

use super::{dispatch, Cx};
use crate::analysis::project::Workload;
use crate::diagnostic::Diagnostic;
use crate::rulebook::ContextKind;

pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    dispatch::mismatch(cx, "GIL101", ContextKind::Threads, Workload::Cpu, out);
}
