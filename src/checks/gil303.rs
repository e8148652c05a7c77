//! GIL303 `tiny-tasks-to-processes`: `imap`, `imap_unordered` or
//! `ProcessPoolExecutor.map` over a large or endless iterable without a
//! `chunksize`, mapping a light function. Each item travels to a worker
//! and back on its own: the round trip costs more than the work.
//! Reported at the map. Doc: `rules/docs/GIL303.md`.

use super::Cx;
use crate::analysis::project::{group_digits, Project, Target, Workload};
use crate::diagnostic::Diagnostic;
use crate::rulebook::{ContextKind, Effect};
use crate::semantic::{Items, LoopKind};

/// A project generator with no visible end: it loops forever, over an
/// endless iterable, or over many items.
pub fn endless_generator(p: &Project, file: usize, q: &str, depth: u32) -> bool {
    endless_in(p, file, q, depth, &mut Default::default())
}

/// [`endless_generator`], each generator judged once per depth.
fn endless_in(
    p: &Project,
    file: usize,
    q: &str,
    depth: u32,
    memo: &mut rustc_hash::FxHashMap<(usize, u32), bool>,
) -> bool {
    let Some(&g) = p.iter_calls.get(&(file, q.to_string())) else {
        return false;
    };
    if let Some(&known) = memo.get(&(g, depth)) {
        return known;
    }
    let s = p.funcs[g].summary;
    let endless = s.is_generator()
        && s.loops().iter().any(|l| match l.items {
            Items::Unbounded(_) => true,
            Items::Count(n) => n >= p.rb.settings.many_tasks,
            Items::Call(inner) => {
                depth < 4
                    && l.kind != LoopKind::Comprehension
                    && endless_in(p, p.funcs[g].file, p.text(g, inner), depth + 1, memo)
            }
            Items::Unknown => false,
        });
    memo.insert((g, depth), endless);
    endless
}

/// How an iterable is large or endless, for a message.
pub fn describe_items(p: &Project, file: usize, items: &Items, large: u64) -> Option<String> {
    match *items {
        Items::Count(n) if n >= large => Some(format!("{} items", group_digits(n))),
        Items::Unbounded(what) => Some(p.file_text(file, what).to_string()),
        Items::Call(q) => {
            let q = p.file_text(file, q);
            endless_generator(p, file, q, 0).then(|| {
                format!(
                    "the items of the endless generator `{}()`",
                    q.rsplit('.').next().unwrap_or(q)
                )
            })
        }
        _ => None,
    }
}

/// Light, with every call known.
fn surely_light(p: &Project, t: &Target) -> bool {
    match t {
        Target::Func(g) => p.workload[*g] == Workload::Light && !p.uncertain[*g],
        Target::External(q) => matches!(p.rb.effect(q), Some(Effect::Pure | Effect::Light)),
        Target::Known => false,
    }
}

pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let p = cx.p;
    for d in &p.dispatches {
        if d.site.context != ContextKind::Processes {
            continue;
        }
        let Some(ch) = &d.site.chunking else { continue };
        if ch.given || !ch.default_one {
            continue;
        }
        let Some(target) = &d.target else { continue };
        if !surely_light(p, target) {
            continue;
        }
        let file = p.funcs[d.from].file;
        let Some(items) = describe_items(p, file, &ch.items, p.rb.settings.many_tasks) else {
            continue;
        };
        let Some(subject) = cx.subject(target) else {
            continue;
        };
        let dispatcher = format!("`{}`", d.site.via);
        out.push(cx.diag(
            "GIL303",
            d.from,
            d.site.start,
            d.site.end,
            Some(subject),
            &[
                ("subject", &d.site.target_display),
                ("dispatcher", &dispatcher),
                ("items", &items),
            ],
        ));
    }
}
