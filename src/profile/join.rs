//! The join: samples and timed lines to functions, then to hotspots and
//! findings.
//!
//! A sample is attributed to the deepest frame in an analysed file: time in
//! library code counts for the project line that called it, as Scalene
//! attributes it. What that time was spent on comes from the line, as the
//! static analysis sees it, and from the library frames below it:
//! - a line making a blocking call the rulebook lists (`sock.recv`,
//!   `time.sleep`, `fut.result`), or a library frame the rulebook lists as
//!   blocking (`socket.socket.accept`, `threading.Condition.wait`), is
//!   **waiting**;
//! - a line calling GIL-releasing C (`h.update`, `np.dot`) is **vector**
//!   work;
//! - a line calling GIL-holding C (`re`, `json`) is **cpu** work;
//! - a line calling nothing the rulebook knows (only project code, pure or
//!   light helpers) is **running code**: Python bytecode, or C reached
//!   through operators (`a @ b` on arrays). No stack tells the two apart,
//!   so the static facts do: it counts as vector work in a function whose
//!   static class is vector (or mixed of vector and I/O), as cpu work
//!   otherwise. Scalene's system time on such a line is time spent waiting
//!   for the GIL or a core, not for I/O;
//! - a line calling something advise cannot resolve is **unknown**, except
//!   that Scalene's Python time there is cpu and its system time waiting.
//!
//! A function's measured class is the kind of work holding at least
//! `profile_class_share` of its classified time (mixed below that; none when
//! more than half is unknown). It corrects the static class when the
//! function has at least `profile_cold_share` of the profile and
//! `profile_min_samples` samples, and the static class rests on the
//! function's own body rather than its callees (the measurement is the
//! function's own time, not its callees'). Not every disagreement is a
//! correction:
//! - waiting is positive evidence: any class can be corrected to `io`;
//! - `mixed` (static) is resolved to whichever class the measurement shows;
//! - ruling out I/O the static analysis saw (`io` or `mixed` to `cpu` or
//!   `vector`) needs a profile that measures waiting at all;
//! - `cpu` and `vector` are not traded for each other: both rest on concrete
//!   code (a compute loop, a GIL-releasing call), and where a profiler puts
//!   a thread's time between neighbouring lines is the less reliable fact
//!   (Scalene, for one, attributes other threads' time coarsely).

use super::mapping::{self, Lines, Miss, PathIndex};
use super::{percent, Data, Format, Profile};
use crate::analysis::project::{Contexts, FuncId, Project, Slot, Target, Workload};
use crate::diagnostic::Diagnostic;
use crate::rulebook::{ContextKind, Effect, Recommendation, Severity};
use crate::semantic::IterKind;
use crate::source::Location;
use crate::{FileEntry, Hotspot};
use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;
use std::path::PathBuf;

/// What the profiles measured for one hotspot.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// The function's share of all samples (or time), averaged over the
    /// profiles.
    pub share: f64,
    /// Scalene's split of the function's time: bytecode, native code, not
    /// running. `None` from sampled profiles, which do not measure it.
    pub python: Option<f64>,
    pub native: Option<f64>,
    pub system: Option<f64>,
    /// Samples, where a sampled profile contributed.
    pub samples: Option<u64>,
    /// The class the measurement shows; `None` when it is inconclusive, too
    /// small to judge, or the code is module-level.
    pub workload: Option<Workload>,
    /// The class the static analysis gave.
    pub static_workload: Workload,
    /// The hotspot's workload is the measured one, not the static one.
    pub corrected: bool,
}

/// `measured` in JSON output.
#[derive(Serialize)]
pub struct JsonMeasured {
    share: f64,
    python: Option<f64>,
    native: Option<f64>,
    system: Option<f64>,
    samples: Option<u64>,
    workload: Option<&'static str>,
    static_workload: &'static str,
    corrected: bool,
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

impl Measured {
    pub fn json(&self) -> JsonMeasured {
        JsonMeasured {
            share: round4(self.share),
            python: self.python.map(round4),
            native: self.native.map(round4),
            system: self.system.map(round4),
            samples: self.samples,
            workload: self.workload.map(|w| w.as_str()),
            static_workload: self.static_workload.as_str(),
            corrected: self.corrected,
        }
    }
}

/// Samples (or time) that did not map to analysed code, grouped.
#[derive(Debug, Clone, PartialEq)]
pub struct Unmapped {
    pub reason: &'static str,
    /// The frame (or file) it was attributed to.
    pub frame: String,
    pub share: f64,
    pub samples: Option<u64>,
}

/// One profile's mapping statistics.
#[derive(Debug, Clone)]
pub struct SourceReport {
    pub path: PathBuf,
    pub format: Format,
    pub samples: Option<u64>,
    /// Share of the profile mapped to analysed functions.
    pub mapped: f64,
    pub measures_waiting: bool,
    /// Largest first.
    pub unmapped: Vec<Unmapped>,
}

#[derive(Debug, Clone)]
pub struct ProfileReport {
    pub sources: Vec<SourceReport>,
    /// Findings whose severity dropped because their code is cold.
    pub quieted: usize,
    /// Hotspots whose class the measurement corrected.
    pub corrected: usize,
}

const CPU: usize = 0;
const VECTOR: usize = 1;
const IO: usize = 2;
const UNKNOWN: usize = 3;
/// Running code on a line that calls nothing the rulebook knows; folded
/// into cpu or vector once the profiles are read.
const RUN: usize = 4;

#[derive(Debug, Default, Clone)]
struct Acc {
    /// Sum over profiles of the function's share of each.
    share: f64,
    samples: u64,
    sampled: bool,
    /// Scalene's python, native, system, as shares of the profile.
    split: [f64; 3],
    has_split: bool,
    /// cpu, vector, io, unknown, run, as shares of the profile.
    class: [f64; 5],
    /// (class, line) -> share.
    lines: HashMap<(usize, u32), f64>,
}

impl Acc {
    fn add(&mut self, class: usize, line: u32, w: f64) {
        self.class[class] += w;
        *self.lines.entry((class, line)).or_default() += w;
    }

    /// Count running code as `to` (cpu or vector).
    fn fold_run(&mut self, to: usize) {
        self.class[to] += std::mem::take(&mut self.class[RUN]);
        let run: Vec<(u32, f64)> = self
            .lines
            .iter()
            .filter(|((c, _), _)| *c == RUN)
            .map(|((_, l), w)| (*l, *w))
            .collect();
        for (l, w) in run {
            self.lines.remove(&(RUN, l));
            *self.lines.entry((to, l)).or_default() += w;
        }
    }

    fn top_line(&self, class: usize) -> u32 {
        let mut best: Option<(f64, u32)> = None;
        for (&(c, l), &w) in &self.lines {
            if c != class {
                continue;
            }
            let better = match best {
                None => true,
                Some((bw, bl)) => w > bw || (w == bw && l < bl),
            };
            if better {
                best = Some((w, l));
            }
        }
        best.map_or(0, |b| b.1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum LineKind {
    Plain,
    Unknown,
    HeldC,
    Vector,
    Blocking,
}

#[derive(Clone, Copy)]
enum FrameRes {
    /// Not in an analysed file: look further up the stack.
    Skip,
    Func(FuncId),
    Miss(Miss),
}

struct Joiner<'a, 's> {
    p: &'a Project<'s>,
    index: PathIndex,
    /// Per module.
    lines: Vec<Lines>,
    kinds: HashMap<(FuncId, u32), LineKind>,
    accs: HashMap<FuncId, Acc>,
}

impl Joiner<'_, '_> {
    fn line_kind(&mut self, f: FuncId, line: u32) -> LineKind {
        if let Some(k) = self.kinds.get(&(f, line)) {
            return *k;
        }
        let p = self.p;
        let s = p.funcs[f].summary;
        let mut kind = LineKind::Plain;
        for ci in 0..s.calls().len() {
            if !(s.call_start(ci).row <= line && line <= s.call_end(ci).row) {
                continue;
            }
            let k = match p.call_target(f, ci) {
                Some(Target::External(q)) => match p.rb.effect(q) {
                    Some(Effect::Io { blocking: true, .. }) => LineKind::Blocking,
                    Some(Effect::Vector { .. }) => LineKind::Vector,
                    Some(Effect::Cpu { .. }) => LineKind::HeldC,
                    Some(_) => LineKind::Plain,
                    None => LineKind::Unknown,
                },
                Some(Target::Func(_)) | Some(Target::Known) => LineKind::Plain,
                None => LineKind::Unknown,
            };
            kind = kind.max(k);
        }
        if s.unresolved_calls()
            .iter()
            .any(|&(a, b)| a <= line && line <= b)
        {
            kind = kind.max(LineKind::Unknown);
        }
        if s.loops()
            .iter()
            .any(|l| l.iter == IterKind::Io && l.start.row <= line && line <= l.header_end.row)
        {
            kind = LineKind::Blocking;
        }
        self.kinds.insert((f, line), kind);
        kind
    }

    fn resolve_frame(&mut self, file: &str, line: u32, name: Option<&str>) -> FrameRes {
        let m = match self.index.resolve(file) {
            Ok(m) => m,
            Err(Miss::NotAnalysed) => return FrameRes::Skip,
            Err(miss) => return FrameRes::Miss(miss),
        };
        let f = match self.lines[m].at(line) {
            Ok(f) => f,
            Err(miss) => return FrameRes::Miss(miss),
        };
        let s = self.p.funcs[f].summary;
        match name {
            Some(n) if !mapping::name_fits(n, s.qualname(), s.is_module) => {
                FrameRes::Miss(Miss::Stale)
            }
            _ => FrameRes::Func(f),
        }
    }

    /// The class of library frames below the mapped one, leaf first.
    fn library_class(&self, frames: &[&super::Frame]) -> Option<usize> {
        for fr in frames.iter().rev() {
            for q in mapping::library_names(&fr.file, &fr.name) {
                match self.p.rb.effect(&q) {
                    Some(Effect::Io { blocking: true, .. }) => return Some(IO),
                    Some(Effect::Vector { .. }) => return Some(VECTOR),
                    Some(Effect::Cpu { .. }) => return Some(CPU),
                    _ => {}
                }
            }
        }
        None
    }

    fn profile(&mut self, prof: &Profile) -> SourceReport {
        let total = prof.total();
        let mut mapped = 0.0;
        let mut misses: HashMap<(Miss, String), (f64, u64)> = HashMap::default();
        match &prof.data {
            Data::Stacks { frames, stacks } => {
                let mut res: Vec<Option<FrameRes>> = vec![None; frames.len()];
                for st in stacks {
                    let w = st.weight / total;
                    let mut hit = None;
                    for (pos, &fi) in st.frames.iter().enumerate().rev() {
                        let fi = fi as usize;
                        let r = match res[fi] {
                            Some(r) => r,
                            None => {
                                let fr = &frames[fi];
                                let r = self.resolve_frame(&fr.file, fr.line, Some(&fr.name));
                                res[fi] = Some(r);
                                r
                            }
                        };
                        match r {
                            FrameRes::Skip => continue,
                            FrameRes::Func(f) => hit = Some(Ok((pos, f))),
                            FrameRes::Miss(m) => hit = Some(Err((pos, m))),
                        }
                        break;
                    }
                    match hit {
                        Some(Ok((pos, f))) => {
                            mapped += w;
                            let line = frames[st.frames[pos] as usize].line;
                            let deeper: Vec<&super::Frame> = st.frames[pos + 1..]
                                .iter()
                                .map(|&i| &frames[i as usize])
                                .collect();
                            let class = match self.library_class(&deeper) {
                                Some(c) => c,
                                None => match self.line_kind(f, line) {
                                    LineKind::Blocking => IO,
                                    LineKind::Vector => VECTOR,
                                    LineKind::HeldC => CPU,
                                    LineKind::Plain => RUN,
                                    LineKind::Unknown => UNKNOWN,
                                },
                            };
                            let acc = self.accs.entry(f).or_default();
                            acc.share += w;
                            acc.samples += st.samples;
                            acc.sampled = true;
                            acc.add(class, line, w);
                        }
                        Some(Err((pos, m))) => {
                            let fr = &frames[st.frames[pos] as usize];
                            let e = misses.entry((m, fr.to_string())).or_default();
                            e.0 += w;
                            e.1 += st.samples;
                        }
                        None => {
                            let label = match st.frames.last() {
                                Some(&i) => {
                                    let fr = &frames[i as usize];
                                    format!("{} ({})", fr.name, fr.file)
                                }
                                None => "(no Python frames)".to_string(),
                            };
                            let e = misses.entry((Miss::NotAnalysed, label)).or_default();
                            e.0 += w;
                            e.1 += st.samples;
                        }
                    }
                }
            }
            Data::Lines(lines) => {
                for l in lines {
                    let all = l.python + l.native + l.system;
                    let w = all / total;
                    let f = match self.resolve_frame(&l.file, l.line, None) {
                        FrameRes::Func(f) => f,
                        FrameRes::Skip => {
                            let e = misses
                                .entry((Miss::NotAnalysed, l.file.clone()))
                                .or_default();
                            e.0 += w;
                            continue;
                        }
                        FrameRes::Miss(m) => {
                            let e = misses
                                .entry((m, format!("{}:{}", l.file, l.line)))
                                .or_default();
                            e.0 += w;
                            continue;
                        }
                    };
                    mapped += w;
                    let kind = self.line_kind(f, l.line);
                    let acc = self.accs.entry(f).or_default();
                    acc.share += w;
                    acc.has_split = true;
                    acc.split[0] += l.python / total;
                    acc.split[1] += l.native / total;
                    acc.split[2] += l.system / total;
                    match kind {
                        LineKind::Blocking => acc.add(IO, l.line, w),
                        LineKind::Vector => acc.add(VECTOR, l.line, w),
                        LineKind::HeldC => acc.add(CPU, l.line, w),
                        LineKind::Plain => acc.add(RUN, l.line, w),
                        LineKind::Unknown => {
                            acc.add(CPU, l.line, l.python / total);
                            acc.add(UNKNOWN, l.line, l.native / total);
                            acc.add(IO, l.line, l.system / total);
                        }
                    }
                }
            }
        }
        let sampled = matches!(prof.data, Data::Stacks { .. });
        let mut unmapped: Vec<Unmapped> = misses
            .into_iter()
            .map(|((m, frame), (share, samples))| Unmapped {
                reason: m.as_str(),
                frame,
                share,
                samples: sampled.then_some(samples),
            })
            .collect();
        unmapped.sort_by(|a, b| {
            b.share
                .total_cmp(&a.share)
                .then_with(|| a.reason.cmp(b.reason))
                .then_with(|| a.frame.cmp(&b.frame))
        });
        SourceReport {
            path: prof.path.clone(),
            format: prof.format,
            samples: prof.samples(),
            mapped,
            measures_waiting: prof.measures_waiting,
            unmapped,
        }
    }
}

/// The measured class from a function's classified time.
fn measured_class(acc: &Acc, class_share: f64) -> Option<Workload> {
    let [cpu, vector, io, unknown, _] = acc.class;
    let known = cpu + vector + io;
    let total = known + unknown;
    if total <= 0.0 || known / total < 0.5 {
        return None;
    }
    let mut best = (Workload::Cpu, cpu);
    for (w, v) in [(Workload::Vector, vector), (Workload::Io, io)] {
        if v > best.1 {
            best = (w, v);
        }
    }
    if best.1 / known >= class_share {
        Some(best.0)
    } else {
        Some(Workload::Mixed)
    }
}

fn class_words(c: usize) -> &'static str {
    match c {
        CPU => "holding the GIL",
        VECTOR => "in GIL-releasing C",
        IO => "waiting",
        _ => "in calls advise cannot classify",
    }
}

/// `measured: 85% waiting at line 52`.
fn evidence(acc: &Acc, class: Option<Workload>) -> String {
    let total: f64 = acc.class.iter().sum();
    let frac = |c: usize| {
        if total > 0.0 {
            acc.class[c] / total
        } else {
            0.0
        }
    };
    let at = |c: usize| {
        format!(
            "measured: {} {} at line {}",
            percent(frac(c)),
            class_words(c),
            acc.top_line(c)
        )
    };
    match class {
        Some(Workload::Cpu) => at(CPU),
        Some(Workload::Vector) => at(VECTOR),
        Some(Workload::Io) => at(IO),
        Some(Workload::Mixed) => {
            let parts: Vec<String> = [CPU, VECTOR, IO, UNKNOWN]
                .iter()
                .filter(|&&c| frac(c) >= 0.1)
                .map(|&c| format!("{} {}", percent(frac(c)), class_words(c)))
                .collect();
            format!("measured: mixed, {}", parts.join(", "))
        }
        Some(Workload::Light) | None => format!(
            "measured: {} {}",
            percent(frac(UNKNOWN)),
            class_words(UNKNOWN)
        ),
    }
}

fn recommend(w: Workload, contexts: Contexts, acc: &Acc, class_share: f64) -> Recommendation {
    match w {
        Workload::Cpu => Recommendation::Processes,
        Workload::Io => {
            if contexts.contains(ContextKind::Async) {
                Recommendation::Asyncio
            } else {
                Recommendation::Threads
            }
        }
        Workload::Vector => Recommendation::Threads,
        Workload::Mixed => {
            let total: f64 = acc.class.iter().sum();
            if total > 0.0 && acc.class[CPU] / total >= 1.0 - class_share {
                Recommendation::Restructure
            } else {
                Recommendation::Threads
            }
        }
        Workload::Light => Recommendation::None,
    }
}

fn lower(s: Severity) -> Severity {
    match s {
        Severity::Error => Severity::Warning,
        Severity::Warning | Severity::Info => Severity::Info,
    }
}

/// Join the profiles to the analysis: set `measured` on every hotspot,
/// correct classes, add hot functions the static analysis passed over,
/// order hotspots by measured share, and drop findings about cold code one
/// severity level.
pub fn apply(
    profiles: &[Profile],
    project: &Project,
    module_file: &[usize],
    files: &[FileEntry],
    hotspots: &mut Vec<Hotspot>,
    diagnostics: &mut [Diagnostic],
) -> ProfileReport {
    let rb = project.rb;
    let settings = &rb.settings;
    let index = PathIndex::new(
        module_file
            .iter()
            .enumerate()
            .map(|(m, &fi)| (m, files[fi].path.as_path())),
    );
    let mut lines: Vec<Lines> = module_file
        .iter()
        .map(|&fi| Lines::new(files[fi].line_count))
        .collect();
    for (f, node) in project.funcs.iter().enumerate() {
        let s = node.summary;
        lines[node.file].add(s.def_loc.row, s.end_row, f, s.is_module);
    }
    let mut j = Joiner {
        p: project,
        index,
        lines,
        kinds: HashMap::default(),
        accs: HashMap::default(),
    };
    let sources: Vec<SourceReport> = profiles.iter().map(|p| j.profile(p)).collect();
    for (&f, acc) in j.accs.iter_mut() {
        let e = &project.effects[f];
        let vector_work = match project.workload[f] {
            Workload::Vector => true,
            Workload::Mixed => e.vector.is_some() && e.cpu_strong.is_none(),
            _ => false,
        };
        acc.fold_run(if vector_work { VECTOR } else { CPU });
    }
    let n = profiles.len().max(1) as f64;
    let blind = profiles.iter().any(|p| !p.measures_waiting);
    let any_mapped = sources.iter().any(|s| s.mapped > 0.0);

    let enough = |acc: &Acc| {
        acc.share / n >= settings.profile_cold_share
            && (!acc.sampled || acc.samples >= settings.profile_min_samples)
    };
    let measured_of = |f: FuncId, acc: Option<&Acc>, static_w: Workload| -> Measured {
        let Some(acc) = acc else {
            return Measured {
                share: 0.0,
                python: None,
                native: None,
                system: None,
                samples: profiles.iter().any(|p| p.samples().is_some()).then_some(0),
                workload: None,
                static_workload: static_w,
                corrected: false,
            };
        };
        let time: f64 = acc.split.iter().sum();
        let split = |i: usize| (acc.has_split && time > 0.0).then(|| acc.split[i] / time);
        let workload = if project.funcs[f].summary.is_module || !enough(acc) {
            None
        } else {
            measured_class(acc, settings.profile_class_share)
        };
        Measured {
            share: acc.share / n,
            python: split(0),
            native: split(1),
            system: split(2),
            samples: acc.sampled.then_some(acc.samples),
            workload,
            static_workload: static_w,
            corrected: false,
        }
    };

    // Existing hotspots.
    let mut key: HashMap<(usize, u32, &str), FuncId> = HashMap::default();
    for (f, node) in project.funcs.iter().enumerate() {
        key.insert(
            (
                module_file[node.file],
                node.summary.def_loc.row,
                node.summary.qualname(),
            ),
            f,
        );
    }
    let mut seen = vec![false; project.funcs.len()];
    let mut corrected = 0;
    for h in hotspots.iter_mut() {
        let Some(&f) = key.get(&(h.file, h.line, h.function.as_str())) else {
            continue;
        };
        seen[f] = true;
        let acc = j.accs.get(&f);
        let mut m = measured_of(f, acc, h.workload);
        if let (Some(acc), Some(mc)) = (acc, m.workload) {
            let on_callees = Slot::EVIDENCE.iter().any(|s| {
                s.get(&project.effects[f])
                    .as_ref()
                    .is_some_and(|e| e.via.is_some())
            });
            let mut detail = evidence(acc, Some(mc));
            let allowed = match (h.workload, mc) {
                (s, m) if s == m => false,
                (_, Workload::Mixed) => false,
                (_, Workload::Io) => true,
                // Rules out the I/O the static analysis saw.
                (Workload::Mixed | Workload::Io, _) => !blind,
                (Workload::Light, _) => true,
                _ => false,
            };
            if allowed && !on_callees {
                detail.push_str(&format!(" (static class: {})", h.workload.as_str()));
                h.workload = mc;
                h.recommendation = recommend(mc, h.contexts, acc, settings.profile_class_share);
                m.corrected = true;
                corrected += 1;
            }
            let row = acc.top_line(match mc {
                Workload::Vector => VECTOR,
                Workload::Io => IO,
                _ => CPU,
            });
            h.evidence.insert(
                0,
                (
                    Location {
                        row: row.max(1),
                        column: 1,
                    },
                    "measured",
                    detail,
                ),
            );
        }
        h.measured = Some(Box::new(m));
    }

    // Hot in the profile, passed over by the static analysis.
    let mut extra: Vec<FuncId> = j
        .accs
        .iter()
        .filter(|(f, acc)| !seen[**f] && !project.funcs[**f].summary.is_module && enough(acc))
        .map(|(f, _)| *f)
        .collect();
    extra.sort_unstable();
    for f in extra {
        let acc = &j.accs[&f];
        let node = &project.funcs[f];
        let static_w = project.workload[f];
        let mut m = measured_of(f, Some(acc), static_w);
        let contexts = project.contexts[f];
        let (workload, recommendation) = match m.workload {
            Some(mc) if mc != Workload::Light => {
                m.corrected = mc != static_w;
                if m.corrected {
                    corrected += 1;
                }
                (
                    mc,
                    recommend(mc, contexts, acc, settings.profile_class_share),
                )
            }
            _ => (static_w, Recommendation::None),
        };
        let row = acc.top_line(match workload {
            Workload::Vector => VECTOR,
            Workload::Io => IO,
            Workload::Light => UNKNOWN,
            _ => CPU,
        });
        hotspots.push(Hotspot {
            file: module_file[node.file],
            function: node.summary.qualname().to_string(),
            line: node.summary.def_loc.row,
            workload,
            contexts,
            evidence: vec![(
                Location {
                    row: row.max(1),
                    column: 1,
                },
                "measured",
                evidence(acc, m.workload),
            )],
            recommendation,
            dispatched: project.dispatched[f],
            heavy: false,
            measured: Some(Box::new(m)),
        });
    }

    // Hottest first; the static order among equals.
    hotspots.sort_by(|a, b| {
        let s = |h: &Hotspot| h.measured.as_ref().map_or(-1.0, |m| m.share);
        s(b).total_cmp(&s(a))
    });

    // Findings about cold code drop one severity level.
    let mut quieted = 0;
    if any_mapped {
        let share_of = |f: FuncId| j.accs.get(&f).map_or(0.0, |a| a.share / n);
        let mut by_name: HashMap<&str, Vec<FuncId>> = HashMap::default();
        for (f, node) in project.funcs.iter().enumerate() {
            by_name.entry(node.summary.qualname()).or_default().push(f);
        }
        let none: Vec<FuncId> = Vec::new();
        for d in diagnostics.iter_mut() {
            // Sampling sees CPU work whether or not it records idle
            // threads; waiting only when it does.
            let observable = match d.code.as_str() {
                "GIL101" | "GIL105" => true,
                "GIL102" | "GIL103" | "GIL104" => !blind,
                _ => false,
            };
            if !observable {
                continue;
            }
            // The function it is in (in this file), and the one it is about.
            let enclosing = d.function.as_deref().unwrap_or("<module>");
            let candidates: Vec<FuncId> = by_name
                .get(enclosing)
                .unwrap_or(&none)
                .iter()
                .copied()
                .filter(|&f| module_file[project.funcs[f].file] == d.file)
                .chain(
                    d.subject
                        .as_deref()
                        .and_then(|q| by_name.get(q))
                        .unwrap_or(&none)
                        .iter()
                        .copied(),
                )
                .collect();
            if candidates.is_empty() {
                continue;
            }
            let share = candidates.iter().map(|&f| share_of(f)).fold(0.0, f64::max);
            if share < settings.profile_cold_share {
                d.severity = lower(d.severity);
                d.message
                    .push_str(&format!(" [cold in the profile: {}]", percent(share)));
                quieted += 1;
            }
        }
    }
    ProfileReport {
        sources,
        quieted,
        corrected,
    }
}
