//! The whole analysis of one source text: decode, parse, summarise, the
//! project stage and every check. Must never panic.
#![no_main]

use advise::analysis::project::Project;
use advise::rulebook::Rulebook;
use advise::semantic::builder::summarise;
use advise::source::{decode, parse, LineIndex};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn rulebook() -> &'static Rulebook {
    static RB: OnceLock<Rulebook> = OnceLock::new();
    RB.get_or_init(|| Rulebook::default_rules().expect("default rules"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = decode(data.to_vec()) else { return };
    let rb = rulebook();
    let lines = LineIndex::new(&text);
    let parsed = parse(&text, false);
    for e in parsed.parsed.errors() {
        let _ = lines.location(&text, e.location.start());
    }
    let summary = summarise(&text, &lines, rb, "fuzzed", false, parsed.parsed.suite());
    let project = Project::build(rb, vec![&summary], vec!["fuzzed.py".into()]);
    let diags = advise::checks::run(&project, &[0], &|_| true);
    for d in &diags {
        let _ = lines.line_text(&text, d.location.row);
    }
    for f in 0..project.funcs.len() {
        let _ = project.evidence_list(f);
    }
});
