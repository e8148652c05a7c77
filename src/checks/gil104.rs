//! GIL104 `blocking-io-in-async`: a blocking call inside `async def`,
//! directly or through synchronous helpers in any module. Reported at the
//! call inside the coroutine, naming the chain. Doc: `rules/docs/GIL104.md`.

use super::Cx;
use crate::analysis::project::{Slot, Target};
use crate::diagnostic::Diagnostic;
use crate::rulebook::Effect;

pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let p = cx.p;
    for f in 0..p.funcs.len() {
        let s = p.funcs[f].summary;
        if !s.is_async {
            continue;
        }
        for (ci, call) in s.calls().iter().enumerate() {
            if call.awaited() || call.cold() {
                continue;
            }
            let (subject, chain, kind, alternative) = match p.call_target(f, ci) {
                Some(Target::External(q)) => match p.rb.effect(q) {
                    Some(Effect::Io {
                        kind,
                        blocking: true,
                        alternative,
                    }) => (
                        q.to_string(),
                        format!("`{q}`"),
                        kind.as_str(),
                        alternative.clone(),
                    ),
                    _ => continue,
                },
                Some(Target::Func(g)) => {
                    let g = *g;
                    let callee = p.funcs[g].summary;
                    if callee.is_async {
                        continue;
                    }
                    let Some(ev) = &p.effects[g].blocking else {
                        continue;
                    };
                    let (lf, leaf) = p.leaf(g, ev, Slot::Blocking);
                    let mut parts = cx.call_chain(g, ev, Slot::Blocking);
                    parts.push(format!(
                        "{} at {}:{}",
                        p.detail(&leaf),
                        p.file_label(lf),
                        leaf.line.row
                    ));
                    let kind = leaf.io.map(|(k, _)| k.as_str()).unwrap_or("I/O");
                    (
                        callee.qualname().to_string(),
                        parts.join(" -> "),
                        kind,
                        p.alternative(ev).map(str::to_string),
                    )
                }
                Some(Target::Known) | None => continue,
            };
            let alternative = alternative.unwrap_or_else(|| "an async equivalent".to_string());
            out.push(cx.diag(
                "GIL104",
                f,
                s.call_start(ci),
                s.call_end(ci),
                Some(subject.clone()),
                &[
                    ("subject", &subject),
                    ("call", p.call_name(f, call.display)),
                    ("chain", &chain),
                    ("kind", kind),
                    ("coroutine", s.qualname()),
                    ("alternative", &alternative),
                ],
            ));
        }
    }
}
