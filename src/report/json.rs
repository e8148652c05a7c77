//! `--output-format json`: one object, in a shape later versions only
//! extend; `json-lines`: one diagnostic object per line.

use crate::diagnostic::Diagnostic;
use crate::{Outcome, VERSION};
use serde::{Serialize, Serializer};

#[derive(Serialize)]
struct Loc {
    row: u32,
    column: u32,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    message: &'a str,
    filename: String,
    location: Loc,
    end_location: Loc,
    function: Option<&'a str>,
    subject: Option<&'a str>,
    recommendation: &'a str,
    fix_title: &'a str,
}

#[derive(Serialize)]
struct JsonEvidence<'a> {
    line: u32,
    kind: &'a str,
    detail: &'a str,
}

#[derive(Serialize)]
struct JsonHotspot<'a> {
    filename: &'a str,
    function: &'a str,
    line: u32,
    workload: &'a str,
    contexts: Vec<&'a str>,
    evidence: Vec<JsonEvidence<'a>>,
    recommendation: &'a str,
    /// What the profiles measured; null without --profile.
    measured: Option<crate::profile::join::JsonMeasured>,
}

#[derive(Serialize)]
struct JsonProfile {
    filename: String,
    format: &'static str,
    samples: Option<u64>,
    mapped: f64,
    measures_waiting: bool,
}

/// A list serialised item by item from an iterator, never collected: a
/// report lists thousands of hotspots.
struct Lazy<F>(F);

impl<F, I> Serialize for Lazy<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

#[derive(Serialize)]
struct JsonOutput<'a, H: Serialize> {
    advise_version: &'a str,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    hotspots: H,
    /// The profiles joined to the analysis; null without --profile.
    profiles: Option<Vec<JsonProfile>>,
}

fn diagnostic<'a>(o: &Outcome, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
    JsonDiagnostic {
        code: &d.code,
        name: &d.name,
        severity: d.severity.as_str(),
        message: &d.message,
        filename: o.files[d.file].path.display().to_string(),
        location: Loc {
            row: d.location.row,
            column: d.location.column,
        },
        end_location: Loc {
            row: d.end_location.row,
            column: d.end_location.column,
        },
        function: d.function.as_deref(),
        subject: d.subject.as_deref(),
        recommendation: d.recommendation.as_str(),
        fix_title: &d.fix_title,
    }
}

/// One diagnostic object per line, in the shape of `json`'s diagnostics.
pub fn render_lines(o: &Outcome) -> String {
    let mut out = String::new();
    for d in &o.diagnostics {
        if let Ok(line) = serde_json::to_string(&diagnostic(o, d)) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// Write the report, indented, streamed: neither the whole text nor the
/// list of hotspots is held in memory at once.
pub fn write<W: std::io::Write>(o: &Outcome, mut w: W) -> std::io::Result<()> {
    // Each file's name once, not once per hotspot.
    let names: Vec<String> = o
        .files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    let out = JsonOutput {
        advise_version: VERSION,
        diagnostics: o.diagnostics.iter().map(|d| diagnostic(o, d)).collect(),
        hotspots: Lazy(|| {
            o.hotspots.iter().map(|h| JsonHotspot {
                filename: &names[h.file],
                function: &h.function,
                line: h.line,
                workload: h.workload.as_str(),
                contexts: h.contexts.iter().map(|c| c.as_str()).collect(),
                evidence: h
                    .evidence
                    .iter()
                    .map(|(l, k, d)| JsonEvidence {
                        line: l.row,
                        kind: k,
                        detail: d,
                    })
                    .collect(),
                recommendation: h.recommendation.as_str(),
                measured: h.measured.as_ref().map(|m| m.json()),
            })
        }),
        profiles: o.profile.as_ref().map(|r| {
            r.sources
                .iter()
                .map(|s| JsonProfile {
                    filename: s.path.display().to_string(),
                    format: s.format.as_str(),
                    samples: s.samples,
                    mapped: (s.mapped * 10_000.0).round() / 10_000.0,
                    measures_waiting: s.measures_waiting,
                })
                .collect()
        }),
    };
    serde_json::to_writer_pretty(&mut w, &out)?;
    w.write_all(b"\n")
}
