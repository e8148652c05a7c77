//! GIL105 `cpu-bound-in-async`: a heavy pure-Python loop inside `async def`,
//! or a call to a synchronous helper that runs one. While it runs, no other
//! task on the loop makes progress. Reported at the loop, or at the call of
//! the helper. Doc: `rules/docs/GIL105.md`.

use super::Cx;
use crate::analysis::project::{Slot, Target};
use crate::diagnostic::Diagnostic;

pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let p = cx.p;
    for f in 0..p.funcs.len() {
        let s = p.funcs[f].summary;
        if !s.is_async {
            continue;
        }
        for l in p.loop_marks.heavy(f) {
            let fact = &s.loops()[l as usize];
            if !p.outermost_heavy(f, l) {
                continue;
            }
            let evidence = match fact.trip() {
                Some(t) if t >= p.rb.settings.heavy_trip_count => {
                    format!("a loop of {t} iterations")
                }
                _ => "a nested loop doing Python arithmetic".to_string(),
            };
            out.push(cx.diag(
                "GIL105",
                f,
                fact.start,
                fact.header_end,
                Some(s.qualname().to_string()),
                &[
                    ("subject", s.qualname()),
                    ("evidence", &evidence),
                    ("chain", ""),
                    ("coroutine", s.qualname()),
                ],
            ));
        }
        for (ci, call) in s.calls().iter().enumerate() {
            if call.awaited() || call.cold() {
                continue;
            }
            let Some(&Target::Func(g)) = p.call_target(f, ci) else {
                continue;
            };
            let callee = p.funcs[g].summary;
            if callee.is_async {
                continue;
            }
            let Some(ev) = &p.effects[g].cpu_strong else {
                continue;
            };
            let evidence = p.describe(g, ev, Slot::CpuStrong);
            let parts = cx.call_chain(g, ev, Slot::CpuStrong);
            let chain = format!(" (called through {})", parts.join(" -> "));
            out.push(cx.diag(
                "GIL105",
                f,
                s.call_start(ci),
                s.call_end(ci),
                Some(callee.qualname().to_string()),
                &[
                    ("subject", callee.qualname()),
                    ("evidence", &evidence),
                    ("chain", &chain),
                    ("coroutine", s.qualname()),
                ],
            ));
        }
    }
}
