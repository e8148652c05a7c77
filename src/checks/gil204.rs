//! GIL204 `folklore-atomicity`: single operations on shared state
//! (`L.append(x)`, `d[k] = v`, a read of a field another thread writes)
//! whose atomicity is a CPython implementation detail. Off by default.
//! Doc: `rules/docs/GIL204.md`; the analysis is in `analysis/shared.rs`.

use super::{races, Cx};
use crate::diagnostic::Diagnostic;
use crate::semantic::AccessKind;

pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    races::report(
        cx,
        "GIL204",
        &[AccessKind::Mutate, AccessKind::Read],
        out,
        &|f, a| {
            let op = match (a.kind, a.method.map(|m| cx.p.text(f, m))) {
                (AccessKind::Read, _) => "a plain read".to_string(),
                (_, Some("del")) => "`del` of an item".to_string(),
                (_, Some(m)) => format!("`{m}()`"),
                (_, None) => "an item store".to_string(),
            };
            vec![("operation", op)]
        },
    );
}
