//! The rules. Each is a small function from the project's facts to
//! diagnostics, parameterised by the rulebook; none re-walks an AST.

mod dispatch;
pub mod gil101;
pub mod gil102;
pub mod gil103;
pub mod gil104;
pub mod gil105;
pub mod gil106;
pub mod gil201;
pub mod gil202;
pub mod gil203;
pub mod gil204;
pub mod gil205;
pub mod gil301;
pub mod gil302;
pub mod gil303;
pub mod gil401;
pub mod gil402;
mod numeric;
mod races;

use crate::analysis::project::{Ev, FuncId, Project, Slot};
use crate::diagnostic::Diagnostic;
use crate::rulebook::render;
use crate::source::Location;
use rayon::prelude::*;

/// Run every enabled check.
pub fn run(p: &Project, module_file: &[usize], enabled: &dyn Fn(&str) -> bool) -> Vec<Diagnostic> {
    let cx = Cx { p, module_file };
    let checks: [(&str, Check); 16] = [
        ("GIL101", gil101::check),
        ("GIL102", gil102::check),
        ("GIL103", gil103::check),
        ("GIL104", gil104::check),
        ("GIL105", gil105::check),
        ("GIL106", gil106::check),
        ("GIL201", gil201::check),
        ("GIL202", gil202::check),
        ("GIL203", gil203::check),
        ("GIL204", gil204::check),
        ("GIL205", gil205::check),
        ("GIL301", gil301::check),
        ("GIL302", gil302::check),
        ("GIL303", gil303::check),
        ("GIL401", gil401::check),
        ("GIL402", gil402::check),
    ];
    // In parallel, each into a list of its own, joined in the checks'
    // order: the same diagnostics in the same order whatever the threads.
    let chosen: Vec<Check> = checks
        .into_iter()
        .filter(|(code, _)| enabled(code))
        .map(|(_, check)| check)
        .collect();
    let found: Vec<Vec<Diagnostic>> = chosen
        .into_par_iter()
        .map(|check| {
            let mut out = Vec::new();
            check(&cx, &mut out);
            out
        })
        .collect();
    found.into_iter().flatten().collect()
}

/// A rule's detection: facts in, diagnostics out.
pub type Check = fn(&Cx, &mut Vec<Diagnostic>);

pub struct Cx<'a, 's> {
    pub p: &'a Project<'s>,
    pub module_file: &'a [usize],
}

impl Cx<'_, '_> {
    /// A diagnostic of `code` in function `f`, its texts rendered from the
    /// rulebook with `values`.
    pub fn diag(
        &self,
        code: &str,
        f: FuncId,
        start: Location,
        end: Location,
        subject: Option<String>,
        values: &[(&str, &str)],
    ) -> Diagnostic {
        self.diag_with(code, f, start, end, subject, values, &[])
    }

    /// [`Self::diag`] for a finding with `facts`, which select the rule's
    /// `overrides` that apply to it.
    #[allow(clippy::too_many_arguments)]
    pub fn diag_with(
        &self,
        code: &str,
        f: FuncId,
        start: Location,
        end: Location,
        subject: Option<String>,
        values: &[(&str, &str)],
        facts: &[&str],
    ) -> Diagnostic {
        let rule = self.p.rb.rule_with(code, facts);
        let node = &self.p.funcs[f];
        Diagnostic {
            code: rule.code.clone(),
            name: rule.name.clone(),
            severity: rule.severity,
            message: render(&rule.message, values),
            file: self.module_file[node.file],
            location: start,
            end_location: end,
            function: (!node.summary.is_module).then(|| node.summary.qualname().to_string()),
            subject,
            help: render(&rule.help, values),
            recommendation: rule.recommendation,
            fix_title: render(&rule.fix_title, values),
        }
    }

    /// How `g` reaches the origin of `ev`, for messages: `` `g()` ``, each
    /// helper in between, and `…` where the chain was cut.
    pub fn call_chain(&self, g: FuncId, ev: &Ev, slot: Slot) -> Vec<String> {
        let mut parts = vec![format!("`{}()`", self.qualname(g))];
        let (helpers, cut) = self.p.chain(g, ev, slot);
        for h in helpers {
            parts.push(format!("`{}()`", self.qualname(h)));
        }
        if cut {
            parts.push("…".to_string());
        }
        parts
    }

    pub fn qualname(&self, f: FuncId) -> &str {
        self.p.funcs[f].summary.qualname()
    }

    /// How a message names a dispatch target: a project function by its
    /// qualname, a library callable by its qualified name; `None` for a
    /// project class without `__init__`, which no rule is about.
    pub fn subject(&self, t: &crate::analysis::project::Target) -> Option<String> {
        use crate::analysis::project::Target;
        match t {
            Target::Func(g) => Some(self.qualname(*g).to_string()),
            Target::External(q) => Some(q.to_string()),
            Target::Known => None,
        }
    }
}
