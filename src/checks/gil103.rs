//! GIL103 `vector-in-processes`: a function whose work runs in C with the
//! GIL released (NumPy, zlib, hashlib on large buffers) dispatched to
//! processes: threads already run it in parallel, and processes pickle its
//! arrays. Reported at the dispatch. Doc: `rules/docs/GIL103.md`.

use super::{dispatch, Cx};
use crate::analysis::project::Workload;
use crate::diagnostic::Diagnostic;
use crate::rulebook::ContextKind;

pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    dispatch::mismatch(cx, "GIL103", ContextKind::Processes, Workload::Vector, out);
}
