//! GIL203 `async-race-across-await`: a coroutine writes shared state from a
//! value it read (or a check it made) before an `await`, outside any lock.
//! Reported at the write. Doc: `rules/docs/GIL203.md`. The builder
//! classifies the write (`semantic/builder/shared.rs`); no thread analysis
//! is involved, since tasks interleave only at `await`.

use super::races::what;
use super::Cx;
use crate::diagnostic::Diagnostic;
use crate::semantic::AccessKind;

pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let p = cx.p;
    for f in 0..p.funcs.len() {
        let s = p.funcs[f].summary;
        if !s.is_async {
            continue;
        }
        for a in s.accesses() {
            if a.kind != AccessKind::AcrossAwait || a.locked || a.loop_locked {
                continue;
            }
            let read_line = a.origin.as_ref().map(|(l, _)| l.row).unwrap_or(a.start.row);
            let read = a
                .origin
                .as_ref()
                .map(|&(_, r)| p.text(f, r))
                .unwrap_or("a read");
            let await_line = a.await_at.map(|l| l.row).unwrap_or(a.start.row);
            let (read_line, await_line) = (read_line.to_string(), await_line.to_string());
            let display = p.text(f, a.place.display);
            out.push(cx.diag(
                "GIL203",
                f,
                a.start,
                a.end,
                Some(display.to_string()),
                &[
                    ("place", display),
                    ("what", what(&a.place, display)),
                    ("statement", p.text(f, a.statement)),
                    ("coroutine", s.qualname()),
                    ("read", read),
                    ("read_line", &read_line),
                    ("await_line", &await_line),
                ],
            ));
        }
    }
}
