//! The whole-project stage: the call graph across modules, effects
//! propagated to a fixpoint, workload classes and dispatch contexts.
//!
//! Effects flow from callees to callers. The call graph's strongly connected
//! components are visited callees-first (Tarjan's order), so each function is
//! finished once its callees are; inside a recursive component the members
//! are iterated until nothing changes, bounded by the rulebook's
//! `max_propagation_rounds`. The whole stage is linear in the size of the
//! call graph apart from that bounded inner iteration.

use crate::rulebook::{ContextKind, Effect, IoKind, Recommendation, Rulebook};
use crate::semantic::{
    hash_text, qualname_in, CallSite, DispatchSite, Export, FunctionSummary, IterKind, LoopKind,
    ModuleSummary, Qualified,
};
use crate::source::Location;
use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::borrow::Cow;
use std::sync::Arc;

pub type FuncId = usize;

/// CPU evidence more calls away than this does not make a caller CPU-bound.
const MAX_CPU_HOPS: u32 = 4;

/// Workload class of a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Workload {
    Cpu,
    Io,
    Vector,
    Mixed,
    Light,
}

impl Workload {
    pub fn as_str(self) -> &'static str {
        match self {
            Workload::Cpu => "cpu",
            Workload::Io => "io",
            Workload::Vector => "vector",
            Workload::Mixed => "mixed",
            Workload::Light => "light",
        }
    }
}

/// One piece of evidence: something at a line of a function, possibly
/// reached through a callee (`via`). Small and free of allocations: its
/// text is rendered only when a message needs it ([`Project::detail`]).
/// (Function ids in evidence are `u32`s: a project keeps evidence for
/// every function that has some.)
#[derive(Debug, Clone, PartialEq)]
pub struct Ev {
    pub line: Location,
    /// `loop`, `heavy-loop`, `recursion`, `cpu-call`, `vector`, an I/O kind
    /// (`network`, `disk`, ...), or `call` for a helper.
    pub kind: &'static str,
    pub detail: Detail,
    /// The callee this came through.
    pub via: Option<u32>,
    /// For I/O: its kind and whether it blocks.
    pub io: Option<(IoKind, bool)>,
    /// How many calls away the origin is.
    pub hops: u32,
    /// Where evidence reached through calls comes from: the function and
    /// its own (direct) evidence, the very evidence that function holds
    /// (shared, so following a chain is O(1), and every caller of one
    /// function points at one copy).
    pub origin: Option<(u32, Arc<Ev>)>,
}

impl Ev {
    /// Evidence in the function itself (not reached through a call).
    fn direct(line: Location, kind: &'static str, detail: Detail) -> Ev {
        Ev {
            line,
            kind,
            detail,
            via: None,
            io: None,
            hops: 0,
            origin: None,
        }
    }
}

/// What a piece of evidence says, as the facts to render it from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// `for loop over range(10_000) doing Python arithmetic`.
    RangeLoop { what: LoopKind, trip: u64 },
    /// `nested for loop doing Python arithmetic`.
    NestedLoop { what: LoopKind },
    /// `for loop doing Python arithmetic`.
    Loop { what: LoopKind },
    /// `recursive `fib` doing arithmetic`.
    Recursion(u32),
    /// A library call (call site `.1` of function `.0`): `` `requests.get` ``.
    Io(u32, u32),
    /// `` `numpy.dot` (releases the GIL) ``.
    Vector(u32, u32),
    /// `` `pickle.loads` (holds the GIL) ``.
    Cpu(u32, u32),
    /// A helper's call site, as written: `` `self.load` ``.
    Call(u32, u32),
}

#[derive(Debug, Clone, Default)]
pub struct Effects {
    pub cpu_strong: Option<Arc<Ev>>,
    pub cpu_weak: Option<Arc<Ev>>,
    pub io_slow: Option<Arc<Ev>>,
    pub io_disk: Option<Arc<Ev>>,
    pub io_wait: Option<Arc<Ev>>,
    /// Blocking I/O reachable through synchronous calls only.
    pub blocking: Option<Arc<Ev>>,
    pub vector: Option<Arc<Ev>>,
}

/// Every function's effects, indexed by function. Most functions have
/// none: only those with some take room for them.
#[derive(Debug, Clone, Default)]
pub struct EffectTable(Vec<Option<Box<Effects>>>);

/// The effects of a function that has none.
const NO_EFFECTS: &Effects = &Effects {
    cpu_strong: None,
    cpu_weak: None,
    io_slow: None,
    io_disk: None,
    io_wait: None,
    blocking: None,
    vector: None,
};

impl EffectTable {
    fn set(&mut self, f: FuncId, e: Effects) {
        self.0[f] = (e.filled() > 0).then(|| Box::new(e));
    }
}

impl std::ops::Index<FuncId> for EffectTable {
    type Output = Effects;

    fn index(&self, f: FuncId) -> &Effects {
        self.0[f].as_deref().unwrap_or(NO_EFFECTS)
    }
}

impl Effects {
    fn slots(&self) -> [&Option<Arc<Ev>>; 7] {
        [
            &self.cpu_strong,
            &self.cpu_weak,
            &self.io_slow,
            &self.io_disk,
            &self.io_wait,
            &self.blocking,
            &self.vector,
        ]
    }

    fn filled(&self) -> usize {
        self.slots().iter().filter(|s| s.is_some()).count()
    }

    pub fn any_io(&self) -> Option<&Ev> {
        self.io_slow
            .as_deref()
            .or(self.io_disk.as_deref())
            .or(self.io_wait.as_deref())
    }
}

/// Where a call goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target<'s> {
    Func(FuncId),
    /// A library (or unresolvable) callee, by qualified name: borrowed
    /// from the summary unless following re-exports changed it.
    External(Cow<'s, str>),
    /// A project class without `__init__`: constructing it does nothing
    /// worth knowing.
    Known,
}

#[derive(Debug)]
pub struct FuncNode<'s> {
    pub file: usize,
    pub summary: &'s FunctionSummary,
}

/// A call that creates a pool, a process or a thread.
#[derive(Debug, Clone, Copy)]
pub struct Creation {
    pub from: FuncId,
    /// Index into the function's `calls`.
    pub call: usize,
    pub context: ContextKind,
    /// Its processes are forks of this one (the `fork` start method).
    pub forks: bool,
}

/// How a function comes to run at import time: the module-level call
/// (function, call index) it is reached from.
pub type ImportReach = (FuncId, usize);

/// A dispatch site after resolution.
#[derive(Debug, Clone)]
pub struct Dispatch<'s> {
    pub from: FuncId,
    pub site: DispatchSite,
    pub target: Option<Target<'s>>,
}

pub struct Project<'s> {
    pub rb: &'s Rulebook,
    /// Per module, the file name used in messages (`net.py`,
    /// `support/__init__.py`).
    pub labels: Vec<String>,
    pub modules: Vec<&'s ModuleSummary>,
    pub funcs: Vec<FuncNode<'s>>,
    /// Where each call goes (see [`Project::call_target`]).
    calls: CallTable<'s>,
    pub effects: EffectTable,
    pub workload: Vec<Workload>,
    pub contexts: Vec<Contexts>,
    pub dispatches: Vec<Dispatch<'s>>,
    pub recursive: Vec<bool>,
    /// The function calls something advise cannot follow.
    pub uncertain: Vec<bool>,
    /// Per loop of each function: heavy, and a compute loop.
    pub loop_marks: LoopMarks,
    pub dispatched: Vec<bool>,
    /// Unprotected accesses to state shared between threads.
    pub shared: super::shared::SharedState,
    /// Calls that create pools, processes and threads.
    pub creations: Vec<Creation>,
    /// Functions that run when their module is imported, and how (few of
    /// a project's functions: kept by function, not a slot for each).
    pub import_time: HashMap<FuncId, ImportReach>,
    /// Calls of project functions used as iterables (`imap(f, gen())`,
    /// `for x in gen()`), by (file, qualified name as written).
    pub iter_calls: HashMap<(usize, String), FuncId>,
}

/// The contexts a function runs in, a bit per [`ContextKind`] (a set per
/// function of the project). Iterates in the kinds' order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Contexts(u8);

impl Contexts {
    const ALL: [ContextKind; 5] = [
        ContextKind::Threads,
        ContextKind::Processes,
        ContextKind::Interpreters,
        ContextKind::Async,
        ContextKind::Main,
    ];

    fn bit(c: ContextKind) -> u8 {
        // Every kind is listed once in `ALL`, in declaration order.
        match c {
            ContextKind::Threads => 1,
            ContextKind::Processes => 2,
            ContextKind::Interpreters => 4,
            ContextKind::Async => 8,
            ContextKind::Main => 16,
        }
    }

    pub fn insert(&mut self, c: ContextKind) {
        self.0 |= Self::bit(c);
    }

    pub fn contains(&self, c: ContextKind) -> bool {
        self.0 & Self::bit(c) != 0
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = ContextKind> + '_ {
        Self::ALL.into_iter().filter(|&c| self.contains(c))
    }
}

/// A call resolved: where it goes, and what the rulebook says of an
/// external target (looked up once, when the call is resolved).
pub type CallTarget<'s> = (Target<'s>, Option<&'s Effect>);

/// Where every call goes. A call's target depends only on its file and the
/// name it calls, so each distinct name of a file is resolved and stored
/// once, and a call finds its target through its name (`CallSite::target`):
/// a `u32` per name instead of a target per call.
#[derive(Debug, Default)]
pub struct CallTable<'s> {
    /// Per file, per name of its `names` table: an index into the targets
    /// of the file's run, or `NO_CALL` for a name no call uses.
    slots: Vec<Box<[u32]>>,
    /// Per run of [`RESOLVE_RUN`] files, the targets its files resolved
    /// (kept per run rather than copied into one list, which would hold
    /// both at once at the project stage's peak).
    resolved: Vec<Box<[CallTarget<'s>]>>,
}

const NO_CALL: u32 = u32::MAX;

/// How many consecutive files resolve their calls together, sharing what
/// resolves alike in each (see [`Resolver::resolve_run`]).
const RESOLVE_RUN: usize = 128;

impl<'s> CallTable<'s> {
    /// Where a call of a function of `file` goes (`None` before calls are
    /// resolved).
    fn get(&self, file: usize, c: &CallSite) -> Option<&CallTarget<'s>> {
        let slot = *self.slots.get(file)?.get(c.target.0 as usize)?;
        self.resolved.get(file / RESOLVE_RUN)?.get(slot as usize)
    }
}

/// A base class as written, made canonical, and the project class it
/// names (file, class index), if any.
type Base<'s> = (Cow<'s, str>, Option<(usize, usize)>);

/// A call constructing a project thread (or process) subclass: (caller,
/// call index, the subclass's `run`, where it runs).
type SubclassStart = (FuncId, usize, FuncId, ContextKind);

/// Project subclasses of a library thread or process class, by qualified
/// name: the method that runs (`run`) and where.
type ThreadClasses<'s> = HashMap<&'s str, (FuncId, ContextKind)>;

/// Names to numbers, keeping only the numbers: a slot is 4 bytes, where a
/// map from `&str` takes 24 (a project has a hundred thousand functions).
/// The name of a number is read back (`name_of`) when a lookup compares:
/// a function's module-qualified name, as its module and its qualname.
struct IdTable(hashbrown::HashTable<u32>);

impl IdTable {
    fn with_capacity(n: usize) -> Self {
        IdTable(hashbrown::HashTable::with_capacity(n))
    }

    /// The number of `name` (whose hash is `hash`): `id`, unless it has
    /// one already.
    fn first<'k>(
        &mut self,
        hash: u64,
        name: Qualified<'_>,
        id: u32,
        name_of: impl Fn(u32) -> Qualified<'k>,
    ) -> u32 {
        match self
            .0
            .entry(hash, |&k| name_of(k).same(&name), |&k| name_of(k).hash())
        {
            hashbrown::hash_table::Entry::Occupied(o) => *o.get(),
            hashbrown::hash_table::Entry::Vacant(v) => *v.insert(id).get(),
        }
    }

    fn get<'k>(&self, name: &str, name_of: impl Fn(u32) -> Qualified<'k>) -> Option<u32> {
        self.0
            .find(hash_text(name), |&k| name_of(k).is(name))
            .copied()
    }
}

/// A function's module-qualified name.
fn qualified<'s>(modules: &[&'s ModuleSummary], f: &FuncNode<'s>) -> Qualified<'s> {
    Qualified::new(&modules[f.file].module, f.summary.qualname())
}

/// `0..order.len()` in order of `name`, equal names in index order.
fn fill_sorted<'n>(order: &mut [u32], name: impl Fn(usize) -> &'n str) {
    for (k, slot) in order.iter_mut().enumerate() {
        *slot = k as u32;
    }
    order.sort_by(|&a, &b| name(a as usize).cmp(name(b as usize)));
}

/// The first index in `order` (see [`fill_sorted`]) whose name is `key`.
fn first_of<'n>(order: &[u32], key: &str, name: impl Fn(usize) -> &'n str) -> Option<usize> {
    let i = order.partition_point(|&k| name(k as usize) < key);
    let &k = order.get(i)?;
    (name(k as usize) == key).then_some(k as usize)
}

struct Index<'s> {
    /// Per file, if the global tables would not give its own functions
    /// and classes first (see [`Project::build`]): where its entries start
    /// in `local`.
    local_at: Vec<Option<u32>>,
    /// Per such file, its functions' indices sorted by qualname, then its
    /// classes' sorted by full name, each sort stable: a binary search
    /// finds the first of a name, as a table filled in order would.
    local: Vec<u32>,
    /// Functions whose module name is unique in the project: full qualname
    /// -> function.
    global_funcs: IdTable,
    classes: HashMap<&'s str, (usize, usize)>,
    modules: HashMap<&'s str, Option<usize>>,
    /// Per file, its first function (a file's functions are adjacent).
    func_start: Vec<FuncId>,
    /// Per file, where its classes start in `bases`.
    class_start: Vec<usize>,
    /// Per class (in file order), per base as written: its canonical name
    /// and the project class it names. Resolved once, for every walk up a
    /// hierarchy.
    bases: Vec<Vec<Base<'s>>>,
}

/// What a name made canonical was found to be on the way
/// ([`Resolver::canonical`]), so that resolving it does not look again.
#[derive(Clone, Copy)]
enum Found {
    Func(FuncId),
    /// Not a function, but this class.
    Class((usize, usize)),
    /// Neither a function nor a class.
    Neither,
    /// Not looked up (re-exports followed to the bound).
    Unknown,
}

/// Buffers reused by [`Project::direct_effects`] from function to function:
/// per loop, whether I/O, work or an unknown call is in it (or below it);
/// per call, whether it works per element of an index loop.
#[derive(Default)]
struct LoopScratch {
    io_in: Vec<bool>,
    work_in: Vec<bool>,
    unknown_in: Vec<bool>,
    vector_elementwise: Vec<bool>,
    /// Per loop: a compute loop.
    compute: Vec<bool>,
    /// The heavy loops, in order.
    heavy: Vec<usize>,
}

/// Per loop of every function of a project: whether it is heavy and
/// whether it is a compute loop (Python work, no I/O, every call known), as
/// bits of a byte ([`HEAVY`], [`COMPUTE`]). One list for the project rather
/// than two per function: most functions have no loops.
#[derive(Debug, Default)]
pub struct LoopMarks {
    /// Per function, where its loops' marks start in `marks` (and one past
    /// the last function's).
    start: Vec<u32>,
    marks: Vec<u8>,
}

const HEAVY: u8 = 1;
const COMPUTE: u8 = 2;

impl LoopMarks {
    fn new(modules: &[&ModuleSummary]) -> LoopMarks {
        let mut start =
            Vec::with_capacity(modules.iter().map(|m| m.functions.len()).sum::<usize>() + 1);
        let mut at = 0u32;
        start.push(0);
        for m in modules {
            for f in &m.functions {
                at += f.loops().len() as u32;
                start.push(at);
            }
        }
        LoopMarks {
            start,
            marks: vec![0; at as usize],
        }
    }

    /// The marks of function `f`'s loops (none once released).
    fn of(&self, f: FuncId) -> &[u8] {
        match (self.start.get(f), self.start.get(f + 1)) {
            (Some(&a), Some(&b)) => &self.marks[a as usize..b as usize],
            _ => &[],
        }
    }

    fn of_mut(&mut self, f: FuncId) -> &mut [u8] {
        let (a, b) = (self.start[f] as usize, self.start[f + 1] as usize);
        &mut self.marks[a..b]
    }

    /// The heavy loops of `f`, in order (indices into its `loops`).
    pub fn heavy(&self, f: FuncId) -> impl Iterator<Item = u32> + '_ {
        let marks = self.of(f);
        (0..marks.len() as u32).filter(move |&l| marks[l as usize] & HEAVY != 0)
    }

    pub fn is_heavy(&self, f: FuncId, l: u32) -> bool {
        self.of(f).get(l as usize).is_some_and(|m| m & HEAVY != 0)
    }

    pub fn is_compute(&self, f: FuncId, l: u32) -> bool {
        self.of(f).get(l as usize).is_some_and(|m| m & COMPUTE != 0)
    }
}

/// Buffers reused by walks up class hierarchies.
#[derive(Default)]
struct Walk {
    /// The classes a walk has visited.
    seen: HashSet<(usize, usize)>,
    /// A method's full name, being looked up.
    name: String,
}

/// A call resolved: its target with the rulebook's effect for it, the
/// pool, process or thread it creates (and whether it forks), and the
/// project thread class it constructs.
type Resolved<'s> = (CallTarget<'s>, CallMakes);

/// What a call makes: the pool, process or thread it creates (and whether
/// it forks), and the project thread class it constructs (its `run()` and
/// where that runs).
type CallMakes = (Option<(ContextKind, bool)>, Option<(FuncId, ContextKind)>);

/// A run of files' calls resolved (see [`Project::resolve_calls`]): per
/// file, per name of the file, an index into `resolved` (local to the run
/// until joined); each distinct target once for the run; the creations and
/// thread subclass starts found.
#[derive(Default)]
struct RunCalls<'s> {
    slots: Vec<Box<[u32]>>,
    resolved: Vec<CallTarget<'s>>,
    creations: Vec<Creation>,
    subclass_starts: Vec<SubclassStart>,
}

/// Name resolution across the project: what it needs and nothing else, so
/// that files resolve in parallel.
struct Resolver<'a, 's> {
    rb: &'s Rulebook,
    modules: &'a [&'s ModuleSummary],
    funcs: &'a [FuncNode<'s>],
    index: &'a Index<'s>,
}

impl<'s> Resolver<'_, 's> {
    /// A file's own functions and classes, sorted (see [`Index::local`]),
    /// if it has tables of its own.
    fn local(&self, file: usize) -> Option<(&[u32], &[u32])> {
        let at = self.index.local_at[file]? as usize;
        let m = self.modules[file];
        let (funcs, rest) = self.index.local[at..].split_at(m.functions.len());
        Some((funcs, &rest[..m.classes.len()]))
    }

    fn class_of(&self, file: usize, qn: &str) -> Option<(usize, usize)> {
        if let Some((_, order)) = self.local(file) {
            let own = &self.modules[file].classes;
            if let Some(ci) = first_of(order, qn, |k| &own[k].full) {
                return Some((file, ci));
            }
        }
        self.index.classes.get(qn).copied()
    }

    fn func_of(&self, file: usize, qn: &str) -> Option<FuncId> {
        if let Some((order, _)) = self.local(file) {
            let m = self.modules[file];
            let own = &m.functions;
            let q = qualname_in(&m.module, qn);
            if let Some(k) = q.and_then(|q| first_of(order, q, |k| own[k].qualname())) {
                return Some(self.index.func_start[file] + k);
            }
        }
        let (funcs, modules) = (self.funcs, self.modules);
        self.index
            .global_funcs
            .get(qn, |id| qualified(modules, &funcs[id as usize]))
            .map(|id| id as usize)
    }

    /// Every class's bases: canonical names and the project classes they
    /// name, in file order.
    #[inline(never)]
    fn class_bases(&self) -> Vec<Vec<Base<'s>>> {
        let per_file: Vec<Vec<Vec<Base<'s>>>> = (0..self.modules.len())
            .into_par_iter()
            .map(|fi| self.file_bases(fi))
            .collect();
        per_file.into_iter().flatten().collect()
    }

    /// The bases of one file's classes.
    #[inline(never)]
    fn file_bases(&self, file: usize) -> Vec<Vec<Base<'s>>> {
        self.modules[file]
            .classes
            .iter()
            .map(|c| {
                c.bases
                    .iter()
                    .map(|b| {
                        let (base, found) = self.canonical(file, b);
                        let class = match found {
                            Found::Class(c) => Some(c),
                            Found::Neither => None,
                            Found::Func(_) | Found::Unknown => self.class_of(file, &base),
                        };
                        (base, class)
                    })
                    .collect()
            })
            .collect()
    }

    /// The resolved bases of a project class.
    fn bases_of(&self, (file, ci): (usize, usize)) -> &[Base<'s>] {
        &self.index.bases[self.index.class_start[file] + ci]
    }

    /// Find `method` on a project class or its project bases.
    fn method_of(&self, class: (usize, usize), method: &str, walk: &mut Walk) -> Option<FuncId> {
        walk.seen.clear();
        self.method_in(class, method, 0, walk)
    }

    /// Depth first through the bases, each class once: a hierarchy that
    /// names a class twice (or itself, as broken code can) stays linear.
    fn method_in(
        &self,
        class: (usize, usize),
        method: &str,
        depth: u32,
        walk: &mut Walk,
    ) -> Option<FuncId> {
        if depth > 16 || !walk.seen.insert(class) {
            return None;
        }
        let (file, ci) = class;
        let c = &self.modules[file].classes[ci];
        if c.has_method(method) {
            let name = &mut walk.name;
            name.clear();
            name.push_str(&c.full);
            name.push('.');
            name.push_str(method);
            return self.func_of(file, name);
        }
        for (_, base) in self.bases_of(class) {
            if let Some(bc) = *base {
                if let Some(f) = self.method_in(bc, method, depth + 1, walk) {
                    return Some(f);
                }
            }
        }
        None
    }

    /// Follow re-exports and typed module globals across the project's
    /// modules: `pkg.fetch` (from `pkg/__init__.py: from .net import fetch`)
    /// becomes `pkg.net.fetch`; `db.conn.execute` (with `conn =
    /// sqlite3.connect()` in db.py) becomes `sqlite3.Connection.execute`.
    /// Also says what the name was found to be.
    fn canonical(&self, file: usize, qn: &'s str) -> (Cow<'s, str>, Found) {
        let mut qn = Cow::Borrowed(qn);
        for _ in 0..8 {
            if let Some(f) = self.func_of(file, &qn) {
                return (qn, Found::Func(f));
            }
            if let Some(c) = self.class_of(file, &qn) {
                return (qn, Found::Class(c));
            }
            let mut changed = false;
            let mut end = qn.len();
            while let Some(dot) = last_dot(&qn[..end]) {
                let (module, rest) = (&qn[..dot], &qn[dot + 1..]);
                if let Some(Some(mf)) = self.index.modules.get(module) {
                    let (name, tail) = match rest.find('.') {
                        Some(i) => (&rest[..i], &rest[i..]),
                        None => (rest, ""),
                    };
                    match self.modules[*mf].exports.get(name) {
                        Some(Export::Qn(q)) if q != &qn[..dot + 1 + name.len()] => {
                            qn = Cow::Owned(format!("{q}{tail}"));
                            changed = true;
                        }
                        Some(Export::Instance(t)) => {
                            qn = Cow::Owned(format!("{t}{tail}"));
                            changed = true;
                        }
                        _ => {}
                    }
                    break;
                }
                end = dot;
            }
            if !changed {
                return (qn, Found::Neither);
            }
        }
        (qn, Found::Unknown)
    }

    fn resolve_target(&self, file: usize, qn: &'s str, walk: &mut Walk) -> Target<'s> {
        let (qn, found) = self.canonical(file, qn);
        self.target_of(file, qn, found, walk).0
    }

    /// Where a call of a name already made canonical goes, with the
    /// rulebook's effect for an external target.
    fn target_of(
        &self,
        file: usize,
        qn: Cow<'s, str>,
        found: Found,
        walk: &mut Walk,
    ) -> (Target<'s>, Option<&'s Effect>) {
        // What the catalogue says of this exact name outweighs the body
        // advise can see (the standard library analysing itself).
        if let Some(effect) = self.rb.effect(&qn) {
            return (Target::External(qn), Some(effect));
        }
        let (func, class) = match found {
            Found::Func(f) => (Some(f), None),
            Found::Class(c) => (None, Some(c)),
            Found::Neither => (None, None),
            Found::Unknown => match self.func_of(file, &qn) {
                Some(f) => (Some(f), None),
                None => (None, self.class_of(file, &qn)),
            },
        };
        if let Some(f) = func {
            return (Target::Func(f), None);
        }
        if let Some(c) = class {
            // Constructing a project class runs its __init__.
            return match self.method_of(c, "__init__", walk) {
                Some(f) => (Target::Func(f), None),
                None => (Target::Known, None),
            };
        }
        if let Some(dot) = last_dot(&qn) {
            if let Some(c) = self.class_of(file, &qn[..dot]) {
                if let Some(f) = self.method_of(c, &qn[dot + 1..], walk) {
                    return (Target::Func(f), None);
                }
            }
        }
        // The rulebook has nothing for this name (looked up above).
        (Target::External(qn), None)
    }

    /// Resolve one callee name of a file, and say whether the call creates
    /// a pool, a process or a thread.
    fn resolve_call(
        &self,
        file: usize,
        target: &'s str,
        thread_classes: &ThreadClasses<'s>,
        walk: &mut Walk,
    ) -> Resolved<'s> {
        let (qn, found) = self.canonical(file, target);
        let thread_class = thread_classes.get(qn.as_ref()).copied();
        let created = self
            .rb
            .executors
            .lookup(&qn)
            .map(|&ctx| (ctx, self.rb.forking_executors.lookup(&qn).is_some()))
            .or_else(|| {
                self.rb
                    .dispatch_calls
                    .lookup(&qn)
                    .filter(|i| i.spawns)
                    .map(|i| (i.context, i.forks))
            })
            .or(thread_class.map(|(_, ctx)| (ctx, false)));
        (
            self.target_of(file, qn, found, walk),
            (created, thread_class),
        )
    }

    /// Resolve every call of a run of files. A module calls the same names
    /// over and over (`self.assertEqual`): each is resolved and stored
    /// once. Also finds the calls that create pools, processes and
    /// threads, and those constructing thread subclasses.
    ///
    /// Most files see the project through the global tables alone, so a
    /// name resolves the same in each of them: such files share one entry
    /// per name for the whole run (many call `len`, `isinstance`,
    /// `os.path.join`).
    #[inline(never)]
    fn resolve_run(&self, run: &[usize], thread_classes: &ThreadClasses<'s>) -> RunCalls<'s> {
        let mut walk = Walk::default();
        // What the global files of the run resolved: an index into
        // `resolved`.
        let mut shared: HashMap<&'s str, u32> = HashMap::default();
        // What the files with tables of their own resolved, by what it
        // resolved to: they cannot share by name, but mostly share a module
        // name, and so their functions, with another file, and their names
        // resolve alike.
        let mut alike: HashMap<(Target<'s>, usize, CallMakes), u32> = HashMap::default();
        let mut out = RunCalls::default();
        // Per entry of `resolved`: what a call of that name makes.
        let mut makes: Vec<CallMakes> = Vec::new();
        for &file in run {
            let names = &self.modules[file].names;
            // (A file with tables of its own has both.)
            let global = self.index.local_at[file].is_none();
            let mut slots = vec![NO_CALL; names.len()].into_boxed_slice();
            let first = self.index.func_start[file];
            for (k, s) in self.modules[file].functions.iter().enumerate() {
                let id = first + k;
                for (ci, c) in s.calls().iter().enumerate() {
                    // Names are distinct within a file's table: its index
                    // is the name.
                    let slot = &mut slots[c.target.0 as usize];
                    if *slot == NO_CALL {
                        let qn = names.get(c.target);
                        // (Files that share by name look no further: a
                        // second table for every name costs more than it
                        // saves them.)
                        let mut resolve = |by_name: bool| {
                            let (target, made) =
                                self.resolve_call(file, qn, thread_classes, &mut walk);
                            let key = (!by_name).then(|| {
                                let effect = target.1.map_or(0, |e| e as *const Effect as usize);
                                (target.0.clone(), effect, made)
                            });
                            let add = || {
                                out.resolved.push(target);
                                makes.push(made);
                                out.resolved.len() as u32 - 1
                            };
                            match key {
                                Some(key) => *alike.entry(key).or_insert_with(add),
                                None => add(),
                            }
                        };
                        *slot = if global {
                            *shared.entry(qn).or_insert_with(|| resolve(true))
                        } else {
                            resolve(false)
                        };
                    }
                    let (created, subclass) = makes[*slot as usize];
                    if let Some((context, forks)) = created {
                        out.creations.push(Creation {
                            from: id,
                            call: ci,
                            context,
                            forks,
                        });
                    }
                    if let Some((run, ctx)) = subclass {
                        out.subclass_starts.push((id, ci, run, ctx));
                    }
                }
            }
            out.slots.push(slots);
        }
        out
    }

    /// Project classes deriving from a library thread or process class,
    /// by qualified name, with the method that runs (`run`) and where.
    #[inline(never)]
    fn thread_classes(&self) -> ThreadClasses<'s> {
        let per_file: Vec<Vec<(&'s str, (FuncId, ContextKind))>> = (0..self.modules.len())
            .into_par_iter()
            .map_init(Walk::default, |walk, fi| self.file_thread_classes(fi, walk))
            .collect();
        // Inserted in file order: of two classes of one name, the later wins.
        let mut thread_classes = HashMap::default();
        thread_classes.extend(per_file.into_iter().flatten());
        thread_classes
    }

    /// One file's thread (and process) subclasses.
    #[inline(never)]
    fn file_thread_classes(
        &self,
        file: usize,
        walk: &mut Walk,
    ) -> Vec<(&'s str, (FuncId, ContextKind))> {
        let mut out = Vec::new();
        for (ci, c) in self.modules[file].classes.iter().enumerate() {
            if let Some(info) = self.thread_base((file, ci), walk) {
                if let Some(run) = self.method_of((file, ci), &info.method, walk) {
                    out.push((c.full.as_str(), (run, info.context)));
                }
            }
        }
        out
    }

    /// Is a project class a thread (or process) subclass? Returns the
    /// rulebook's entry for the library base it derives from.
    fn thread_base(
        &self,
        class: (usize, usize),
        walk: &mut Walk,
    ) -> Option<&'s crate::rulebook::ThreadClassInfo> {
        walk.seen.clear();
        self.thread_base_in(class, 0, &mut walk.seen)
    }

    fn thread_base_in(
        &self,
        class: (usize, usize),
        depth: u32,
        seen: &mut HashSet<(usize, usize)>,
    ) -> Option<&'s crate::rulebook::ThreadClassInfo> {
        if depth > 16 || !seen.insert(class) {
            return None;
        }
        for (base, bc) in self.bases_of(class) {
            if let Some(info) = self.rb.thread_classes.lookup(base) {
                return Some(info);
            }
            if let Some(bc) = *bc {
                if let Some(info) = self.thread_base_in(bc, depth + 1, seen) {
                    return Some(info);
                }
            }
        }
        None
    }
}

impl<'s> Project<'s> {
    pub fn build(
        rb: &'s Rulebook,
        modules: Vec<&'s ModuleSummary>,
        labels: Vec<String>,
    ) -> Project<'s> {
        let t = crate::Timer::new();
        // Sized up front: the tables are only looked up, never iterated.
        fn sized<K, V>(n: usize) -> HashMap<K, V> {
            HashMap::with_capacity_and_hasher(n, Default::default())
        }
        let n_funcs = modules.iter().map(|m| m.functions.len()).sum();
        let mut funcs = Vec::with_capacity(n_funcs);
        let mut module_map: HashMap<&'s str, Option<usize>> = sized(modules.len());
        for (fi, m) in modules.iter().enumerate() {
            module_map
                .entry(m.module.as_str())
                .and_modify(|e| *e = None)
                .or_insert(Some(fi));
        }
        let func_start: Vec<FuncId> = modules
            .iter()
            .scan(0, |at, m| {
                let start = *at;
                *at += m.functions.len();
                Some(start)
            })
            .collect();
        for (fi, m) in modules.iter().enumerate() {
            funcs.extend(m.functions.iter().map(|f| FuncNode {
                file: fi,
                summary: f,
            }));
        }
        // A file looks a name up in its own functions and classes first.
        // For most files the global tables give the same answer: a file
        // whose module name is unique, none of whose names an earlier file
        // also defines. Only the others (`own`) keep tables of their own.
        let unique: Vec<bool> = modules
            .iter()
            .enumerate()
            .map(|(fi, m)| module_map.get(m.module.as_str()).copied().flatten() == Some(fi))
            .collect();
        let mut own: Vec<bool> = unique.iter().map(|u| !u).collect();
        let (in_unique, classes_in_unique) = modules
            .iter()
            .zip(&unique)
            .filter(|(_, &u)| u)
            .fold((0, 0), |(f, c), (m, _)| {
                (f + m.functions.len(), c + m.classes.len())
            });
        let mut global_funcs = IdTable::with_capacity(in_unique);
        // The names' hashes in parallel: the table is filled in order, but
        // reading each name is most of the cost.
        let hashes: Vec<u64> = funcs
            .par_iter()
            .with_min_len(1024)
            .map(|n: &FuncNode| match unique[n.file] {
                true => qualified(&modules, n).hash(),
                false => 0,
            })
            .collect();
        let mut classes = sized(classes_in_unique);
        for (fi, m) in modules.iter().enumerate() {
            if unique[fi] {
                for (k, f) in m.functions.iter().enumerate() {
                    let id = (func_start[fi] + k) as u32;
                    let name_of = |i: u32| qualified(&modules, &funcs[i as usize]);
                    let name = Qualified::new(&m.module, f.qualname());
                    let first = global_funcs.first(hashes[id as usize], name, id, name_of);
                    own[fi] |= funcs[first as usize].file != fi;
                }
                for (ci, c) in m.classes.iter().enumerate() {
                    let (first, _) = *classes.entry(c.full.as_str()).or_insert((fi, ci));
                    own[fi] |= first != fi;
                }
            }
        }
        drop(hashes);
        // The files with tables of their own: their functions and classes
        // in order of name.
        let mut local_at = vec![None; modules.len()];
        let mut at = 0;
        for (fi, m) in modules.iter().enumerate() {
            if own[fi] {
                local_at[fi] = Some(at);
                at += (m.functions.len() + m.classes.len()) as u32;
            }
        }
        let mut local = vec![0u32; at as usize];
        let mut rest = &mut local[..];
        let mut parts = Vec::new();
        for (m, &own) in modules.iter().zip(&own) {
            if own {
                let (f, r) = rest.split_at_mut(m.functions.len());
                let (c, r) = r.split_at_mut(m.classes.len());
                parts.push((*m, f, c));
                rest = r;
            }
        }
        parts.into_par_iter().for_each(|(m, funcs, classes)| {
            fill_sorted(funcs, |k| m.functions[k].qualname());
            fill_sorted(classes, |k| &m.classes[k].full);
        });
        let class_start = modules
            .iter()
            .scan(0, |at, m| {
                let start = *at;
                *at += m.classes.len();
                Some(start)
            })
            .collect();
        let mut index = Index {
            local_at,
            local,
            global_funcs,
            classes,
            modules: module_map,
            func_start,
            class_start,
            bases: Vec::new(),
        };
        let n = funcs.len();
        let loop_marks = LoopMarks::new(&modules);
        let mut p = Project {
            rb,
            labels,
            modules,
            funcs,
            calls: CallTable::default(),
            effects: EffectTable(vec![None; n]),
            workload: vec![Workload::Light; n],
            contexts: Vec::new(),
            dispatches: Vec::new(),
            recursive: vec![false; n],
            uncertain: vec![false; n],
            loop_marks,
            dispatched: vec![false; n],
            shared: Default::default(),
            creations: Vec::new(),
            import_time: HashMap::default(),
            iter_calls: HashMap::default(),
        };
        t.lap("  project: index");
        index.bases = p.resolver(&index).class_bases();
        let thread_classes = p.resolver(&index).thread_classes();
        t.lap("  project: bases, thread classes");
        let subclass_starts = p.resolve_calls(&index, &thread_classes);
        t.lap("  project: resolve calls");
        p.resolve_dispatches(&index, subclass_starts);
        p.resolve_iter_calls(&index);
        p.find_import_time();
        // The name tables are done with: their memory serves what follows.
        drop((index, thread_classes));
        t.lap("  project: dispatches, iter, import time");
        // The effects on one thread, and beside them what reads none of
        // the tables the propagation takes out of the project meanwhile
        // (they are empty until it puts them back): the shared-state
        // analysis, then the contexts.
        let mut effects = Effector {
            funcs: &p.funcs,
            calls: &p.calls,
            rb,
            effects: std::mem::take(&mut p.effects),
            recursive: std::mem::take(&mut p.recursive),
            uncertain: std::mem::take(&mut p.uncertain),
            loop_marks: std::mem::take(&mut p.loop_marks),
        };
        let (_, (shared, contexts)) = rayon::join(
            || effects.propagate_effects(),
            || {
                (
                    super::shared::SharedState::compute(&p),
                    p.propagate_contexts(),
                )
            },
        );
        let Effector {
            effects,
            recursive,
            uncertain,
            loop_marks,
            ..
        } = effects;
        (p.effects, p.recursive, p.uncertain, p.loop_marks) =
            (effects, recursive, uncertain, loop_marks);
        (p.shared, p.contexts) = (shared, contexts);
        t.lap("  project: effects, shared state, contexts");
        p.classify();
        t.lap("  project: classify");
        p
    }

    /// Where a call of function `f` goes, with the rulebook's effect for an
    /// external target (`None` before calls are resolved).
    fn resolved(&self, f: FuncId, c: &CallSite) -> Option<&CallTarget<'s>> {
        self.calls.get(self.funcs[f].file, c)
    }

    /// Where call `ci` of function `f` goes.
    pub fn call_target(&self, f: FuncId, ci: usize) -> Option<&Target<'s>> {
        self.resolved(f, &self.funcs[f].summary.calls()[ci])
            .map(|r| &r.0)
    }

    /// Where each call of function `f` goes, in call order.
    pub fn call_targets(&self, f: FuncId) -> impl Iterator<Item = Option<&Target<'s>>> + '_ {
        self.funcs[f]
            .summary
            .calls()
            .iter()
            .map(move |c| self.resolved(f, c).map(|r| &r.0))
    }

    /// A name a call site of function `f` refers to.
    pub fn call_name(&self, f: FuncId, n: crate::semantic::Name) -> &'s str {
        self.modules[self.funcs[f].file].names.get(n)
    }

    /// A text of function `f`'s accesses or loops.
    pub fn text(&self, f: FuncId, t: crate::semantic::Text) -> &'s str {
        self.file_text(self.funcs[f].file, t)
    }

    /// A text of the accesses or loops of a function in `file`.
    pub fn file_text(&self, file: usize, t: crate::semantic::Text) -> &'s str {
        self.modules[file].texts.get(t)
    }

    // ------------------------------------------------------------ resolution

    fn resolver<'a>(&'a self, index: &'a Index<'s>) -> Resolver<'a, 's> {
        Resolver {
            rb: self.rb,
            modules: &self.modules,
            funcs: &self.funcs,
            index,
        }
    }

    /// Resolve every call, and find among them the calls that create
    /// pools, processes and threads (`thread_classes`: project subclasses
    /// of `Thread` or `Process`, by qualified name, with their `run()`).
    /// Runs of files resolve in parallel; their results are joined in file
    /// order.
    #[inline(never)]
    fn resolve_calls(
        &mut self,
        index: &Index<'s>,
        thread_classes: &ThreadClasses<'s>,
    ) -> Vec<SubclassStart> {
        let r = self.resolver(index);
        // In runs of consecutive files, each run sharing what its files
        // resolve alike: the same runs whatever the thread count.
        let files: Vec<usize> = (0..self.modules.len()).collect();
        let found: Vec<RunCalls<'s>> = files
            .par_chunks(RESOLVE_RUN)
            .map(|run| r.resolve_run(run, thread_classes))
            .collect();
        // Joined in run order.
        let mut table = CallTable {
            slots: Vec::with_capacity(self.modules.len()),
            resolved: Vec::with_capacity(found.len()),
        };
        let mut creations = Vec::new();
        let mut subclass_starts = Vec::new();
        for mut rc in found {
            table.slots.append(&mut rc.slots);
            table.resolved.push(rc.resolved.into_boxed_slice());
            creations.append(&mut rc.creations);
            subclass_starts.append(&mut rc.subclass_starts);
        }
        self.calls = table;
        self.creations = creations;
        subclass_starts
    }

    #[inline(never)]
    fn resolve_dispatches(&mut self, index: &Index<'s>, subclass_starts: Vec<SubclassStart>) {
        let r = self.resolver(index);
        let mut walk = Walk::default();
        let mut out = Vec::new();
        for id in 0..self.funcs.len() {
            let file = self.funcs[id].file;
            let s = self.funcs[id].summary;
            for site in s.dispatches() {
                let target = site
                    .target
                    .as_deref()
                    .map(|q| r.resolve_target(file, q, &mut walk));
                out.push(Dispatch {
                    from: id,
                    site: site.clone(),
                    target,
                });
            }
        }
        // Thread subclasses: constructing one dispatches its run().
        for (id, ci, run, ctx) in subclass_starts {
            let c = &self.funcs[id].summary.calls()[ci];
            let display = self.call_name(id, c.display);
            let site = DispatchSite {
                start: self.funcs[id].summary.call_start(ci),
                end: self.funcs[id].summary.call_end(ci),
                context: ctx,
                target: Some(qualified(&self.modules, &self.funcs[run]).to_string()),
                target_display: format!("{display}.run"),
                via: format!(
                    "{} (a {} subclass)",
                    display,
                    if ctx == ContextKind::Processes {
                        "Process"
                    } else {
                        "Thread"
                    }
                ),
                // Constructed in a loop or comprehension: started
                // more than once.
                many: c.in_loop().is_some(),
                max_workers: None,
                // Each instance runs its own `run()`.
                instance: None,
                stored: false,
                scoped: false,
                awaited: false,
                form: crate::semantic::CallableForm::Ref,
                pickles_closures: false,
                chunking: None,
                in_loop: c.in_loop(),
                spawns: true,
                forks: false,
            };
            out.push(Dispatch {
                from: id,
                site,
                target: Some(Target::Func(run)),
            });
        }
        for d in &out {
            if let Some(Target::Func(f)) = d.target {
                self.dispatched[f] = true;
            }
        }
        self.dispatches = out;
    }

    /// Resolve the project functions called for an iterable, in runs of
    /// functions in parallel (a name of a file resolves alike wherever it
    /// is met, so the order they are kept in does not matter).
    #[inline(never)]
    fn resolve_iter_calls(&mut self, index: &Index<'s>) {
        let r = self.resolver(index);
        let found: Vec<((usize, String), FuncId)> = self
            .funcs
            .par_chunks(1024)
            .map_init(Walk::default, |walk, run| {
                let mut out = Vec::new();
                for node in run {
                    let (file, s) = (node.file, node.summary);
                    let loops = s.loops().iter().map(|l| &l.items);
                    let maps = s
                        .dispatches()
                        .iter()
                        .filter_map(|d| d.chunking.as_ref().map(|c| &c.items));
                    for items in loops.chain(maps) {
                        if let &crate::semantic::Items::Call(q) = items {
                            let q = self.file_text(file, q);
                            if let Target::Func(g) = r.resolve_target(file, q, walk) {
                                out.push(((file, q.to_string()), g));
                            }
                        }
                    }
                }
                out
            })
            .flatten_iter()
            .collect();
        self.iter_calls = found.into_iter().collect();
    }

    /// Functions run at import time: reached by calls made at module
    /// level outside `if __name__ == "__main__":`.
    #[inline(never)]
    fn find_import_time(&mut self) {
        let mut work = Vec::new();
        for f in 0..self.funcs.len() {
            let s = self.funcs[f].summary;
            if !s.is_module {
                continue;
            }
            for (ci, c) in s.calls().iter().enumerate() {
                if c.main_guard() {
                    continue;
                }
                if let Some(&Target::Func(g)) = self.call_target(f, ci) {
                    work.push((g, (f, ci)));
                }
            }
        }
        // Breadth first, so that a function is explained by the call
        // nearest to module level.
        let mut work: std::collections::VecDeque<_> = work.into();
        while let Some((g, origin)) = work.pop_front() {
            if self.import_time.contains_key(&g) || self.funcs[g].summary.is_module {
                continue;
            }
            self.import_time.insert(g, origin);
            for t in self.call_targets(g).flatten() {
                if let &Target::Func(h) = t {
                    if !self.import_time.contains_key(&h) {
                        work.push_back((h, origin));
                    }
                }
            }
        }
    }

    /// The rulebook's effect of an external callee (`None` for any other).
    fn effect_of_call(&self, f: FuncId, ci: usize) -> Option<&'s Effect> {
        self.resolved(f, &self.funcs[f].summary.calls()[ci])
            .and_then(|r| r.1)
    }
}

// ------------------------------------------------------------ effects

/// The effects' propagation: what it reads of the project, and what it
/// writes, taken out of the project for the while, so that what reads none
/// of it (the shared-state analysis, the contexts) runs beside it.
struct Effector<'a, 's> {
    funcs: &'a [FuncNode<'s>],
    calls: &'a CallTable<'s>,
    rb: &'s Rulebook,
    effects: EffectTable,
    recursive: Vec<bool>,
    uncertain: Vec<bool>,
    loop_marks: LoopMarks,
}

impl<'s> Effector<'_, 's> {
    fn resolved(&self, f: FuncId, c: &CallSite) -> Option<&CallTarget<'s>> {
        self.calls.get(self.funcs[f].file, c)
    }

    /// Each function's effects from its callees', component by component
    /// of the call graph, callees first: the strongly connected components
    /// come from an iterative Tarjan walk, and each is propagated as soon as
    /// the walk completes it, while its functions' calls are still in the
    /// cache.
    #[inline(never)]
    fn propagate_effects(&mut self) {
        let n = self.funcs.len();
        // (`u32`s: a project has hundreds of thousands of functions, and
        // these lists are at the project stage's peak.)
        let mut index = vec![u32::MAX; n];
        let mut low = vec![0u32; n];
        let mut on_stack = vec![false; n];
        let mut stack = Vec::new();
        let mut comp = Vec::new();
        let mut scratch = LoopScratch::default();
        let mut counter = 0u32;
        // Per function on the walk: the next call site to follow.
        let mut work: Vec<(FuncId, usize)> = Vec::new();
        for root in 0..n {
            if index[root] != u32::MAX {
                continue;
            }
            work.push((root, 0));
            index[root] = counter;
            low[root] = counter;
            counter += 1;
            stack.push(root);
            on_stack[root] = true;
            while let Some(&mut (v, ref mut ei)) = work.last_mut() {
                let next = self.funcs[v].summary.calls()[*ei..]
                    .iter()
                    .enumerate()
                    .find_map(|(k, c)| match self.resolved(v, c) {
                        Some(&(Target::Func(w), _)) => Some((k, w)),
                        _ => None,
                    });
                if let Some((skip, w)) = next {
                    *ei += skip + 1;
                    if index[w] == u32::MAX {
                        index[w] = counter;
                        low[w] = counter;
                        counter += 1;
                        stack.push(w);
                        on_stack[w] = true;
                        work.push((w, 0));
                    } else if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                } else {
                    work.pop();
                    if let Some(&(u, _)) = work.last() {
                        low[u] = low[u].min(low[v]);
                    }
                    if low[v] == index[v] {
                        comp.clear();
                        while let Some(w) = stack.pop() {
                            on_stack[w] = false;
                            comp.push(w);
                            if w == v {
                                break;
                            }
                        }
                        self.propagate_component(&comp, &mut scratch);
                    }
                }
            }
        }
    }

    /// Effects for one component, whose callees outside it are done.
    fn propagate_component(&mut self, comp: &[FuncId], scratch: &mut LoopScratch) {
        // Hot recursion is a function calling itself arithmetically:
        // `fib(n - 1) + fib(n - 2)`, `sort(a[:mid])`. Other cycles in a
        // large call graph (a constructor reaching itself through a helper)
        // are reachability, not work.
        let mut recursive = comp.len() > 1;
        for &f in comp {
            let (calls_itself, arith) = self.self_calls(f);
            recursive |= calls_itself;
            self.recursive[f] = arith;
        }
        if !recursive {
            let f = comp[0];
            let e = self.direct_effects(f, scratch);
            self.effects.set(f, e);
            return;
        }
        for _ in 0..self.rb.settings.max_propagation_rounds {
            let mut changed = false;
            for &f in comp {
                let before = self.effects[f].filled();
                let e = self.direct_effects(f, scratch);
                self.effects.set(f, e);
                changed |= self.effects[f].filled() != before;
            }
            if !changed {
                break;
            }
        }
    }

    /// Does `f` call itself, and does it do so with arithmetic?
    fn self_calls(&self, f: FuncId) -> (bool, bool) {
        let s = self.funcs[f].summary;
        let mut calls_itself = false;
        for c in s.calls() {
            if self.resolved(f, c).map(|r| &r.0) == Some(&Target::Func(f)) {
                if c.arith() {
                    return (true, true);
                }
                calls_itself = true;
            }
        }
        (calls_itself, false)
    }

    /// The effects of one function given its callees' current effects.
    #[inline(never)]
    fn direct_effects(&mut self, f: FuncId, scratch: &mut LoopScratch) -> Effects {
        let s = self.funcs[f].summary;
        let heavy_trip = self.rb.settings.heavy_trip_count;
        let nl = s.loops().len();
        // (Through the table alone: the writes to `self` below leave it be.)
        let (calls, file) = (&self.calls, self.funcs[f].file);
        let call = |c: &CallSite| calls.get(file, c);
        let target = |ci: usize| call(&s.calls()[ci]).map(|r| &r.0);
        let effect = |ci: usize| call(&s.calls()[ci]).and_then(|r| r.1);
        let mut e = Effects::default();
        let LoopScratch {
            io_in,
            work_in,
            unknown_in,
            vector_elementwise,
            compute,
            heavy,
        } = scratch;
        compute.clear();
        heavy.clear();
        // Only a call in a loop can work per element.
        vector_elementwise.clear();
        if nl > 0 {
            vector_elementwise.resize(s.calls().len(), false);
            // Per loop: I/O (or awaits) in its body; work in it or below it.
            for v in [&mut *io_in, &mut *work_in, &mut *unknown_in] {
                v.clear();
                v.resize(nl, false);
            }
            // A loop and the loops around it, innermost first.
            let ancestors = |l: u32| {
                std::iter::successors(Some(l), |&c| s.loops()[c as usize].parent)
                    .map(|c| c as usize)
            };
            for (l, fact) in s.loops().iter().enumerate() {
                if fact.has_work {
                    for a in ancestors(l as u32) {
                        work_in[a] = true;
                    }
                }
                if fact.has_await || fact.iter == IterKind::Io {
                    for a in ancestors(l as u32) {
                        io_in[a] = true;
                    }
                }
                if fact.has_unknown {
                    for a in ancestors(l as u32) {
                        unknown_in[a] = true;
                    }
                }
            }
            for (ci, c) in s.calls().iter().enumerate() {
                let Some(l) = c.in_loop() else { continue };
                let chain = ancestors(l);
                let per_element = chain.clone().any(|a| {
                    matches!(s.loops()[a].iter, IterKind::Range | IterKind::File)
                        && s.loops()[a].trip().is_none_or(|t| t >= 64)
                });
                let mut is_unknown = false;
                let (is_io, is_work) = match target(ci) {
                    Some(Target::Func(g)) => {
                        let e = &self.effects[*g];
                        let callee_async = self.funcs[*g].summary.is_async;
                        if callee_async && !c.awaited() {
                            (false, false)
                        } else {
                            (
                                e.io_slow.is_some() || e.io_disk.is_some() || e.io_wait.is_some(),
                                e.cpu_weak.is_some() || e.cpu_strong.is_some(),
                            )
                        }
                    }
                    Some(Target::External(_)) => match effect(ci) {
                        Some(Effect::Io { .. }) => (true, false),
                        Some(Effect::Cpu { .. }) => (false, true),
                        Some(Effect::Vector { .. }) if per_element => {
                            vector_elementwise[ci] = true;
                            (false, true)
                        }
                        Some(_) => (false, false),
                        None => {
                            is_unknown = true;
                            (false, false)
                        }
                    },
                    Some(Target::Known) | None => (false, false),
                };
                if is_unknown {
                    for a in chain.clone() {
                        unknown_in[a] = true;
                    }
                }
                if is_io || c.awaited() {
                    for a in chain.clone() {
                        io_in[a] = true;
                    }
                }
                if is_work {
                    for a in chain {
                        work_in[a] = true;
                    }
                }
            }
            compute.extend((0..nl).map(|l| work_in[l] && !io_in[l] && !unknown_in[l]));
            for (l, fact) in s.loops().iter().enumerate() {
                if !compute[l] {
                    continue;
                }
                let big = ancestors(l as u32)
                    .find_map(|a| s.loops()[a].trip().filter(|t| *t >= heavy_trip));
                let nested = fact.parent.is_some_and(|p| !io_in[p as usize])
                    || s.loops()
                        .iter()
                        .enumerate()
                        .any(|(j, o)| o.parent == Some(l as u32) && compute[j]);
                let what = fact.kind;
                if let Some(t) = big {
                    heavy.push(l);
                    set(
                        &mut e.cpu_strong,
                        Ev::direct(
                            fact.start,
                            "heavy-loop",
                            Detail::RangeLoop { what, trip: t },
                        ),
                    );
                } else if nested {
                    heavy.push(l);
                    set(
                        &mut e.cpu_strong,
                        Ev::direct(fact.start, "heavy-loop", Detail::NestedLoop { what }),
                    );
                } else {
                    set(
                        &mut e.cpu_weak,
                        Ev::direct(fact.start, "loop", Detail::Loop { what }),
                    );
                }
            }
        }
        let elementwise = |ci: usize| vector_elementwise.get(ci).copied().unwrap_or(false);
        // Light CPU evidence needs the whole body to be known: a call advise
        // cannot follow may be what the function really waits on.
        let unknown_call = s.has_unknown
            || s.calls()
                .iter()
                .any(|c| !c.in_handler() && matches!(call(c), Some((Target::External(_), None))));
        if self.recursive[f] {
            set(
                &mut e.cpu_strong,
                Ev::direct(s.def_loc, "recursion", Detail::Recursion(f as u32)),
            );
        }
        for (ci, c) in s.calls().iter().enumerate() {
            if c.cold() {
                continue;
            }
            match target(ci) {
                Some(Target::External(_)) => match effect(ci) {
                    Some(Effect::Io { kind, blocking, .. }) => {
                        let ev = Ev {
                            line: s.call_start(ci),
                            kind: kind.as_str(),
                            detail: Detail::Io(f as u32, ci as u32),
                            via: None,
                            io: Some((*kind, *blocking)),
                            hops: 0,
                            origin: None,
                        };
                        if *blocking && !c.awaited() {
                            set(&mut e.blocking, ev.clone());
                        }
                        if c.in_handler() {
                            continue;
                        }
                        match kind {
                            IoKind::Disk => set(&mut e.io_disk, ev),
                            IoKind::Wait => set(&mut e.io_wait, ev),
                            _ => set(&mut e.io_slow, ev),
                        }
                    }
                    Some(Effect::Vector { .. }) if !elementwise(ci) && !c.in_handler() => set(
                        &mut e.vector,
                        Ev::direct(
                            s.call_start(ci),
                            "vector",
                            Detail::Vector(f as u32, ci as u32),
                        ),
                    ),
                    Some(Effect::Cpu { .. }) if !c.in_handler() => set(
                        &mut e.cpu_weak,
                        Ev::direct(
                            s.call_start(ci),
                            "cpu-call",
                            Detail::Cpu(f as u32, ci as u32),
                        ),
                    ),
                    _ => {}
                },
                Some(Target::Func(g)) => {
                    let g = *g;
                    if g == f {
                        continue;
                    }
                    let callee = self.funcs[g].summary;
                    if callee.is_async && !c.awaited() {
                        continue;
                    }
                    let ce = &self.effects[g];
                    let wrap = |ev: &Option<Arc<Ev>>| {
                        ev.as_ref().map(|inner| Ev {
                            line: s.call_start(ci),
                            kind: "call",
                            detail: Detail::Call(f as u32, ci as u32),
                            via: Some(g as u32),
                            io: inner.io,
                            hops: inner.hops + 1,
                            origin: Some(
                                inner
                                    .origin
                                    .clone()
                                    .unwrap_or_else(|| (g as u32, inner.clone())),
                            ),
                        })
                    };
                    if !callee.is_async && !c.awaited() {
                        fill(&mut e.blocking, || wrap(&ce.blocking));
                    }
                    // Error handling is not the hot path: what a handler
                    // calls can block, but does not make the work CPU- or
                    // I/O-bound.
                    if c.in_handler() {
                        continue;
                    }
                    // CPU work far down a call chain is incidental to the
                    // caller; I/O anywhere below still waits.
                    let near =
                        |ev: &Option<Arc<Ev>>| ev.as_ref().is_some_and(|x| x.hops < MAX_CPU_HOPS);
                    if near(&ce.cpu_strong) {
                        fill(&mut e.cpu_strong, || wrap(&ce.cpu_strong));
                    }
                    if near(&ce.cpu_weak) {
                        fill(&mut e.cpu_weak, || wrap(&ce.cpu_weak));
                    }
                    fill(&mut e.io_slow, || wrap(&ce.io_slow));
                    fill(&mut e.io_disk, || wrap(&ce.io_disk));
                    fill(&mut e.io_wait, || wrap(&ce.io_wait));
                    fill(&mut e.vector, || wrap(&ce.vector));
                }
                Some(Target::Known) | None => {}
            }
        }
        if unknown_call {
            e.cpu_weak = None;
        }
        // (`compute` has a place per loop whenever there are loops.)
        let marks = self.loop_marks.of_mut(f);
        for (m, &c) in marks.iter_mut().zip(compute.iter()) {
            *m = if c { COMPUTE } else { 0 };
        }
        for &l in heavy.iter() {
            marks[l] |= HEAVY;
        }
        self.uncertain[f] = unknown_call;
        e
    }
}

impl<'s> Project<'s> {
    #[inline(never)]
    fn classify(&mut self) {
        for f in 0..self.funcs.len() {
            self.workload[f] = classify(&self.effects[f]);
        }
    }

    // ------------------------------------------------------------ contexts

    /// The contexts each function runs in.
    #[inline(never)]
    fn propagate_contexts(&self) -> Vec<Contexts> {
        let n = self.funcs.len();
        let mut contexts = vec![Contexts::default(); n];
        let mut work: Vec<(FuncId, ContextKind)> = Vec::new();
        for f in 0..n {
            let s = self.funcs[f].summary;
            if s.is_async {
                work.push((f, ContextKind::Async));
            }
            if s.is_module {
                work.push((f, ContextKind::Main));
            }
        }
        for d in &self.dispatches {
            if let Some(Target::Func(g)) = d.target {
                work.push((g, d.site.context));
            }
        }
        // A context already inserted is not pushed again.
        while let Some((f, ctx)) = work.pop() {
            if contexts[f].contains(ctx) {
                continue;
            }
            contexts[f].insert(ctx);
            for t in self.call_targets(f).flatten() {
                if let Target::Func(g) = t {
                    // An async callee runs on the loop, whoever awaits it.
                    if contexts[*g].contains(ctx)
                        || self.funcs[*g].summary.is_async && ctx != ContextKind::Async
                    {
                        continue;
                    }
                    work.push((*g, ctx));
                }
            }
        }
        for c in &mut contexts {
            if c.is_empty() {
                c.insert(ContextKind::Main);
            }
        }
        contexts
    }

    // ------------------------------------------------------------ queries

    /// The workload of a dispatch target.
    pub fn target_workload(&self, t: &Target) -> Workload {
        match t {
            Target::Func(f) => self.workload[*f],
            Target::External(q) => match self.rb.effect(q) {
                Some(Effect::Io { .. }) => Workload::Io,
                Some(Effect::Vector { .. }) => Workload::Vector,
                Some(Effect::Cpu { .. }) => Workload::Cpu,
                _ => Workload::Light,
            },
            Target::Known => Workload::Light,
        }
    }

    /// Free what only the checks read (their loop and sharing facts, the
    /// creations, the import-time reach, ...) before the hotspots are
    /// rendered: a hotspot's evidence, workload and advice need none of it,
    /// nor do the reports. Call it after the checks only, and not when
    /// profiles are to be joined (they ask the checks' helpers, such as
    /// [`Project::waits_only`], which index these tables).
    pub fn release_checked(&mut self) {
        self.loop_marks = LoopMarks::default();
        self.recursive = Vec::new();
        self.uncertain = Vec::new();
        self.shared = Default::default();
        self.creations = Vec::new();
        self.import_time = HashMap::default();
        self.iter_calls = HashMap::default();
    }

    /// Is heavy loop `l` of `f` outside every other heavy loop? Rules report
    /// the outermost heavy loop of a nest once.
    pub fn outermost_heavy(&self, f: FuncId, l: u32) -> bool {
        let loops = &self.funcs[f].summary.loops();
        let mut parent = loops[l as usize].parent;
        while let Some(pl) = parent {
            if self.loop_marks.is_heavy(f, pl) {
                return false;
            }
            parent = loops[pl as usize].parent;
        }
        true
    }

    /// I/O-bound only by waiting on other threads or processes, or only by
    /// cheap disk calls beside calls advise cannot follow (which may be the
    /// real work).
    pub fn waits_only(&self, t: &Target) -> bool {
        match t {
            Target::Func(f) => {
                let e = &self.effects[*f];
                let waits = e.io_wait.is_some() && e.io_slow.is_none() && e.io_disk.is_none();
                let unsure_disk = e.io_slow.is_none() && self.uncertain[*f];
                waits || unsure_disk
            }
            Target::External(q) => matches!(
                self.rb.effect(q),
                Some(Effect::Io {
                    kind: IoKind::Wait,
                    ..
                })
            ),
            Target::Known => false,
        }
    }

    /// The evidence that makes `t` what it is, rendered for a message.
    pub fn target_evidence(&self, t: &Target) -> String {
        match t {
            Target::Func(f) => {
                let e = &self.effects[*f];
                match Slot::for_workload(self.workload[*f], e) {
                    Some(slot) => match slot.get(e) {
                        Some(ev) => self.describe(*f, ev, slot),
                        None => String::new(),
                    },
                    None => String::new(),
                }
            }
            Target::External(q) => match self.rb.effect(q) {
                Some(Effect::Io { kind, .. }) => format!("`{q}` is {} I/O", kind.as_str()),
                Some(Effect::Vector { .. }) => format!("`{q}` runs in C with the GIL released"),
                Some(Effect::Cpu { .. }) => format!("`{q}` runs in C holding the GIL"),
                _ => String::new(),
            },
            Target::Known => String::new(),
        }
    }

    /// The text of a piece of evidence: `for loop doing Python arithmetic`,
    /// `` `requests.get` ``.
    pub fn detail(&self, ev: &Ev) -> String {
        let site = |f: u32, ci: u32| &self.funcs[f as usize].summary.calls()[ci as usize];
        let target = |f: u32, ci: u32| match self.call_target(f as usize, ci as usize) {
            Some(Target::External(q)) => q.to_string(),
            _ => self.call_name(f as usize, site(f, ci).target).to_string(),
        };
        let what = |k: LoopKind| match k {
            LoopKind::For => "for loop",
            LoopKind::While => "while loop",
            LoopKind::Comprehension => "comprehension",
        };
        match ev.detail {
            Detail::RangeLoop { what: k, trip } => format!(
                "{} over range({}) doing Python arithmetic",
                what(k),
                group_digits(trip)
            ),
            Detail::NestedLoop { what: k } => {
                format!("nested {} doing Python arithmetic", what(k))
            }
            Detail::Loop { what: k } => format!("{} doing Python arithmetic", what(k)),
            Detail::Recursion(f) => format!(
                "recursive `{}` doing arithmetic",
                self.funcs[f as usize].summary.qualname()
            ),
            Detail::Io(f, ci) => format!("`{}`", target(f, ci)),
            Detail::Vector(f, ci) => format!("`{}` (releases the GIL)", target(f, ci)),
            Detail::Cpu(f, ci) => format!("`{}` (holds the GIL)", target(f, ci)),
            Detail::Call(f, ci) => format!("`{}`", self.call_name(f as usize, site(f, ci).display)),
        }
    }

    /// The asynchronous alternative the rulebook gives for the I/O call
    /// a piece of evidence leads to.
    pub fn alternative(&self, ev: &Ev) -> Option<&'s str> {
        let leaf = ev.origin.as_ref().map_or(ev, |o| &o.1);
        match leaf.detail {
            Detail::Io(f, ci) => match self.effect_of_call(f as usize, ci as usize) {
                Some(Effect::Io { alternative, .. }) => alternative.as_deref(),
                _ => None,
            },
            _ => None,
        }
    }

    /// `for loop doing Python arithmetic at line 12`, following helper
    /// chains to their origin.
    pub fn describe(&self, f: FuncId, ev: &Ev, slot: Slot) -> String {
        let (leaf_f, leaf) = self.leaf(f, ev, slot);
        if leaf_f == f {
            format!("{} at line {}", self.detail(&leaf), leaf.line.row)
        } else {
            format!(
                "{} at {}:{} in `{}`",
                self.detail(&leaf),
                self.file_label(leaf_f),
                leaf.line.row,
                self.funcs[leaf_f].summary.qualname()
            )
        }
    }

    /// Follow `via` links within one slot to the evidence's origin.
    pub fn leaf(&self, f: FuncId, ev: &Ev, _slot: Slot) -> (FuncId, Ev) {
        match &ev.origin {
            Some((g, leaf)) => (*g as usize, Ev::clone(leaf)),
            None => (f, ev.clone()),
        }
    }

    /// The helpers between `f` and the origin of `ev`: `["load", "read_config"]`.
    /// Also says whether the chain was cut at `max_chain_length`.
    pub fn chain(&self, f: FuncId, ev: &Ev, slot: Slot) -> (Vec<FuncId>, bool) {
        let max = self.rb.settings.max_chain_length as usize;
        let mut out = Vec::new();
        let mut cur = ev;
        while let Some(g) = cur.via.map(|g| g as usize) {
            if g == f || out.contains(&g) {
                break;
            }
            if out.len() >= max {
                return (out, true);
            }
            out.push(g);
            match slot.get(&self.effects[g]) {
                Some(n) => cur = n,
                None => break,
            }
        }
        (out, false)
    }

    /// The file name of a function's module, for messages.
    pub fn file_label(&self, f: FuncId) -> String {
        self.labels
            .get(self.funcs[f].file)
            .cloned()
            .unwrap_or_default()
    }

    /// The recommendation for a workload in the contexts it runs in.
    pub fn recommendation(&self, f: FuncId) -> Recommendation {
        match self.workload[f] {
            Workload::Cpu => Recommendation::Processes,
            Workload::Io => {
                if self.contexts[f].contains(ContextKind::Async) {
                    Recommendation::Asyncio
                } else {
                    Recommendation::Threads
                }
            }
            Workload::Vector => Recommendation::Threads,
            Workload::Mixed => {
                let e = &self.effects[f];
                if e.cpu_strong.is_none() {
                    // I/O and GIL-releasing C: threads overlap both.
                    Recommendation::Threads
                } else {
                    Recommendation::Restructure
                }
            }
            Workload::Light => Recommendation::None,
        }
    }

    /// Evidence entries of a function for the hotspot list.
    pub fn evidence_list(&self, f: FuncId) -> Vec<(Location, &'static str, String)> {
        let e = &self.effects[f];
        let mut out: Vec<(Location, &'static str, String)> = Vec::new();
        for slot in Slot::EVIDENCE {
            let Some(ev) = slot.get(e) else { continue };
            let (kind, detail) = if ev.via.is_some() {
                let (lf, leaf) = self.leaf(f, ev, slot);
                (
                    leaf.kind,
                    format!(
                        "calls {} -> {} at {}:{}",
                        self.detail(ev),
                        self.detail(&leaf),
                        self.file_label(lf),
                        leaf.line.row
                    ),
                )
            } else {
                (ev.kind, self.detail(ev))
            };
            if !out.iter().any(|(l, k, _)| *l == ev.line && *k == kind) {
                // Kept to the end of the run: `format!` leaves room to grow.
                let mut detail = detail;
                detail.shrink_to_fit();
                out.push((ev.line, kind, detail));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
        // Kept with its hotspot to the end of the run: no spare capacity.
        out.shrink_to_fit();
        out
    }
}

/// One kind of effect, for following evidence through callees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    CpuStrong,
    CpuWeak,
    IoSlow,
    IoDisk,
    IoWait,
    Blocking,
    Vector,
}

impl Slot {
    pub const EVIDENCE: [Slot; 6] = [
        Slot::CpuStrong,
        Slot::CpuWeak,
        Slot::IoSlow,
        Slot::IoDisk,
        Slot::IoWait,
        Slot::Vector,
    ];

    pub fn get(self, e: &Effects) -> &Option<Arc<Ev>> {
        match self {
            Slot::CpuStrong => &e.cpu_strong,
            Slot::CpuWeak => &e.cpu_weak,
            Slot::IoSlow => &e.io_slow,
            Slot::IoDisk => &e.io_disk,
            Slot::IoWait => &e.io_wait,
            Slot::Blocking => &e.blocking,
            Slot::Vector => &e.vector,
        }
    }

    /// The slot whose evidence explains a workload.
    pub fn for_workload(w: Workload, e: &Effects) -> Option<Slot> {
        let first = |slots: &[Slot]| slots.iter().copied().find(|s| s.get(e).is_some());
        match w {
            Workload::Cpu => first(&[Slot::CpuStrong, Slot::CpuWeak]),
            Workload::Io => first(&[Slot::IoSlow, Slot::IoDisk, Slot::IoWait]),
            Workload::Vector => first(&[Slot::Vector]),
            Workload::Mixed => first(&[Slot::CpuStrong, Slot::IoSlow, Slot::Vector]),
            Workload::Light => None,
        }
    }
}

fn set(slot: &mut Option<Arc<Ev>>, ev: Ev) {
    fill(slot, || Some(ev));
}

/// Fill an empty slot with what `make` builds (only then is it built).
fn fill(slot: &mut Option<Arc<Ev>>, make: impl FnOnce() -> Option<Ev>) {
    if slot.is_none() {
        *slot = make().map(Arc::new);
    }
}

/// Where the last `.` of a qualified name is: a byte search, quicker on
/// these short names than `rfind` with a `char`.
fn last_dot(qn: &str) -> Option<usize> {
    qn.bytes().rposition(|b| b == b'.')
}

pub fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push('_');
        }
        out.push(c);
    }
    out
}

/// The workload class from the effects (see the module docs in
/// `analysis/mod.rs` for the reasoning).
pub fn classify(e: &Effects) -> Workload {
    let slow_io = e.io_slow.is_some() || e.io_wait.is_some();
    let disk = e.io_disk.is_some();
    let vector = e.vector.is_some();
    if e.cpu_strong.is_some() {
        if slow_io || vector {
            Workload::Mixed
        } else {
            Workload::Cpu
        }
    } else if e.cpu_weak.is_some() {
        if slow_io {
            if vector {
                Workload::Mixed
            } else {
                Workload::Io
            }
        } else if vector {
            Workload::Vector
        } else {
            // Per-line Python work over page-cache reads is CPU-bound.
            let _ = disk;
            Workload::Cpu
        }
    } else if slow_io || disk {
        if vector {
            Workload::Mixed
        } else {
            Workload::Io
        }
    } else if vector {
        Workload::Vector
    } else {
        Workload::Light
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sorted_order_finds_the_first_of_a_name() {
        let names = [
            "run",
            "Client.get",
            "run",
            "",
            "Client",
            "Client.get.<locals>.f",
        ];
        let mut order = vec![0; names.len()];
        fill_sorted(&mut order, |k| names[k]);
        let sorted: Vec<&str> = order.iter().map(|&k| names[k as usize]).collect();
        let mut expect = names.to_vec();
        expect.sort();
        assert_eq!(sorted, expect);
        // A name defined twice is the first definition, as in a table
        // filled in order.
        assert_eq!(first_of(&order, "run", |k| names[k]), Some(0));
        assert_eq!(first_of(&order, "Client.get", |k| names[k]), Some(1));
        assert_eq!(first_of(&order, "", |k| names[k]), Some(3));
        for absent in ["Client.ge", "Client.get.", "runs", "a", "z"] {
            assert_eq!(first_of(&order, absent, |k| names[k]), None, "{absent}");
        }
        assert_eq!(first_of(&[], "run", |k| names[k]), None);
    }

    #[test]
    fn contexts_are_a_set_in_the_kinds_order() {
        for mask in 0u8..32 {
            let mut set = Contexts::default();
            let mut reference = std::collections::BTreeSet::new();
            // Insert in reverse, and twice: order and repeats must not show.
            for (i, &c) in Contexts::ALL.iter().enumerate().rev() {
                if mask & (1 << i) != 0 {
                    set.insert(c);
                    set.insert(c);
                    reference.insert(c);
                }
            }
            assert_eq!(
                set.iter().collect::<Vec<_>>(),
                reference.iter().copied().collect::<Vec<_>>()
            );
            assert_eq!(set.is_empty(), reference.is_empty());
            for c in Contexts::ALL {
                assert_eq!(set.contains(c), reference.contains(&c));
            }
        }
    }
}
