//! The shared shape of GIL201, GIL202 and GIL204: an unprotected access to
//! state that threads share (see `analysis/shared.rs`), rendered with the
//! thread entries that reach it.

use super::Cx;
use crate::analysis::project::FuncId;
use crate::analysis::shared::Race;
use crate::diagnostic::Diagnostic;
use crate::semantic::{Access, AccessKind, Place, PlaceRoot};

/// Entry points named in a message before "and N more".
const MAX_ENTRIES: usize = 3;

/// How a place is described (`global`, `attribute`, ...), given how it
/// reads.
pub fn what(place: &Place, display: &str) -> &'static str {
    let attr = display.contains('.');
    match place.root {
        PlaceRoot::Global | PlaceRoot::Captured if attr => "attribute",
        PlaceRoot::Global => "global",
        PlaceRoot::Captured => "closure variable",
        PlaceRoot::SelfAttr => "attribute",
        PlaceRoot::ClassAttr => "class attribute",
        PlaceRoot::ModuleAttr => "module attribute",
    }
}

/// `runs concurrently in thread entry `work` (many, via `Thread` at
/// app.py:12)`.
pub fn entries(cx: &Cx, race: &Race) -> String {
    let p = cx.p;
    let shared = &p.shared;
    let mut parts = Vec::new();
    for &ei in race.entries.iter().take(MAX_ENTRIES) {
        let e = &shared.entries[ei];
        let d = &p.dispatches[e.dispatch];
        let how = if e.multi { "many, via" } else { "via" };
        parts.push(format!(
            "`{}` ({how} `{}` at {}:{})",
            cx.qualname(e.target),
            d.site.via,
            p.file_label(d.from),
            d.site.start.row
        ));
    }
    let more = race.entries.len().saturating_sub(MAX_ENTRIES);
    let list = match parts.len() {
        0 => String::new(),
        1 => parts.remove(0),
        _ => {
            let last = parts.pop().unwrap_or_default();
            format!("{} and {last}", parts.join(", "))
        }
    };
    let noun = if race.entries.len() == 1 {
        "thread entry"
    } else {
        "thread entries"
    };
    if more > 0 {
        format!("runs concurrently in {noun} {list} and {more} more")
    } else {
        format!("runs concurrently in {noun} {list}")
    }
}

/// A rule's own values for a race's message, from the access (and the
/// function it is in, whose module holds its texts).
pub type Extra<'f> = &'f dyn Fn(FuncId, &Access) -> Vec<(&'static str, String)>;

/// Report every race whose access is of one of `kinds`.
pub fn report(cx: &Cx, code: &str, kinds: &[AccessKind], out: &mut Vec<Diagnostic>, extra: Extra) {
    let p = cx.p;
    for race in &p.shared.races {
        let a = &p.funcs[race.func].summary.accesses()[race.access];
        if !kinds.contains(&a.kind) {
            continue;
        }
        let entries = entries(cx, race);
        let display = p.text(race.func, a.place.display);
        let mut values: Vec<(&str, String)> = vec![
            ("place", display.to_string()),
            ("what", what(&a.place, display).to_string()),
            ("statement", p.text(race.func, a.statement).to_string()),
            ("entries", entries),
        ];
        values.extend(extra(race.func, a));
        let refs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        out.push(cx.diag(
            code,
            race.func,
            a.start,
            a.end,
            Some(display.to_string()),
            &refs,
        ));
    }
}
