//! advise: how Python hot code behaves under CPython's GIL.
//!
//! The pipeline runs one way:
//! `discover -> source -> index/summaries (per file, parallel) -> project ->
//! checks -> filter -> report`.

pub mod analysis;
pub mod checks;
pub mod cli;
pub mod diagnostic;
pub mod discover;
pub mod profile;
pub mod report;
pub mod rulebook;
pub mod select;
pub mod semantic;
pub mod source;

use analysis::project::{Project, Workload};
use diagnostic::Diagnostic;
use rayon::prelude::*;
use rulebook::{ContextKind, Recommendation, Rulebook, Severity};
use semantic::ModuleSummary;
use source::{LineIndex, Location};
use std::path::PathBuf;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One analysed (or unanalysable) file.
#[derive(Debug)]
pub struct FileEntry {
    /// The path as given or walked.
    pub path: PathBuf,
    pub text: String,
    pub lines: LineIndex,
}

/// A function worth knowing about: dispatched, or not light.
#[derive(Debug, Clone)]
pub struct Hotspot {
    pub file: usize,
    pub function: String,
    pub line: u32,
    pub workload: Workload,
    pub contexts: Vec<ContextKind>,
    pub evidence: Vec<(Location, &'static str, String)>,
    pub recommendation: Recommendation,
    pub dispatched: bool,
    pub heavy: bool,
    /// What the profiles (`--profile`) measured; `None` without profiles.
    pub measured: Option<profile::Measured>,
}

#[derive(Debug)]
pub struct Outcome {
    pub files: Vec<FileEntry>,
    pub diagnostics: Vec<Diagnostic>,
    pub hotspots: Vec<Hotspot>,
    /// How the profiles mapped; `None` without profiles.
    pub profile: Option<profile::ProfileReport>,
}

pub struct Options {
    pub paths: Vec<PathBuf>,
    pub selection: select::Selection,
    /// Profiles to join to the analysis (`--profile`).
    pub profiles: Vec<profile::Profile>,
}

/// A file's fate in the per-file stage.
enum Loaded {
    Ok(
        FileEntry,
        Box<ModuleSummary>,
        Vec<(Location, Location, String)>,
    ),
    Failed(FileEntry, String, Location),
}

fn load_one(path: PathBuf, rb: &Rulebook) -> Loaded {
    let empty = |path: PathBuf| FileEntry {
        path,
        text: String::new(),
        lines: LineIndex::new(""),
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            let msg = format!("cannot read file: {}", discover::io_reason(&e));
            return Loaded::Failed(empty(path), msg, Location { row: 1, column: 1 });
        }
    };
    let text = match source::decode(bytes) {
        Ok(t) => t,
        Err(source::LoadError::NotUtf8 { offset }) => {
            return Loaded::Failed(
                empty(path),
                format!("file is not valid UTF-8 (invalid byte at offset {offset})"),
                Location { row: 1, column: 1 },
            )
        }
        Err(source::LoadError::Encoding { name }) => {
            return Loaded::Failed(
                empty(path),
                format!(
                "file declares the `{name}` encoding; advise reads UTF-8 and Latin-1 sources only"
            ),
                Location { row: 1, column: 1 },
            )
        }
        Err(source::LoadError::Io(m)) => {
            return Loaded::Failed(empty(path), m, Location { row: 1, column: 1 })
        }
    };
    let lines = LineIndex::new(&text);
    let is_stub = path.extension().is_some_and(|e| e == "pyi");
    let (module, is_package) = discover::module_name(&path);
    let parsed = source::parse(&text, is_stub);
    let mut errors = Vec::new();
    for e in parsed.parsed.errors().iter().take(10) {
        let start = lines.location(&text, e.location.start());
        let end = lines.location(&text, e.location.end());
        errors.push((start, end, format!("SyntaxError: {}", e.error)));
    }
    let summary = {
        let builder = semantic::builder::Builder::new(&text, &lines, rb, &module, is_package);
        builder.build(parsed.parsed.suite())
    };
    // Dropping an AST recurses through its nesting. A tree deeper than the
    // walker's limit is dropped on a stack reserved for it (virtual memory,
    // committed only as used); others where there is room.
    if summary.truncated_at.is_some() {
        stacker::grow(1 << 30, move || drop(parsed));
    } else {
        stacker::maybe_grow(1 << 20, 64 << 20, move || drop(parsed));
    }
    Loaded::Ok(FileEntry { path, text, lines }, Box::new(summary), errors)
}

/// Read and parse every file and nothing else: the floor under
/// [`analyse`]'s cost. Returns the number of files and bytes.
pub fn parse_only(paths: &[PathBuf]) -> (usize, usize) {
    let inputs = discover::discover(paths);
    inputs
        .into_par_iter()
        .filter_map(|i| match i {
            discover::Input::File(p) => std::fs::read(&p).ok(),
            discover::Input::Error(..) => None,
        })
        .filter_map(|b| source::decode(b).ok())
        .map(|text| {
            let parsed = source::parse(&text, false);
            let n = text.len();
            stacker::maybe_grow(1 << 20, 64 << 20, move || drop(parsed));
            (1, n)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

/// Analyse the paths with the rulebook.
pub fn analyse(opts: &Options, rb: &Rulebook) -> Outcome {
    let timer = Timer::new();
    let inputs = discover::discover(&opts.paths);
    timer.lap("discover");
    let loaded: Vec<(PathBuf, Option<Loaded>, Option<String>)> = inputs
        .into_par_iter()
        .map(|input| match input {
            discover::Input::File(p) => (p.clone(), Some(load_one(p, rb)), None),
            discover::Input::Error(p, why) => (p, None, Some(why)),
        })
        .collect();
    timer.lap("read, parse, summarise (parallel)");
    let mut files = Vec::new();
    let mut summaries: Vec<Box<ModuleSummary>> = Vec::new();
    let mut module_file = Vec::new();
    let mut diagnostics = Vec::new();
    let meta = |code: &str, file: usize, start: Location, end: Location, message: String| {
        let rule = rb.rule(code);
        Diagnostic {
            code: code.to_string(),
            name: rule.name.clone(),
            severity: rule.severity,
            message: rulebook::render(&rule.message, &[("message", &message)]),
            file,
            location: start,
            end_location: end,
            function: None,
            subject: None,
            help: rule.help.clone(),
            recommendation: rule.recommendation,
            fix_title: rule.fix_title.clone(),
        }
    };
    for (path, loaded, err) in loaded {
        let idx = files.len();
        match (loaded, err) {
            (Some(Loaded::Ok(entry, summary, errors)), _) => {
                for (s, e, m) in errors {
                    diagnostics.push(meta("GIL000", idx, s, e, m));
                }
                if let Some(at) = summary.truncated_at {
                    let msg = format!(
                        "code nested more than {} levels deep was not analysed",
                        semantic::builder::MAX_DEPTH
                    );
                    diagnostics.push(meta("GIL003", idx, at, at, msg));
                }
                files.push(entry);
                module_file.push(idx);
                summaries.push(summary);
            }
            (Some(Loaded::Failed(entry, msg, at)), _) => {
                let code = if msg.contains("UTF-8") || msg.contains("encoding") {
                    "GIL000"
                } else {
                    "GIL002"
                };
                diagnostics.push(meta(code, idx, at, at, msg));
                files.push(entry);
            }
            (None, why) => {
                let at = Location { row: 1, column: 1 };
                diagnostics.push(meta("GIL002", idx, at, at, why.unwrap_or_default()));
                files.push(FileEntry {
                    path,
                    text: String::new(),
                    lines: LineIndex::new(""),
                });
            }
        }
    }
    let modules: Vec<&ModuleSummary> = summaries.iter().map(|b| b.as_ref()).collect();
    let labels = module_file
        .iter()
        .map(|&i| file_label(&files[i].path))
        .collect();
    let project = Project::build(rb, modules, labels);
    timer.lap("project (call graph, effects, contexts)");
    let enabled = |code: &str| opts.selection.enabled(rb, code);
    diagnostics.retain(|d| enabled(&d.code));
    diagnostics.extend(checks::run(&project, &module_file, &enabled));
    timer.lap("checks");
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup_by(|a, b| a.sort_key() == b.sort_key());

    let mut hotspots = Vec::new();
    for (f, node) in project.funcs.iter().enumerate() {
        let w = project.workload[f];
        let dispatched = project.dispatched[f];
        if w == Workload::Light && !dispatched {
            continue;
        }
        hotspots.push(Hotspot {
            file: module_file[node.file],
            function: node.summary.qualname.clone(),
            line: node.summary.def_loc.row,
            workload: w,
            contexts: project.contexts[f].iter().copied().collect(),
            evidence: project.evidence_list(f),
            recommendation: project.recommendation(f),
            dispatched,
            heavy: project.effects[f].cpu_strong.is_some(),
            measured: None,
        });
    }
    hotspots.sort_by(|a, b| (a.file, a.line, &a.function).cmp(&(b.file, b.line, &b.function)));
    timer.lap("hotspots");
    let profile = (!opts.profiles.is_empty()).then(|| {
        profile::apply(
            &opts.profiles,
            &project,
            &module_file,
            &files,
            &mut hotspots,
            &mut diagnostics,
        )
    });
    timer.lap("profiles");
    Outcome {
        files,
        diagnostics,
        hotspots,
        profile,
    }
}

/// Stage timings on stderr when `ADVISE_TIMING` is set, for profiling.
struct Timer {
    on: bool,
    last: std::cell::Cell<std::time::Instant>,
}

impl Timer {
    fn new() -> Self {
        Timer {
            on: std::env::var_os("ADVISE_TIMING").is_some(),
            last: std::cell::Cell::new(std::time::Instant::now()),
        }
    }

    fn lap(&self, stage: &str) {
        if self.on {
            let now = std::time::Instant::now();
            eprintln!(
                "timing: {:>8.1} ms  {stage}",
                (now - self.last.get()).as_secs_f64() * 1e3
            );
            self.last.set(now);
        }
    }
}

/// A short file name for messages: `net.py`, or `pkg/__init__.py`.
fn file_label(path: &std::path::Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.starts_with("__init__.") {
        if let Some(parent) = path.parent().and_then(|p| p.file_name()) {
            return format!("{}/{}", parent.to_string_lossy(), name);
        }
    }
    name
}

impl Outcome {
    pub fn count(&self, s: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == s).count()
    }
}
