//! GIL402 `python-loop-over-array`: a `for i in range(...)` loop that
//! reads and writes NumPy arrays one element at a time. Each step boxes a
//! scalar and runs bytecode; the same work as one whole-array expression
//! runs in C (and releases the GIL). Where the loop is one assignment,
//! the message shows the expression. Reported at the loop.
//! Doc: `rules/docs/GIL402.md`.

use super::numeric::{elementwise, jitted};
use super::Cx;
use crate::diagnostic::Diagnostic;

pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let p = cx.p;
    for f in 0..p.funcs.len() {
        if jitted(p, f) {
            continue;
        }
        let s = p.funcs[f].summary;
        for (l, fact) in s.loops().iter().enumerate() {
            if !elementwise(p, f, l as u32) {
                continue;
            }
            let vector = fact.vector.map_or("", |v| p.text(f, v));
            let facts: &[&str] = if fact.vector.is_some() {
                &["derived"]
            } else {
                &[]
            };
            let subject = if s.is_module {
                "module-level code".to_string()
            } else {
                format!("`{}`", s.qualname())
            };
            out.push(cx.diag_with(
                "GIL402",
                f,
                fact.start,
                fact.header_end,
                (!s.is_module).then(|| s.qualname().to_string()),
                &[("subject", &subject), ("vector", vector)],
                facts,
            ));
        }
    }
}
