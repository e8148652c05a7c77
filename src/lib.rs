//! advise: how Python hot code behaves under CPython's GIL.
//!
//! The pipeline runs one way:
//! `discover -> source -> index/summaries (per file, parallel) -> project ->
//! checks -> filter -> report`.

pub mod alloc;
pub mod analysis;
pub mod checks;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod noqa;
pub mod profile;
pub mod report;
pub mod rulebook;
pub mod select;
pub mod semantic;
pub mod source;
pub mod target;

use analysis::project::{Project, Workload};
use config::{ConfigError, Resolver, Settings};
use diagnostic::Diagnostic;
use rayon::prelude::*;
use rulebook::{ContextKind, Recommendation, Rulebook, Severity};
use semantic::ModuleSummary;
use source::{LineIndex, Location};
use std::path::PathBuf;
use std::sync::Arc;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One analysed (or unanalysable) file.
#[derive(Debug)]
pub struct FileEntry {
    /// The path as given or walked (for standard input, the
    /// `--stdin-filename`, or `-`).
    pub path: PathBuf,
    /// The source, for showing the lines diagnostics point at. Files read
    /// from disk drop it, and its line index, after the per-file stage (the
    /// project stage needs only summaries) and read both again if they have
    /// diagnostics.
    pub text: String,
    pub lines: LineIndex,
    /// How many lines the file has (kept when `lines` is dropped: profiles
    /// map lines to functions).
    pub line_count: u32,
    /// The settings of the configuration governing the file.
    pub settings: Arc<Settings>,
    /// The rules reported in this file.
    pub selection: select::Selection,
    /// Its suppression comments.
    pub noqa: noqa::Directives,
    /// The text was dropped after analysis and can be read again.
    pub reloadable: bool,
}

/// A function worth knowing about: dispatched, or not light.
#[derive(Debug, Clone)]
pub struct Hotspot {
    pub file: usize,
    pub function: String,
    pub line: u32,
    pub workload: Workload,
    pub contexts: analysis::project::Contexts,
    pub evidence: Vec<(Location, &'static str, String)>,
    pub recommendation: Recommendation,
    pub dispatched: bool,
    pub heavy: bool,
    /// What the profiles (`--profile`) measured; `None` without profiles
    /// (boxed: most runs have none, and every hotspot has the field).
    pub measured: Option<Box<profile::Measured>>,
}

#[derive(Debug)]
pub struct Outcome {
    pub files: Vec<FileEntry>,
    pub diagnostics: Vec<Diagnostic>,
    pub hotspots: Vec<Hotspot>,
    /// How the profiles mapped; `None` without profiles.
    pub profile: Option<profile::ProfileReport>,
    /// The interpreter the run targeted.
    pub target: target::Target,
    /// Problems that do not stop the run (malformed suppression comments,
    /// settings a nested configuration cannot change), for standard error.
    pub warnings: Vec<String>,
}

/// Standard input analysed as one file.
#[derive(Debug, Clone)]
pub struct StdinInput {
    /// The name it is reported under and configured by.
    pub name: PathBuf,
    pub bytes: Vec<u8>,
}

pub struct Options {
    pub paths: Vec<PathBuf>,
    /// Analyse standard input instead of `paths`.
    pub stdin: Option<StdinInput>,
    pub resolver: Arc<Resolver>,
    /// Apply `exclude` to paths named explicitly too.
    pub force_exclude: bool,
    /// The CPython the code runs on: `--target`, else the configuration's
    /// `target`.
    pub target: target::TargetChoice,
    /// Profiles to join to the analysis (`--profile`).
    pub profiles: Vec<profile::Profile>,
    /// Build the list of hot functions ([`Outcome::hotspots`]). Reports
    /// that do not show it (text without the summary, and every format but
    /// JSON) leave it out: it is most of the memory a large run adds after
    /// the analysis. Profiles need it, so it is built whenever one is given.
    pub hotspots: bool,
}

/// What to analyse, each input with the settings governing it.
pub struct Inputs {
    items: Vec<(Input, Arc<Settings>)>,
}

enum Input {
    /// A file and its size in bytes, as discovery saw it.
    Path(PathBuf, u64),
    Stdin(StdinInput),
    Error(PathBuf, String),
}

impl Inputs {
    /// The settings of every input, in order.
    pub fn settings(&self) -> Vec<Arc<Settings>> {
        self.items.iter().map(|(_, s)| s.clone()).collect()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// `items` with their places, the largest input first (then in order).
/// Taken in this order, the largest trees are built while few summaries are
/// kept yet, not on top of nearly all of them at the end of the stage, and
/// no large file is left for last while the other threads wait. (With
/// [`alloc::trim_scratch`] giving back a run of large files' pages, the
/// doubled wheel corpus's peak in the per-file stage, medians of 5: 120 ->
/// 108 MB, and 5 % less CPU.)
fn largest_first<T>(
    items: impl IntoIterator<Item = T>,
    input: impl Fn(&T) -> &Input,
) -> Vec<(usize, T)> {
    let size = |i: &Input| match i {
        Input::Path(_, n) => *n,
        Input::Stdin(s) => s.bytes.len() as u64,
        Input::Error(..) => 0,
    };
    let mut items: Vec<(usize, T)> = items.into_iter().enumerate().collect();
    // (Places are distinct: an unstable sort gives one order.)
    items.sort_unstable_by_key(|(k, t)| (std::cmp::Reverse(size(input(t))), *k));
    items
}

/// Items worked on in the pool in the order given, their results put back
/// in the places they came with. The list is split down to single items,
/// so that a thread out of work can take any part of it that is not
/// started: split in a few long runs, as rayon does by default, the run
/// holding the largest files kept one thread busy while the other waited
/// (the wheel corpus's per-file stage: 2 cores 94 % busy, against 98 %
/// unordered and with single items). Each result is written straight into
/// its place, rather than collected in the order worked and then moved
/// (about 330 bytes a file, at the per-file stage's peak).
fn in_given_order<T: Send, R: Send + Sync>(
    items: Vec<(usize, T)>,
    f: impl Fn(T) -> R + Sync + Send,
) -> impl Iterator<Item = R> {
    let slots: Vec<std::sync::OnceLock<R>> = std::iter::repeat_with(std::sync::OnceLock::new)
        .take(items.len())
        .collect();
    items.into_par_iter().with_max_len(1).for_each(|(k, t)| {
        let first = slots[k].set(f(t)).is_ok();
        debug_assert!(first, "place {k} given twice");
    });
    slots
        .into_iter()
        .filter_map(std::sync::OnceLock::into_inner)
}

/// Find the inputs and the configuration governing each. A configuration
/// file that is malformed is an error.
pub fn discover(opts: &Options) -> Result<Inputs, ConfigError> {
    let resolver = &opts.resolver;
    let mut items = Vec::new();
    if let Some(stdin) = &opts.stdin {
        let settings = resolver.settings_for(&stdin.name, false)?;
        let abs = config::absolute(&resolver.cwd, &stdin.name);
        if !(opts.force_exclude && settings.is_excluded_with_ancestors(&abs)) {
            items.push((Input::Stdin(stdin.clone()), settings));
        }
        return Ok(Inputs { items });
    }
    let found = discover::discover(&opts.paths, resolver, opts.force_exclude);
    if let Some(e) = resolver
        .deferred
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    {
        return Err(e);
    }
    for input in found {
        let (input, path) = match input {
            discover::Input::File(p, size) => (Input::Path(p.clone(), size), p),
            discover::Input::Error(p, why) => (Input::Error(p.clone(), why), p),
        };
        let settings = resolver.settings_for(&path, false)?;
        items.push((input, settings));
    }
    Ok(Inputs { items })
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

fn entry(path: PathBuf, text: String, settings: Arc<Settings>, cwd: &std::path::Path) -> FileEntry {
    let selection = settings.selection(&config::absolute(cwd, &path));
    let lines = LineIndex::new(&text);
    FileEntry {
        line_count: lines.line_count() as u32,
        lines,
        path,
        text,
        settings,
        selection,
        noqa: noqa::Directives::default(),
        reloadable: false,
    }
}

fn load_one(
    path: PathBuf,
    given: Option<Vec<u8>>,
    settings: Arc<Settings>,
    cwd: &std::path::Path,
    rb: &Rulebook,
    names: &discover::ModuleNames,
) -> Loaded {
    let empty = |path: PathBuf| entry(path, String::new(), settings.clone(), cwd);
    let from_stdin = given.is_some();
    let bytes = match given {
        Some(bytes) => bytes,
        // Read into the default heap: the text outlives the region below
        // (in the arena, it would hold a chunk of its own).
        None => match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                let msg = format!("cannot read file: {}", discover::io_reason(&e));
                return Loaded::Failed(empty(path), msg, Location { row: 1, column: 1 });
            }
        },
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
    let mut file = entry(path, text, settings.clone(), cwd);
    let (path, text, lines) = (&file.path, &file.text, &file.lines);
    let is_stub = path.extension().is_some_and(|e| e == "pyi");
    let (module, is_package) = names.of(path);
    // The tree and the summariser's working data go to the scratch heap,
    // as one region: freed at once when the file is done, not node by node
    // (dropping a tree visits every node: about 3% of a run's instructions).
    // SAFETY: parsing and summarising keep nothing outside the tree and the
    // summary they return (no global or thread-local caches; the rulebook's
    // lazy tables are built before this stage, `rb.prepare()`), and only
    // deep copies leave the region below: the syntax errors' messages, the
    // noqa directives and the summary's retained copy.
    let work = unsafe {
        alloc::region(|| {
            let parsed = source::parse(text, is_stub);
            let summary = semantic::builder::summarise(
                text,
                lines,
                rb,
                &module,
                is_package,
                parsed.parsed.suite(),
            );
            (parsed, summary)
        })
    };
    let (parsed, summary) = &*work;
    let mut errors = Vec::new();
    for e in parsed.parsed.errors().iter().take(10) {
        let start = lines.location(text, e.location.start());
        let end = lines.location(text, e.location.end());
        errors.push((start, end, format!("SyntaxError: {}", e.error)));
    }
    let directives = noqa::extract(text, lines, parsed.parsed.tokens());
    // Summaries live until the end of the run, so they are copied out of
    // the scratch heap: the copy has no spare capacity in its lists, and
    // its pieces sit packed one after another in the retained space
    // (neither rounded up to a size class nor scattered through pages the
    // next trees will use): 100 -> 86 MB after the wheel corpus's files.
    let copy = alloc::retained(|| Box::new(summary.clone()));
    let deep = summary.truncated_at.is_some();
    work.release(|(parsed, summary)| {
        drop(summary);
        // Dropping an AST recurses through its nesting. A tree deeper than
        // the walker's limit is dropped on a stack reserved for it (virtual
        // memory, committed only as used); others where there is room.
        if deep {
            stacker::grow(1 << 30, move || drop(parsed));
        } else {
            stacker::maybe_grow(1 << 20, 64 << 20, move || drop(parsed));
        }
    });
    file.noqa = directives;
    if !from_stdin {
        file.text = String::new();
        file.lines = LineIndex::default();
        file.reloadable = true;
    }
    alloc::trim_scratch();
    Loaded::Ok(file, copy, errors)
}

/// Read and parse every file and nothing else: the floor under
/// [`analyse`]'s cost. Returns the number of files and bytes.
pub fn parse_only(inputs: &Inputs) -> (usize, usize) {
    let work = largest_first(&inputs.items, |(i, _)| i);
    in_given_order(work, |(i, _)| -> Option<(usize, usize)> {
        // Read, then parsed in a region, as the analysis does, so that
        // the two allocate alike.
        let bytes = match i {
            Input::Path(p, _) => std::fs::read(p).ok()?,
            Input::Stdin(s) => s.bytes.clone(),
            Input::Error(..) => return None,
        };
        let text = source::decode(bytes).ok()?;
        // SAFETY: parsing keeps nothing outside the tree it returns.
        let parsed = unsafe { alloc::region(|| source::parse(&text, false)) };
        parsed.release(|p| stacker::maybe_grow(1 << 20, 64 << 20, move || drop(p)));
        alloc::trim_scratch();
        Some((1, text.len()))
    })
    .flatten()
    .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

/// Find the inputs, then analyse them with the rulebook.
pub fn analyse(opts: &Options, rb: &Rulebook) -> Result<Outcome, ConfigError> {
    let timer = Timer::new();
    let inputs = discover(opts)?;
    timer.lap("discover and configure");
    Ok(analyse_inputs(inputs, opts, rb))
}

/// Analyse inputs found by [`discover`] with the rulebook.
pub fn analyse_inputs(inputs: Inputs, opts: &Options, rb: &Rulebook) -> Outcome {
    let timer = Timer::new();
    let target = target::resolve(opts.target, &opts.paths, rb);
    let targeted = rb.for_target(&target.info);
    let rb = &targeted;
    rb.prepare();
    let cwd = &opts.resolver.cwd;
    // Freed pages wait 100 ms before going back to the system while files
    // are summarised, so that the next file's tree reuses them (with the
    // scratch heap, 31k -> 27k page faults on the stdlib), and are all
    // given back after, when the run's own delay applies again.
    let run_delay = alloc::purge_delay(100);
    let names = discover::ModuleNames::default();
    let work = largest_first(inputs.items, |(i, _)| i);
    let loaded = in_given_order(work, |(input, settings)| match input {
        Input::Path(p, _) => {
            let l = load_one(p.clone(), None, settings.clone(), cwd, rb, &names);
            (p, settings, Some(l), None)
        }
        Input::Stdin(s) => {
            let l = load_one(
                s.name.clone(),
                Some(s.bytes),
                settings.clone(),
                cwd,
                rb,
                &names,
            );
            (s.name, settings, Some(l), None)
        }
        Input::Error(p, why) => (p, settings, None, Some(why)),
    });
    alloc::purge_delay(run_delay);
    rayon::broadcast(|_| alloc::release_scratch());
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
    for (path, settings, loaded, err) in loaded {
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
                files.push(entry(path, String::new(), settings, cwd));
            }
        }
    }
    // (The directories' package paths are done with.)
    drop(names);
    let modules: Vec<&ModuleSummary> = summaries.iter().map(|b| b.as_ref()).collect();
    let labels = module_file
        .iter()
        .map(|&i| file_label(&files[i].path))
        .collect();
    let mut project = Project::build(rb, modules, labels);
    timer.lap("project (call graph, effects, contexts)");
    // A check runs when any file reports its rule; each file keeps only the
    // rules its own settings select.
    let mut selections: Vec<&select::Selection> = Vec::new();
    for f in &files {
        if !selections.contains(&&f.selection) {
            selections.push(&f.selection);
        }
    }
    let enabled = |code: &str| selections.iter().any(|s| s.enabled(rb, code));
    diagnostics.extend(checks::run(&project, &module_file, &enabled));
    diagnostics.retain(|d| files[d.file].selection.enabled(rb, &d.code));
    if opts.profiles.is_empty() {
        project.release_checked();
    }
    timer.lap("checks");
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup_by(|a, b| a.sort_key() == b.sort_key());
    let mut diagnostics = noqa::apply(diagnostics, &files, rb);
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    let mut warnings = Vec::new();
    for f in &files {
        for (at, why) in &f.noqa.warnings {
            warnings.push(format!(
                "{}:{}:{}: {why}",
                f.path.display(),
                at.row,
                at.column
            ));
        }
    }

    // The advice follows the seeds' order: a numeric loop Numba compiles
    // (GIL401) first; CPU-bound threads are fine on a free-threaded target.
    let jit: std::collections::BTreeSet<(usize, &str)> = diagnostics
        .iter()
        .filter(|d| d.code == "GIL401")
        .filter_map(|d| Some((d.file, d.subject.as_deref()?)))
        .collect();
    let free_threaded = target.info.kind == rulebook::TargetKind::FreeThreaded;
    let funcs = if opts.hotspots || !opts.profiles.is_empty() {
        &project.funcs[..]
    } else {
        &[]
    };
    // Which functions are hotspots, then each one's evidence rendered to
    // text in parallel, in function order. (Listed first, the hotspots are
    // collected straight into one vector, not into pieces joined after.)
    let chosen: Vec<usize> = (0..funcs.len())
        .filter(|&f| project.workload[f] != Workload::Light || project.dispatched[f])
        .collect();
    let mut hotspots: Vec<Hotspot> = Vec::new();
    chosen
        .par_iter()
        .map(|&f| {
            let node = &funcs[f];
            let w = project.workload[f];
            let dispatched = project.dispatched[f];
            Hotspot {
                file: module_file[node.file],
                function: node.summary.qualname().to_string(),
                line: node.summary.def_loc.row,
                workload: w,
                contexts: project.contexts[f],
                evidence: project.evidence_list(f),
                recommendation: if jit.contains(&(module_file[node.file], node.summary.qualname()))
                {
                    Recommendation::Jit
                } else if free_threaded
                    && w == Workload::Cpu
                    && project.contexts[f].contains(ContextKind::Threads)
                {
                    Recommendation::FreeThreading
                } else {
                    project.recommendation(f)
                },
                dispatched,
                heavy: project.effects[f].cpu_strong.is_some(),
                measured: None,
            }
        })
        .collect_into_vec(&mut hotspots);
    // In place (a stable sort copies half the list aside, about 2.5 MB at
    // the run's peak on the stdlib). Two hotspots tie only as two
    // functions of one name defined on one line (lambdas); the unstable
    // sort still orders them the same way on every run, as its input's
    // order is fixed.
    hotspots
        .sort_unstable_by(|a, b| (a.file, a.line, &a.function).cmp(&(b.file, b.line, &b.function)));
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
    drop(project);
    // Once the project is freed, whose memory the sources can reuse (not
    // before the profiles, which can add diagnostics).
    reload_sources(&mut files, &diagnostics);
    // Freeing every summary takes about 1% of a run; the report need not
    // wait for it.
    let _ = std::thread::Builder::new().spawn(move || drop(summaries));
    Outcome {
        files,
        diagnostics,
        hotspots,
        warnings,
        target,
        profile,
    }
}

/// Read again the source of each file from disk that has diagnostics, for
/// the lines they point at. A file that can no longer be read or decoded
/// shows no source lines.
fn reload_sources(files: &mut [FileEntry], diagnostics: &[Diagnostic]) {
    let mut wanted = vec![false; files.len()];
    for d in diagnostics {
        wanted[d.file] = true;
    }
    files
        .par_iter_mut()
        .zip(wanted)
        .filter(|(f, w)| *w && f.text.is_empty() && f.reloadable)
        .for_each(|(f, _)| {
            if let Some(text) = std::fs::read(&f.path)
                .ok()
                .and_then(|b| source::decode(b).ok())
            {
                f.lines = LineIndex::new(&text);
                f.line_count = f.lines.line_count() as u32;
                f.text = text;
            }
        });
}

/// Stage timings on stderr when `ADVISE_TIMING` is set, for profiling:
/// wall time, the CPU time of all threads (how parallel a stage was, to the
/// OS's 10 ms tick) and memory.
pub struct Timer {
    on: bool,
    last: std::cell::Cell<std::time::Instant>,
    /// CPU ticks and page faults at the last lap.
    last_counts: std::cell::Cell<(u64, u64)>,
}

/// The process's CPU time so far, user and system, in clock ticks, and its
/// minor page faults (from `/proc/self/stat`; 0 where there is none).
fn cpu_and_faults() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let field = |i: usize| {
        rest.split_whitespace()
            .nth(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime, then minflt: fields 14, 15 and 10, counted from
    // the state (3).
    (field(11) + field(12), field(7))
}

impl Default for Timer {
    fn default() -> Self {
        Self::new()
    }
}

impl Timer {
    pub fn new() -> Self {
        let on = std::env::var_os("ADVISE_TIMING").is_some();
        Timer {
            on,
            last: std::cell::Cell::new(std::time::Instant::now()),
            // (Read only when timing: `/proc` is a file read.)
            last_counts: std::cell::Cell::new(if on { cpu_and_faults() } else { (0, 0) }),
        }
    }

    /// Print the time since the last lap (or since `new`) and the memory.
    pub fn lap(&self, stage: &str) {
        if self.on {
            let now = std::time::Instant::now();
            // Resident memory now and at its peak, where the OS says.
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            let field = |name: &str| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map_or(String::new(), |v| v.trim().to_string())
            };
            let (cpu, faults) = cpu_and_faults();
            let (last_cpu, last_faults) = self.last_counts.get();
            eprintln!(
                "timing: {:>8.1} ms  cpu {:>5} ms  {stage:<40} rss {} peak {} faults {}",
                (now - self.last.get()).as_secs_f64() * 1e3,
                // (The usual 100 ticks a second.)
                cpu.saturating_sub(last_cpu) * 10,
                field("VmRSS:"),
                field("VmHWM:"),
                faults.saturating_sub(last_faults)
            );
            self.last.set(now);
            self.last_counts.set((cpu, faults));
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

    /// Does a diagnostic reach the `fail-on` severity of its file?
    pub fn fails(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity >= self.files[d.file].settings.fail_on)
    }
}

/// The rules file and target of a run, with a warning for each
/// configuration among the inputs that asks for different ones (one
/// analysis of all the files shares them).
pub fn run_settings(
    opts: &Options,
    inputs: &Inputs,
) -> Result<(Arc<Settings>, Vec<String>), ConfigError> {
    let all = inputs.settings();
    let run = opts.resolver.run_settings(&all)?;
    let cwd = &opts.resolver.cwd;
    let mut warnings = Vec::new();
    let mut seen: Vec<&Arc<Settings>> = Vec::new();
    for s in &all {
        if seen.iter().any(|x| Arc::ptr_eq(x, s)) {
            continue;
        }
        seen.push(s);
        let Some(path) = &s.config else { continue };
        let run_name = run.config.as_ref().map_or("the defaults".to_string(), |p| {
            format!("`{}`", config::display_path(cwd, p))
        });
        for (key, differs) in [
            ("rules", s.rules.is_some() && s.rules != run.rules),
            ("target", s.target.is_some() && s.target != run.target),
        ] {
            if differs {
                warnings.push(format!(
                    "{}: `{key}` applies to the whole run and is taken from {run_name} (the configuration of the current directory, or `--config`); this file's value is not used",
                    config::display_path(cwd, path)
                ));
            }
        }
    }
    Ok((run, warnings))
}
