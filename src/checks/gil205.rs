//! GIL205 `useless-lock`: `with threading.Lock():` makes a lock per entry,
//! which protects nothing. Reported at the constructor. Doc:
//! `rules/docs/GIL205.md`.

use super::Cx;
use crate::diagnostic::Diagnostic;

pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let p = cx.p;
    for f in 0..p.funcs.len() {
        for l in p.funcs[f].summary.fresh_locks() {
            out.push(cx.diag(
                "GIL205",
                f,
                l.start,
                l.end,
                None,
                &[("lock", &l.display), ("statement", &l.statement)],
            ));
        }
    }
}
