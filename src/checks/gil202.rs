//! GIL202 `check-then-act`: an `if` tests shared state and its branch
//! changes it, in code threads run at once, outside a lock. Reported at the
//! write. Doc: `rules/docs/GIL202.md`; the analysis is in
//! `analysis/shared.rs`.

use super::{races, Cx};
use crate::diagnostic::Diagnostic;
use crate::semantic::AccessKind;

pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    races::report(cx, "GIL202", &[AccessKind::CheckThenAct], out, &|f, a| {
        let (line, test) = match a.origin {
            Some((at, test)) => (at.row.to_string(), cx.p.text(f, test).to_string()),
            None => (String::new(), String::new()),
        };
        vec![("check", test), ("check_line", line)]
    });
}
