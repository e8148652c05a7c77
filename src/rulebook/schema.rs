//! The serde schema of a rules file (`rules/default.yaml` and user files).
//!
//! Every section is optional in a user file: a user file is layered over the
//! embedded default (see [`super::Rulebook::layer`]). Unknown keys are rejected
//! so that a typo is reported with its line and column rather than ignored.

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    /// Schema version; only `1` exists.
    #[serde(default)]
    pub version: Option<Spanned<u32>>,
    #[serde(default)]
    pub settings: Option<SettingsFile>,
    #[serde(default)]
    pub catalogue: Option<CatalogueFile>,
    #[serde(default)]
    pub dispatch: Option<DispatchFile>,
    /// What Numba's nopython mode compiles (GIL401).
    #[serde(default)]
    pub jit: Option<JitFile>,
    /// How `--target auto` reads a project's metadata.
    #[serde(default)]
    pub targets: Option<TargetsFile>,
    /// Per-rule settings, keyed by code (`GIL101`).
    #[serde(default)]
    pub rules: BTreeMap<RuleCode, RuleFile>,
}

/// A rule code as a map key, keeping its position for errors.
#[derive(Debug, Deserialize, Serialize)]
#[serde(transparent)]
pub struct RuleCode(pub Spanned<String>);

impl PartialEq for RuleCode {
    fn eq(&self, other: &Self) -> bool {
        self.0.value == other.0.value
    }
}
impl Eq for RuleCode {}
impl PartialOrd for RuleCode {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for RuleCode {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.value.cmp(&other.0.value)
    }
}

/// Numeric knobs of the analysis.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsFile {
    /// `range(N)` with `N` at or above this makes a loop heavy.
    pub heavy_trip_count: Option<Spanned<u64>>,
    /// Bound on the rounds of call-graph propagation.
    pub max_propagation_rounds: Option<Spanned<u32>>,
    /// Longest helper chain named in a message or evidence.
    pub max_chain_length: Option<Spanned<u32>>,
    /// Names whose test guards debug-only code.
    pub cold_guards: Option<Vec<String>>,
    /// A thread pool with at least this many workers is "at scale" (GIL106).
    pub thread_pool_at_scale: Option<Spanned<u64>>,
    /// `range(N)` with `N` at or above this is a large iterable to map
    /// over one task at a time (GIL303), or to start one thread per item
    /// of (GIL106).
    pub many_tasks: Option<Spanned<u64>>,
    /// A function with less than this share of a profile is cold: findings
    /// about it drop one severity level.
    pub profile_cold_share: Option<Spanned<f64>>,
    /// The share of a function's classified profile time that one kind of
    /// work (Python, GIL-releasing C, waiting) needs to decide its measured
    /// class; below it the measurement says mixed.
    pub profile_class_share: Option<Spanned<f64>>,
    /// The fewest samples of a function for its measurement to correct
    /// its static class.
    pub profile_min_samples: Option<Spanned<u64>>,
}

/// Qualified-name patterns that say what a call does.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFile {
    /// Blocking (or awaitable) I/O.
    #[serde(default)]
    pub io: Vec<IoEntry>,
    /// Work done in C with the GIL released.
    #[serde(default)]
    pub vector: Vec<PlainEntry>,
    /// Work done in C that holds the GIL (`re`, `json`, `pickle`).
    #[serde(default)]
    pub cpu: Vec<PlainEntry>,
    /// Calls that are cheap even though a broader pattern matches them.
    #[serde(default)]
    pub light: Vec<PlainEntry>,
    /// Calls known to do no I/O and not to release the GIL: Python-level
    /// helpers such as `math.*` or `builtins.len`. A loop calling only
    /// known things can be judged; a call advise knows nothing about may
    /// hide I/O, so a loop containing one is not called CPU-bound.
    #[serde(default)]
    pub pure: Vec<PlainEntry>,
    /// Methods that are pure whatever their receiver (`str.split`,
    /// `list.append`), for receivers advise cannot type.
    #[serde(default)]
    pub pure_methods: Vec<PureMethod>,
    /// What a call returns, for typing receivers of later method calls.
    #[serde(default)]
    pub returns: Vec<ReturnsEntry>,
    /// Lock constructors. Code inside `with lock:` (or between
    /// `acquire()` and `release()`) is protected.
    #[serde(default)]
    pub locks: Vec<LockEntry>,
    /// Thread-safe queues and counters: their methods are safe on shared
    /// state.
    #[serde(default)]
    pub queues: Vec<PlainEntry>,
    /// Decorators that run the decorated function under a lock.
    #[serde(default)]
    pub synchronized: Vec<PlainEntry>,
    /// Types whose attributes are per thread or per context
    /// (`threading.local`): state reached through them is not shared.
    #[serde(default)]
    pub unshared: Vec<PlainEntry>,
    /// Methods that mutate their receiver in one call (`append`, `pop`),
    /// whatever the receiver: the "act" of a check-then-act, and the
    /// single-operation mutations whose atomicity is folklore.
    #[serde(default)]
    pub mutators: Vec<MutatorEntry>,
    /// Array types whose elements a Python loop should not visit one by
    /// one (`numpy.ndarray`).
    #[serde(default)]
    pub arrays: Vec<PlainEntry>,
    /// Iterables without an end: `itertools.count()`, `sys.stdin`.
    #[serde(default)]
    pub unbounded: Vec<PlainEntry>,
    /// Scalar functions with a NumPy ufunc doing the same on whole arrays
    /// (`math.sqrt` -> `numpy.sqrt`), for writing a loop as one expression.
    #[serde(default)]
    pub ufuncs: Vec<UfuncEntry>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UfuncEntry {
    pub pattern: Spanned<String>,
    /// The NumPy function, qualified: `numpy.sqrt`.
    pub ufunc: Spanned<String>,
}

/// What Numba's nopython mode can compile.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JitFile {
    /// Decorators that compile a function already: its loops are not
    /// Python loops.
    #[serde(default)]
    pub decorators: Vec<PlainEntry>,
    /// Calls nopython code can make.
    #[serde(default)]
    pub supported: Vec<PlainEntry>,
    /// Calls it cannot, where a broader `supported` pattern matches.
    #[serde(default)]
    pub unsupported: Vec<PlainEntry>,
    /// Methods it cannot compile on receivers advise cannot type
    /// (`line.split()`, `gen.send(x)`).
    #[serde(default)]
    pub unsupported_methods: Vec<MutatorEntry>,
    /// Constructs of a function body it cannot compile, by the kind the
    /// builder records (see `semantic::JIT_CONSTRUCTS`), with how a
    /// message names them.
    #[serde(default)]
    pub unsupported_constructs: Vec<ConstructEntry>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConstructEntry {
    pub construct: Spanned<String>,
    pub what: String,
}

/// How `--target auto` decides.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetsFile {
    /// Trove classifiers (or their prefixes) in `pyproject.toml` that
    /// declare support for free-threaded CPython.
    #[serde(default)]
    pub free_threaded_classifiers: Option<Vec<String>>,
}

/// The interpreter the analysed code is meant for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Deserialize, Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// CPython with the GIL.
    #[default]
    Gil,
    /// Free-threaded CPython (3.13t, 3.14t).
    FreeThreaded,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Gil => "gil",
            TargetKind::FreeThreaded => "free-threaded",
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LockEntry {
    pub pattern: Spanned<String>,
    /// What the lock orders: OS threads, or coroutines on one event loop.
    #[serde(default)]
    pub scope: LockScope,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum LockScope {
    /// `threading.Lock`: excludes other threads (and other coroutines).
    #[default]
    Threads,
    /// `asyncio.Lock`: excludes other coroutines on the same loop only.
    EventLoop,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MutatorEntry {
    pub name: Spanned<String>,
    /// Only adds to its receiver (`append`, `add`): after a size check
    /// (`if len(L) < N: L.append(x)`) a race overshoots the bound, which is
    /// not reported as a check-then-act.
    #[serde(default)]
    pub grows: bool,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MethodName {
    pub name: Spanned<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlainEntry {
    pub pattern: Spanned<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PureMethod {
    pub name: Spanned<String>,
    /// Pure only with at least this many positional arguments:
    /// `",".join(parts)` is, `thread.join()` is not.
    #[serde(default)]
    pub min_args: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IoKind {
    Network,
    Disk,
    Sleep,
    Subprocess,
    Database,
    Wait,
}

impl IoKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IoKind::Network => "network",
            IoKind::Disk => "disk",
            IoKind::Sleep => "sleep",
            IoKind::Subprocess => "subprocess",
            IoKind::Database => "database",
            IoKind::Wait => "wait",
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IoEntry {
    pub pattern: Spanned<String>,
    pub kind: IoKind,
    /// `false` for awaitable APIs (aiohttp, asyncio.sleep): they do not
    /// block an event loop.
    #[serde(default = "yes")]
    pub blocking: bool,
    /// What to use inside `async def` instead.
    #[serde(default)]
    pub async_alternative: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnsEntry {
    pub pattern: Spanned<String>,
    /// The qualified type name of the returned object.
    #[serde(rename = "type")]
    pub type_name: Spanned<String>,
    /// Only when an argument is this string literal:
    /// `multiprocessing.get_context("fork")`.
    #[serde(default)]
    pub argument: Option<ArgumentIs>,
}

/// An argument (by position or keyword) given as a string literal.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ArgumentIs {
    #[serde(default)]
    pub position: Option<usize>,
    #[serde(default)]
    pub keyword: Option<String>,
    pub equals: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContextKind {
    Threads,
    Processes,
    Interpreters,
    Async,
    Main,
}

impl ContextKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ContextKind::Threads => "threads",
            ContextKind::Processes => "processes",
            ContextKind::Interpreters => "interpreters",
            ContextKind::Async => "async",
            ContextKind::Main => "main",
        }
    }
}

/// Where work is handed to another thread, process, interpreter or loop.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DispatchFile {
    /// Calls that take a callable and run it elsewhere: `threading.Thread(target=f)`.
    #[serde(default)]
    pub calls: Vec<DispatchCall>,
    /// Constructors of pools whose methods dispatch: `ThreadPoolExecutor`.
    #[serde(default)]
    pub executors: Vec<ExecutorEntry>,
    /// Methods of executors that take a callable: `submit`, `map`.
    #[serde(default)]
    pub executor_methods: Vec<ExecutorMethod>,
    /// Base classes whose `run()` runs elsewhere: `threading.Thread`.
    #[serde(default)]
    pub thread_classes: Vec<ThreadClass>,
    /// `map`-like methods that split an iterable into tasks, by the
    /// executor type and method: where their chunk size is given and what
    /// it is by default.
    #[serde(default)]
    pub chunked_maps: Vec<ChunkedMap>,
    /// Methods on any receiver that take an executor and a callable:
    /// `loop.run_in_executor(executor, f)`.
    #[serde(default)]
    pub executor_calls: Vec<ExecutorCall>,
    /// Callables like `joblib.Parallel(...)(delayed(f)(x) for x in xs)`.
    #[serde(default)]
    pub parallel_calls: Vec<ParallelCall>,
    /// Methods that wait for dispatched work (`join`, `result`), on any
    /// receiver, when given no argument but a timeout.
    #[serde(default)]
    pub wait_methods: Vec<MethodName>,
    /// Functions that wait for dispatched work: `concurrent.futures.wait`.
    #[serde(default)]
    pub wait_calls: Vec<PlainEntry>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CallableArg {
    #[serde(default)]
    pub position: Option<usize>,
    #[serde(default)]
    pub keyword: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DispatchCall {
    pub pattern: Spanned<String>,
    pub context: ContextKind,
    pub callable: CallableArg,
    /// The callable runs many times (a `map`).
    #[serde(default)]
    pub many: bool,
    /// The callable is serialised with cloudpickle (or not at all), so
    /// lambdas and closures travel.
    #[serde(default)]
    pub pickles_closures: bool,
    /// Each call starts a new thread or process (`threading.Thread`), as
    /// opposed to handing work to a pool.
    #[serde(default)]
    pub spawns: bool,
    /// The process starts as a fork of this one (the `fork` start
    /// method): it inherits its target rather than unpickling it, and
    /// does not import the main module again.
    #[serde(default)]
    pub forks: bool,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExecutorEntry {
    pub pattern: Spanned<String>,
    pub context: ContextKind,
    /// The constructor argument giving the number of workers
    /// (`max_workers`); a pool with one worker runs its tasks one at a time.
    #[serde(default)]
    pub workers: Option<CallableArg>,
    /// The pool serialises tasks with cloudpickle: lambdas and closures
    /// travel.
    #[serde(default)]
    pub pickles_closures: bool,
    /// The workers are forks of this process (the `fork` start method):
    /// they do not import the main module again. Tasks are still pickled.
    #[serde(default)]
    pub forks: bool,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExecutorMethod {
    pub name: String,
    pub callable: CallableArg,
    #[serde(default)]
    pub many: bool,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChunkedMap {
    /// `Type.method`: `multiprocessing.pool.Pool.imap`.
    pub pattern: Spanned<String>,
    pub iterable: CallableArg,
    pub chunksize: CallableArg,
    /// What the pool does without a chunk size.
    pub default: ChunkDefault,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChunkDefault {
    /// One item per task: every item pays a round trip.
    One,
    /// The pool picks a chunk size from the iterable's length.
    Auto,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ThreadClass {
    pub pattern: Spanned<String>,
    pub context: ContextKind,
    /// The method that runs elsewhere.
    #[serde(default = "run_method")]
    pub method: String,
}

fn run_method() -> String {
    "run".to_string()
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExecutorCall {
    /// Method name, matched on any receiver.
    pub name: String,
    /// Position of the executor argument; `None` there means `default`.
    pub executor: usize,
    pub callable: CallableArg,
    /// Context when the executor argument is `None`.
    pub default: ContextKind,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ParallelCall {
    /// The constructor, e.g. `joblib.Parallel`.
    pub pattern: Spanned<String>,
    /// The wrapper around each task, e.g. `joblib.delayed`.
    pub wrapper: Spanned<String>,
    /// Context when no keyword below decides.
    pub default: ContextKind,
    /// keyword -> value -> context, e.g. backend: {threading: threads}.
    #[serde(default)]
    pub keywords: BTreeMap<String, BTreeMap<String, ContextKind>>,
    /// Tasks are serialised with cloudpickle: lambdas and closures travel.
    #[serde(default)]
    pub pickles_closures: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Recommendation {
    Threads,
    Asyncio,
    Processes,
    Interpreters,
    Jit,
    Vectorize,
    FreeThreading,
    Lock,
    Queue,
    Restructure,
    None,
}

impl Recommendation {
    pub fn as_str(self) -> &'static str {
        match self {
            Recommendation::Threads => "threads",
            Recommendation::Asyncio => "asyncio",
            Recommendation::Processes => "processes",
            Recommendation::Interpreters => "interpreters",
            Recommendation::Jit => "jit",
            Recommendation::Vectorize => "vectorize",
            Recommendation::FreeThreading => "free-threading",
            Recommendation::Lock => "lock",
            Recommendation::Queue => "queue",
            Recommendation::Restructure => "restructure",
            Recommendation::None => "none",
        }
    }
}

/// One rule's entry. In the default file every field is given; in a user
/// file any subset overrides the default.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub name: Option<Spanned<String>>,
    pub severity: Option<Severity>,
    pub enabled: Option<bool>,
    pub message: Option<Spanned<String>>,
    pub help: Option<Spanned<String>>,
    pub recommendation: Option<Recommendation>,
    pub fix_title: Option<Spanned<String>>,
    /// Changes that apply on some targets or to some findings, in order;
    /// a later matching entry wins field by field.
    #[serde(default)]
    pub overrides: Vec<OverrideFile>,
}

/// A per-target (or per-finding) change to a rule.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideFile {
    pub when: WhenFile,
    pub severity: Option<Severity>,
    pub enabled: Option<bool>,
    pub message: Option<Spanned<String>>,
    pub help: Option<Spanned<String>>,
    pub recommendation: Option<Recommendation>,
    pub fix_title: Option<Spanned<String>>,
}

/// When an override applies: every condition given must hold.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WhenFile {
    /// The interpreter targeted (`--target`).
    #[serde(default)]
    pub target: Option<TargetKind>,
    /// The project's `requires-python` admits this `X.Y` release.
    #[serde(default)]
    pub python: Option<Spanned<String>>,
    /// Facts the rule establishes about one finding (see `advise
    /// --explain`'s source, `RULE_FACTS` in `src/rulebook/mod.rs`).
    #[serde(default)]
    pub facts: Vec<Spanned<String>>,
}
