//! The serde schema of a rules file (`rules/default.yaml` and user files).
//!
//! Every section is optional in a user file: a user file is layered over the
//! embedded default (see [`super::Rulebook::layer`]). Unknown keys are rejected
//! so that a typo is reported with its line and column rather than ignored.

use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
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
    /// Per-rule settings, keyed by code (`GIL101`).
    #[serde(default)]
    pub rules: BTreeMap<RuleCode, RuleFile>,
}

/// A rule code as a map key, keeping its position for errors.
#[derive(Debug, Deserialize)]
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
#[derive(Debug, Default, Deserialize)]
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
#[derive(Debug, Default, Deserialize)]
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
    /// Lock constructors.
    #[serde(default)]
    pub locks: Vec<PlainEntry>,
    /// Thread-safe queues and counters.
    #[serde(default)]
    pub queues: Vec<PlainEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlainEntry {
    pub pattern: Spanned<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PureMethod {
    pub name: Spanned<String>,
    /// Pure only with at least this many positional arguments:
    /// `",".join(parts)` is, `thread.join()` is not.
    #[serde(default)]
    pub min_args: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
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

#[derive(Debug, Deserialize)]
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnsEntry {
    pub pattern: Spanned<String>,
    /// The qualified type name of the returned object.
    #[serde(rename = "type")]
    pub type_name: Spanned<String>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
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
#[derive(Debug, Default, Deserialize)]
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
    /// Methods on any receiver that take an executor and a callable:
    /// `loop.run_in_executor(executor, f)`.
    #[serde(default)]
    pub executor_calls: Vec<ExecutorCall>,
    /// Callables like `joblib.Parallel(...)(delayed(f)(x) for x in xs)`.
    #[serde(default)]
    pub parallel_calls: Vec<ParallelCall>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallableArg {
    #[serde(default)]
    pub position: Option<usize>,
    #[serde(default)]
    pub keyword: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DispatchCall {
    pub pattern: Spanned<String>,
    pub context: ContextKind,
    pub callable: CallableArg,
    /// The callable runs many times (a `map`).
    #[serde(default)]
    pub many: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecutorEntry {
    pub pattern: Spanned<String>,
    pub context: ContextKind,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecutorMethod {
    pub name: String,
    pub callable: CallableArg,
    #[serde(default)]
    pub many: bool,
}

#[derive(Debug, Deserialize)]
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

#[derive(Debug, Deserialize)]
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

#[derive(Debug, Deserialize)]
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
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
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

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
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
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub name: Option<Spanned<String>>,
    pub severity: Option<Severity>,
    pub enabled: Option<bool>,
    pub message: Option<Spanned<String>>,
    pub help: Option<Spanned<String>>,
    pub recommendation: Option<Recommendation>,
    pub fix_title: Option<Spanned<String>>,
}
