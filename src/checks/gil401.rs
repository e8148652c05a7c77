//! GIL401 `numeric-loop-jit`: a heavy pure-Python loop over numbers and
//! arrays in a CPU-bound function that Numba's nopython mode can compile.
//! With no construct Numba rejects, `@numba.njit` runs it as machine code;
//! when the outer loop's iterations are independent, `parallel=True` with
//! `numba.prange` also spreads them over cores. Reported at the outermost
//! such loop. Doc: `rules/docs/GIL401.md`.

use super::numeric::{elementwise, jit_blocker, jitted, numeric_nest};
use super::Cx;
use crate::analysis::project::{group_digits, Workload};
use crate::diagnostic::Diagnostic;
use crate::semantic::{IterKind, LoopKind};

pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let p = cx.p;
    for f in 0..p.funcs.len() {
        if p.workload[f] != Workload::Cpu || jitted(p, f) {
            continue;
        }
        let s = p.funcs[f].summary;
        let mut candidates = Vec::new();
        for l in p.loop_marks.heavy(f) {
            let fact = &s.loops()[l as usize];
            if !p.outermost_heavy(f, l) || fact.kind == LoopKind::Comprehension {
                continue;
            }
            // One whole-array expression beats compiling the loop (GIL402).
            if elementwise(p, f, l) || !numeric_nest(p, f, l) {
                continue;
            }
            candidates.push(l);
        }
        if candidates.is_empty() || jit_blocker(p, f, 0).is_some() {
            continue;
        }
        for l in candidates {
            let fact = &s.loops()[l as usize];
            let evidence = match fact.trip() {
                Some(t) if t >= p.rb.settings.heavy_trip_count => {
                    format!("a loop of {} iterations", group_digits(t))
                }
                _ => "nested loops".to_string(),
            };
            let parallel =
                fact.kind == LoopKind::For && fact.iter == IterKind::Range && fact.independent;
            let facts: &[&str] = if parallel { &["parallel"] } else { &[] };
            let line = fact.start.row.to_string();
            out.push(cx.diag_with(
                "GIL401",
                f,
                fact.start,
                fact.header_end,
                Some(s.qualname().to_string()),
                &[
                    ("subject", s.qualname()),
                    ("evidence", &evidence),
                    ("loop_line", &line),
                ],
                facts,
            ));
        }
    }
}
