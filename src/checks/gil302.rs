//! GIL302 `unpicklable-callable`: a lambda, a nested function (closure),
//! a `functools.partial` over one, or a method of a class defined inside
//! a function, handed to a process pool or `Process(target=...)`. pickle
//! sends functions by their importable name, and these have none.
//! Reported at the dispatch. Doc: `rules/docs/GIL302.md`.

use super::Cx;
use crate::analysis::project::Target;
use crate::diagnostic::Diagnostic;
use crate::rulebook::ContextKind;
use crate::semantic::CallableForm;

/// Why a callable of this form and target does not pickle, if it does not.
pub fn unpicklable(cx: &Cx, form: &CallableForm, target: Option<&Target>) -> Option<String> {
    match form {
        CallableForm::Lambda => Some("a lambda".into()),
        CallableForm::Partial(inner) => {
            unpicklable(cx, inner, target).map(|why| format!("a `functools.partial` over {why}"))
        }
        CallableForm::Ref => {
            let Some(Target::Func(g)) = target else {
                return None;
            };
            let s = cx.p.funcs[*g].summary;
            let (outer, _) = s.qualname().split_once(".<locals>.")?;
            Some(match s.class() {
                Some(class) => format!(
                    "`{}`, a method of class `{}` defined inside `{outer}()`",
                    s.qualname().rsplit('.').next().unwrap_or(s.qualname()),
                    class.rsplit('.').next().unwrap_or(class),
                ),
                None => format!(
                    "`{}`, a function nested in `{outer}()`",
                    s.qualname().rsplit('.').next().unwrap_or(s.qualname())
                ),
            })
        }
        CallableForm::Other => None,
    }
}

pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let p = cx.p;
    for d in &p.dispatches {
        // A forked `Process` inherits its target: nothing is pickled. (A
        // forked pool still pickles each task's function.)
        if d.site.context != ContextKind::Processes
            || d.site.pickles_closures
            || (d.site.forks && d.site.spawns)
        {
            continue;
        }
        let Some(why) = unpicklable(cx, &d.site.form, d.target.as_ref()) else {
            continue;
        };
        let dispatcher = format!("`{}`", d.site.via);
        out.push(cx.diag(
            "GIL302",
            d.from,
            d.site.start,
            d.site.end,
            None,
            &[
                ("callable", &why),
                ("dispatcher", &dispatcher),
                ("display", &d.site.target_display),
            ],
        ));
    }
}
