//! GIL101 `cpu-bound-in-threads`: a CPU-bound function dispatched to
//! threads. Threads take turns on the GIL, so pure-Python work gains
//! nothing. Reported at the dispatch. Doc: `rules/docs/GIL101.md`.

use super::{dispatch, gil302, Cx};
use crate::analysis::project::{Target, Workload};
use crate::diagnostic::Diagnostic;
use crate::rulebook::ContextKind;

pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    // `picklable`: a project function other processes or interpreters can
    // import by name (for the `InterpreterPoolExecutor` advice).
    let facts = |d: &crate::analysis::project::Dispatch| -> Vec<&'static str> {
        let project_fn = matches!(d.target, Some(Target::Func(_)));
        if project_fn && gil302::unpicklable(cx, &d.site.form, d.target.as_ref()).is_none() {
            vec!["picklable"]
        } else {
            Vec::new()
        }
    };
    dispatch::mismatch_with(
        cx,
        "GIL101",
        ContextKind::Threads,
        Workload::Cpu,
        &facts,
        out,
    );
}
