//! The shared shape of GIL101-103: work of one class sent to the wrong kind
//! of worker.

use super::Cx;
use crate::analysis::project::{Dispatch, Workload};
use crate::diagnostic::Diagnostic;
use crate::rulebook::ContextKind;

pub fn mismatch(
    cx: &Cx,
    code: &str,
    context: ContextKind,
    workload: Workload,
    out: &mut Vec<Diagnostic>,
) {
    mismatch_with(cx, code, context, workload, &|_| Vec::new(), out)
}

/// [`mismatch`] with the facts of each finding (see `RULE_FACTS`).
pub fn mismatch_with(
    cx: &Cx,
    code: &str,
    context: ContextKind,
    workload: Workload,
    facts: &dyn Fn(&Dispatch) -> Vec<&'static str>,
    out: &mut Vec<Diagnostic>,
) {
    let p = cx.p;
    for d in &p.dispatches {
        if d.site.context != context {
            continue;
        }
        let Some(target) = &d.target else { continue };
        if p.target_workload(target) != workload {
            continue;
        }
        // Waiting on another thread or process is orchestration, not I/O
        // that threads would overlap better.
        if workload == Workload::Io && p.waits_only(target) {
            continue;
        }
        let Some(subject) = cx.subject(target) else {
            continue;
        };
        let evidence = p.target_evidence(target);
        let dispatcher = format!("`{}`", d.site.via);
        out.push(cx.diag_with(
            code,
            d.from,
            d.site.start,
            d.site.end,
            Some(subject.clone()),
            &[
                ("subject", &subject),
                ("evidence", &evidence),
                ("dispatcher", &dispatcher),
                ("context", context.as_str()),
            ],
            &facts(d),
        ));
    }
}
