//! GIL301 `missing-main-guard`: a process pool or process created at
//! import time, outside `if __name__ == "__main__":`. Under the spawn and
//! forkserver start methods every child imports the main module again,
//! so module-level code runs once per worker (and the creation itself
//! raises in the child). Reported at the creation.
//! Doc: `rules/docs/GIL301.md`.

use super::Cx;
use crate::diagnostic::Diagnostic;
use crate::rulebook::ContextKind;

pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let p = cx.p;
    for cr in &p.creations {
        // Forked children do not import the main module again.
        if cr.context != ContextKind::Processes || cr.forks {
            continue;
        }
        let s = p.funcs[cr.from].summary;
        let call = &s.calls()[cr.call];
        let how = if s.is_module {
            if call.main_guard() {
                continue;
            }
            "at module level".to_string()
        } else {
            let Some(&(m, ci)) = p.import_time.get(&cr.from) else {
                continue;
            };
            let caller = p.funcs[m].summary;
            let site = &caller.calls()[ci];
            let row = caller.call_start(ci).row;
            let shown = p.call_name(m, site.display);
            if shown == s.qualname() {
                format!(
                    "in `{}()`, which module-level code calls at line {}",
                    s.qualname(),
                    row
                )
            } else {
                format!(
                    "in `{}()`, which runs at import time through `{}()` (called at module level at line {})",
                    s.qualname(), shown, row
                )
            }
        };
        let creation = format!("`{}(...)`", p.call_name(cr.from, call.display));
        out.push(cx.diag(
            "GIL301",
            cr.from,
            s.call_start(cr.call),
            s.call_end(cr.call),
            None,
            &[("creation", &creation), ("where", &how)],
        ));
    }
}
