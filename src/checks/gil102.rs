//! GIL102 `io-bound-in-processes`: an I/O-bound function dispatched to
//! processes, which pay start-up and pickling for work that threads or
//! asyncio overlap as well. Reported at the dispatch. Doc:
//! `rules/docs/GIL102.md`.

use super::{dispatch, Cx};
use crate::analysis::project::Workload;
use crate::diagnostic::Diagnostic;
use crate::rulebook::ContextKind;

pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    dispatch::mismatch(cx, "GIL102", ContextKind::Processes, Workload::Io, out);
}
