//! GIL106 `threads-at-scale`: I/O fanned out over a very large thread
//! pool, or one new thread per item of an endless or very large
//! iterable. Every thread costs a stack and a scheduler entry, and
//! switching between thousands of them costs more than the waits they
//! overlap; an event loop waits on thousands of sockets with one thread.
//! Reported at the dispatch. Doc: `rules/docs/GIL106.md`.

use super::gil303::describe_items;
use super::Cx;
use crate::analysis::project::Workload;
use crate::diagnostic::Diagnostic;
use crate::rulebook::ContextKind;

pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let p = cx.p;
    let at_scale = p.rb.settings.thread_pool_at_scale;
    for d in &p.dispatches {
        if d.site.context != ContextKind::Threads {
            continue;
        }
        let Some(target) = &d.target else { continue };
        if p.target_workload(target) != Workload::Io || p.waits_only(target) {
            continue;
        }
        let scale = match d.site.max_workers {
            Some(n) if n >= at_scale => format!("a pool of {n} threads"),
            _ if d.site.spawns => {
                let Some(l) = d.site.in_loop else { continue };
                let s = p.funcs[d.from].summary;
                let file = p.funcs[d.from].file;
                let fact = &s.loops()[l as usize];
                let Some(items) = describe_items(p, file, &fact.items, at_scale) else {
                    continue;
                };
                if fact.kind == crate::semantic::LoopKind::While {
                    format!("one new thread per pass of {items}")
                } else {
                    format!("one new thread for each of {items}")
                }
            }
            _ => continue,
        };
        let Some(subject) = cx.subject(target) else {
            continue;
        };
        let evidence = p.target_evidence(target);
        let dispatcher = format!("`{}`", d.site.via);
        out.push(cx.diag(
            "GIL106",
            d.from,
            d.site.start,
            d.site.end,
            Some(subject.clone()),
            &[
                ("subject", &subject),
                ("evidence", &evidence),
                ("dispatcher", &dispatcher),
                ("scale", &scale),
            ],
        ));
    }
}
