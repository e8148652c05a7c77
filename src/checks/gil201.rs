//! GIL201 `racy-read-modify-write`: `x += 1`, `d[k] = d.get(k, 0) + 1` and
//! write-backs of an earlier read on state shared by threads that run at
//! once, outside a lock. Reported at the statement. Doc:
//! `rules/docs/GIL201.md`; the analysis is in `analysis/shared.rs`.

use super::{races, Cx};
use crate::diagnostic::Diagnostic;
use crate::semantic::AccessKind;

pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    races::report(
        cx,
        "GIL201",
        &[AccessKind::ReadModifyWrite],
        out,
        &|_, _| Vec::new(),
    );
}
