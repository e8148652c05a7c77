//! The rulebook: the knowledge behind the analysis, loaded from YAML.
//!
//! The default (`rules/default.yaml`) is embedded in the binary; a user file
//! given with `--rules` is layered over it.

pub mod pattern;
pub mod schema;

use pattern::{MethodMap, PatternMap};
use schema::{CallableArg, OverrideFile, RulesFile};
pub use schema::{
    ChunkDefault, ContextKind, IoKind, LockScope, Recommendation, Severity, TargetKind,
};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

pub const DEFAULT_RULES: &str = include_str!("../../rules/default.yaml");

/// [`DEFAULT_RULES`] as JSON, made by `build.rs`: it reads in a fraction of
/// the time. Tests check that it gives the same rulebook as the YAML.
const DEFAULT_RULES_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/default-rules.json"));

/// How errors in the default rulebook name it.
const DEFAULT_NAME: &str = "<default rules>";

/// A rules-file error, with the file and the position it concerns.
#[derive(Debug, Clone)]
pub struct RulesError {
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl fmt::Display for RulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::diagnostic::write_located(f, &self.file, self.line, self.column, &self.message)
    }
}

/// What the catalogue says a call does.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Io {
        kind: IoKind,
        blocking: bool,
        alternative: Option<String>,
    },
    Vector {
        note: Option<String>,
    },
    Cpu {
        note: Option<String>,
    },
    Light,
    /// Known to do no I/O and hold the GIL; no evidence by itself.
    Pure,
}

/// How a dispatch call hands over its callable.
#[derive(Debug, Clone)]
pub struct CallableSpec {
    pub position: Option<usize>,
    pub keyword: Option<String>,
}

impl From<&CallableArg> for CallableSpec {
    fn from(c: &CallableArg) -> Self {
        CallableSpec {
            position: c.position,
            keyword: c.keyword.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DispatchCallInfo {
    pub context: ContextKind,
    pub callable: CallableSpec,
    pub many: bool,
    pub pickles_closures: bool,
    pub spawns: bool,
    /// A forked process: the target is inherited, not pickled.
    pub forks: bool,
}

/// A return type that holds when an argument is a given string literal.
#[derive(Debug, Clone)]
pub struct ConditionalReturn {
    pub argument: CallableSpec,
    pub equals: String,
    pub type_name: String,
}

/// A `map`-like method that splits an iterable into tasks.
#[derive(Debug, Clone)]
pub struct ChunkedMapInfo {
    pub iterable: CallableSpec,
    pub chunksize: CallableSpec,
    pub default: ChunkDefault,
}

#[derive(Debug, Clone)]
pub struct ExecutorMethodInfo {
    pub callable: CallableSpec,
    pub many: bool,
}

#[derive(Debug, Clone)]
pub struct ExecutorCallInfo {
    pub executor: usize,
    pub callable: CallableSpec,
    pub default: ContextKind,
}

#[derive(Debug, Clone)]
pub struct ParallelInfo {
    pub wrapper: String,
    pub default: ContextKind,
    pub keywords: BTreeMap<String, BTreeMap<String, ContextKind>>,
    pub pickles_closures: bool,
}

#[derive(Debug, Clone)]
pub struct ThreadClassInfo {
    pub context: ContextKind,
    pub method: String,
}

/// One rule's settings after layering.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub enabled: bool,
    pub message: String,
    pub help: String,
    pub recommendation: Recommendation,
    pub fix_title: String,
    pub doc: &'static str,
    /// Per-target and per-finding changes, in order (see
    /// [`Rulebook::for_target`] and [`Rulebook::rule_with`]).
    pub overrides: Vec<RuleOverride>,
}

/// A change to a rule that applies under conditions.
#[derive(Debug, Clone, Default)]
pub struct RuleOverride {
    pub target: Option<TargetKind>,
    /// `requires-python` admits this `(major, minor)`.
    pub python: Option<(u64, u64)>,
    pub facts: Vec<String>,
    pub severity: Option<Severity>,
    pub enabled: Option<bool>,
    pub message: Option<String>,
    pub help: Option<String>,
    pub recommendation: Option<Recommendation>,
    pub fix_title: Option<String>,
}

impl RuleOverride {
    fn apply(&self, info: &mut RuleInfo) {
        if let Some(s) = self.severity {
            info.severity = s;
        }
        if let Some(e) = self.enabled {
            info.enabled = e;
        }
        if let Some(m) = &self.message {
            info.message = m.clone();
        }
        if let Some(h) = &self.help {
            info.help = h.clone();
        }
        if let Some(r) = self.recommendation {
            info.recommendation = r;
        }
        if let Some(f) = &self.fix_title {
            info.fix_title = f.clone();
        }
    }
}

/// What an analysis run targets: the interpreter, and what the project's
/// `requires-python` admits.
#[derive(Debug, Clone, Default)]
pub struct TargetInfo {
    pub kind: TargetKind,
    /// The `requires-python` specifier, when a `pyproject.toml` gives one.
    pub requires_python: Option<String>,
}

impl TargetInfo {
    /// Does `requires-python` admit some `major.minor.*` release? Unknown
    /// (no pyproject, or a specifier advise cannot read) is no.
    pub fn allows(&self, major: u64, minor: u64) -> bool {
        self.requires_python
            .as_deref()
            .is_some_and(|s| crate::target::specifier_allows(s, major, minor))
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub heavy_trip_count: u64,
    pub max_propagation_rounds: u32,
    pub max_chain_length: u32,
    pub cold_guards: Vec<String>,
    pub thread_pool_at_scale: u64,
    pub many_tasks: u64,
    pub profile_cold_share: f64,
    pub profile_class_share: f64,
    pub profile_min_samples: u64,
}

#[derive(Debug, Clone)]
pub struct Rulebook {
    pub settings: Settings,
    pub effects: PatternMap<Effect>,
    pub returns: PatternMap<String>,
    /// Return types that depend on a literal argument, tried before
    /// `returns`.
    pub returns_when: PatternMap<Vec<ConditionalReturn>>,
    pub locks: PatternMap<LockScope>,
    pub queues: PatternMap<()>,
    pub unshared: PatternMap<()>,
    /// Decorators that hold a lock around the function.
    pub synchronized: PatternMap<()>,
    /// Method names that mutate their receiver in one call, and whether
    /// they only add to it.
    pub mutators: MethodMap<bool>,
    pub dispatch_calls: PatternMap<DispatchCallInfo>,
    pub executors: PatternMap<ContextKind>,
    /// Where a pool constructor takes its number of workers.
    pub pool_workers: PatternMap<CallableSpec>,
    /// Method name -> minimum positional arguments for it to be pure.
    pub pure_methods: MethodMap<usize>,
    pub executor_methods: MethodMap<ExecutorMethodInfo>,
    pub executor_calls: MethodMap<ExecutorCallInfo>,
    pub thread_classes: PatternMap<ThreadClassInfo>,
    pub parallel: PatternMap<ParallelInfo>,
    /// Method names that wait for dispatched work (`join`).
    pub wait_methods: MethodMap<()>,
    pub wait_calls: PatternMap<()>,
    /// Executors whose tasks travel by cloudpickle.
    pub closure_executors: PatternMap<()>,
    /// Pools whose workers are forks (no new import of the main module).
    pub forking_executors: PatternMap<()>,
    /// `Type.method` -> how it chunks its iterable.
    pub chunked_maps: PatternMap<ChunkedMapInfo>,
    pub unbounded: PatternMap<()>,
    pub arrays: PatternMap<()>,
    /// Scalar function -> NumPy ufunc (qualified).
    pub ufuncs: PatternMap<String>,
    pub jit: JitInfo,
    /// Classifier prefixes that declare free-threaded support.
    pub free_threaded_classifiers: Vec<String>,
    pub rules: BTreeMap<String, RuleInfo>,
    /// Every pattern of `executors`, `locks`, `queues` and `unshared`, for
    /// the builder's one lookup per constructor call. Built on first use,
    /// after the rule files are merged.
    constructors: std::sync::OnceLock<PatternMap<()>>,
}

/// What Numba's nopython mode compiles.
#[derive(Debug, Clone, Default)]
pub struct JitInfo {
    pub decorators: PatternMap<()>,
    /// `true`: supported; `false`: not (the most specific pattern wins).
    pub calls: PatternMap<bool>,
    pub unsupported_methods: MethodMap<()>,
    /// Construct kind -> how a message names it.
    pub constructs: BTreeMap<String, String>,
}

/// The constructs the builder recognises in a function body, for
/// `jit.unsupported_constructs`.
pub const JIT_CONSTRUCTS: &[&str] = &[
    "async",
    "class",
    "nested-function",
    "except-as",
    "try-finally",
    "with",
    "del",
    "global",
    "kwargs",
    "set-comprehension",
    "generator-expression",
    "dict-comprehension",
    "dict-literal",
    "heterogeneous-list",
    "fstring",
    "string-formatting",
    "yield",
    "lambda",
];

/// Facts a rule can establish about one finding, for `overrides` whose
/// `when` lists `facts`.
pub const RULE_FACTS: &[(&str, &[&str])] = &[
    ("GIL101", &["picklable"]),
    ("GIL401", &["parallel"]),
    ("GIL402", &["derived"]),
];

/// Every rule the binary implements, with its doc. The rulebook must give
/// each of them a name, severity, message and recommendation.
pub const KNOWN_RULES: &[(&str, &str, &[&str])] = &[
    (
        "GIL000",
        include_str!("../../rules/docs/GIL000.md"),
        &["message"],
    ),
    (
        "GIL001",
        include_str!("../../rules/docs/GIL001.md"),
        &["directive", "detail"],
    ),
    (
        "GIL002",
        include_str!("../../rules/docs/GIL002.md"),
        &["message"],
    ),
    (
        "GIL003",
        include_str!("../../rules/docs/GIL003.md"),
        &["message"],
    ),
    (
        "GIL101",
        include_str!("../../rules/docs/GIL101.md"),
        &["subject", "evidence", "dispatcher", "context"],
    ),
    (
        "GIL102",
        include_str!("../../rules/docs/GIL102.md"),
        &["subject", "evidence", "dispatcher", "context"],
    ),
    (
        "GIL103",
        include_str!("../../rules/docs/GIL103.md"),
        &["subject", "evidence", "dispatcher", "context"],
    ),
    (
        "GIL104",
        include_str!("../../rules/docs/GIL104.md"),
        &[
            "subject",
            "call",
            "chain",
            "kind",
            "coroutine",
            "alternative",
        ],
    ),
    (
        "GIL105",
        include_str!("../../rules/docs/GIL105.md"),
        &["subject", "evidence", "chain", "coroutine"],
    ),
    (
        "GIL106",
        include_str!("../../rules/docs/GIL106.md"),
        &["subject", "evidence", "dispatcher", "scale"],
    ),
    (
        "GIL201",
        include_str!("../../rules/docs/GIL201.md"),
        &["place", "what", "statement", "entries"],
    ),
    (
        "GIL202",
        include_str!("../../rules/docs/GIL202.md"),
        &[
            "place",
            "what",
            "statement",
            "check",
            "check_line",
            "entries",
        ],
    ),
    (
        "GIL203",
        include_str!("../../rules/docs/GIL203.md"),
        &[
            "place",
            "what",
            "statement",
            "coroutine",
            "read",
            "read_line",
            "await_line",
        ],
    ),
    (
        "GIL204",
        include_str!("../../rules/docs/GIL204.md"),
        &["place", "what", "statement", "operation", "entries"],
    ),
    (
        "GIL205",
        include_str!("../../rules/docs/GIL205.md"),
        &["lock", "statement"],
    ),
    (
        "GIL301",
        include_str!("../../rules/docs/GIL301.md"),
        &["creation", "where"],
    ),
    (
        "GIL302",
        include_str!("../../rules/docs/GIL302.md"),
        &["callable", "dispatcher", "display"],
    ),
    (
        "GIL303",
        include_str!("../../rules/docs/GIL303.md"),
        &["subject", "dispatcher", "items"],
    ),
    (
        "GIL401",
        include_str!("../../rules/docs/GIL401.md"),
        &["subject", "evidence", "loop_line"],
    ),
    (
        "GIL402",
        include_str!("../../rules/docs/GIL402.md"),
        &["subject", "vector"],
    ),
];

fn err_at<T>(file: &str, sp: &Spanned<T>, message: impl Into<String>) -> RulesError {
    RulesError {
        file: file.to_string(),
        line: sp.referenced.line(),
        column: sp.referenced.column(),
        message: message.into(),
    }
}

fn parse_file(file: &str, text: &str) -> Result<RulesFile, RulesError> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_events: 1_000_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_depth: 64,
        },
    };
    let parsed: Result<RulesFile, _> = serde_saphyr::from_str_with_options(text, options);
    parsed.map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        let mut message = e.to_string();
        // serde-saphyr renders a source snippet after the first line; the
        // position is given separately.
        if let Some(first) = message.lines().next() {
            message = first.to_string();
        }
        // The position is printed once, in front; drop the library's copy.
        for prefix in ["error: ", "Error: "] {
            if let Some(rest) = message.strip_prefix(prefix) {
                message = rest.to_string();
            }
        }
        // Hints addressed to programmers of the library, not to users.
        if let Some(i) = message.find(", set DuplicateKeyPolicy") {
            message.truncate(i);
        }
        if let Some(rest) = message.strip_prefix("line ") {
            if let Some((_, tail)) = rest.split_once(": ") {
                message = tail.to_string();
            }
        }
        RulesError {
            file: file.to_string(),
            line,
            column,
            message,
        }
    })
}

impl Rulebook {
    /// The embedded default rulebook (parsed once per process).
    pub fn default_rules() -> Result<Rulebook, RulesError> {
        static DEFAULT: std::sync::OnceLock<Result<Rulebook, RulesError>> =
            std::sync::OnceLock::new();
        DEFAULT.get_or_init(Self::parse_default).clone()
    }

    fn parse_default() -> Result<Rulebook, RulesError> {
        let file: RulesFile = serde_json::from_str(DEFAULT_RULES_JSON).map_err(|e| RulesError {
            file: DEFAULT_NAME.to_string(),
            line: 0,
            column: 0,
            message: format!("the embedded copy is corrupt: {e}"),
        })?;
        Self::from_default_file(file)
    }

    /// The rulebook of the default rules file, checked as any file is.
    fn from_default_file(file: RulesFile) -> Result<Rulebook, RulesError> {
        let mut rb = Rulebook {
            constructors: std::sync::OnceLock::new(),
            settings: Settings {
                heavy_trip_count: 10_000,
                max_propagation_rounds: 64,
                max_chain_length: 6,
                cold_guards: Vec::new(),
                thread_pool_at_scale: 100,
                many_tasks: 10_000,
                profile_cold_share: 0.01,
                profile_class_share: 0.6,
                profile_min_samples: 10,
            },
            effects: PatternMap::default(),
            returns: PatternMap::default(),
            returns_when: PatternMap::default(),
            locks: PatternMap::default(),
            queues: PatternMap::default(),
            unshared: PatternMap::default(),
            synchronized: PatternMap::default(),
            mutators: MethodMap::default(),
            dispatch_calls: PatternMap::default(),
            executors: PatternMap::default(),
            pool_workers: PatternMap::default(),
            pure_methods: MethodMap::default(),
            executor_methods: MethodMap::default(),
            executor_calls: MethodMap::default(),
            thread_classes: PatternMap::default(),
            parallel: PatternMap::default(),
            wait_methods: MethodMap::default(),
            wait_calls: PatternMap::default(),
            closure_executors: PatternMap::default(),
            forking_executors: PatternMap::default(),
            chunked_maps: PatternMap::default(),
            unbounded: PatternMap::default(),
            arrays: PatternMap::default(),
            ufuncs: PatternMap::default(),
            jit: JitInfo::default(),
            free_threaded_classifiers: Vec::new(),
            rules: BTreeMap::new(),
        };
        rb.layer(DEFAULT_NAME, file, true)?;
        Ok(rb)
    }

    /// The default with a user rules text layered over it (`name` is used
    /// in errors). The fuzzer and editors use this; files go through
    /// [`Rulebook::load`].
    pub fn with_user_text(name: &str, text: &str) -> Result<Rulebook, RulesError> {
        let mut rb = Self::default_rules()?;
        let file = parse_file(name, text)?;
        rb.layer(name, file, false)?;
        Ok(rb)
    }

    /// The default with user files layered over it, in order (the
    /// configuration's `rules`, then `--rules`).
    pub fn load(user: &[&Path]) -> Result<Rulebook, RulesError> {
        let mut rb = Self::default_rules()?;
        for path in user {
            let name = path.display().to_string();
            let bytes = std::fs::read(path).map_err(|e| RulesError {
                file: name.clone(),
                line: 0,
                column: 0,
                message: format!("cannot read rules file: {}", crate::discover::io_reason(&e)),
            })?;
            let text = String::from_utf8(bytes).map_err(|_| RulesError {
                file: name.clone(),
                line: 0,
                column: 0,
                message: "rules file is not valid UTF-8".into(),
            })?;
            let file = parse_file(&name, &text)?;
            rb.layer(&name, file, false)?;
        }
        Ok(rb)
    }

    fn layer(&mut self, name: &str, file: RulesFile, is_default: bool) -> Result<(), RulesError> {
        if let Some(v) = &file.version {
            if v.value != 1 {
                return Err(err_at(
                    name,
                    v,
                    format!("unsupported rules version {}; expected 1", v.value),
                ));
            }
        }
        if let Some(s) = file.settings {
            if let Some(v) = s.heavy_trip_count {
                if v.value == 0 {
                    return Err(err_at(name, &v, "heavy_trip_count must be at least 1"));
                }
                self.settings.heavy_trip_count = v.value;
            }
            if let Some(v) = s.max_propagation_rounds {
                if v.value == 0 || v.value > 10_000 {
                    return Err(err_at(
                        name,
                        &v,
                        "max_propagation_rounds must be between 1 and 10000",
                    ));
                }
                self.settings.max_propagation_rounds = v.value;
            }
            if let Some(v) = s.max_chain_length {
                if v.value == 0 || v.value > 100 {
                    return Err(err_at(
                        name,
                        &v,
                        "max_chain_length must be between 1 and 100",
                    ));
                }
                self.settings.max_chain_length = v.value;
            }
            if let Some(v) = s.cold_guards {
                self.settings.cold_guards = v;
            }
            if let Some(v) = s.thread_pool_at_scale {
                if v.value < 2 {
                    return Err(err_at(name, &v, "thread_pool_at_scale must be at least 2"));
                }
                self.settings.thread_pool_at_scale = v.value;
            }
            if let Some(v) = s.many_tasks {
                if v.value == 0 {
                    return Err(err_at(name, &v, "many_tasks must be at least 1"));
                }
                self.settings.many_tasks = v.value;
            }
            if let Some(v) = s.profile_cold_share {
                if !(0.0..1.0).contains(&v.value) {
                    return Err(err_at(
                        name,
                        &v,
                        "profile_cold_share must be at least 0 and below 1",
                    ));
                }
                self.settings.profile_cold_share = v.value;
            }
            if let Some(v) = s.profile_class_share {
                if !(v.value > 0.5 && v.value <= 1.0) {
                    return Err(err_at(
                        name,
                        &v,
                        "profile_class_share must be above 0.5 and at most 1",
                    ));
                }
                self.settings.profile_class_share = v.value;
            }
            if let Some(v) = s.profile_min_samples {
                self.settings.profile_min_samples = v.value;
            }
        }
        if let Some(c) = file.catalogue {
            for e in c.io {
                let effect = Effect::Io {
                    kind: e.kind,
                    blocking: e.blocking,
                    alternative: e.async_alternative,
                };
                self.effects.insert_spanned(name, &e.pattern, effect)?;
            }
            for e in c.vector {
                self.effects
                    .insert_spanned(name, &e.pattern, Effect::Vector { note: e.note })?;
            }
            for e in c.cpu {
                self.effects
                    .insert_spanned(name, &e.pattern, Effect::Cpu { note: e.note })?;
            }
            for e in c.light {
                self.effects
                    .insert_spanned(name, &e.pattern, Effect::Light)?;
            }
            for e in c.pure {
                self.effects
                    .insert_spanned(name, &e.pattern, Effect::Pure)?;
            }
            for m in c.pure_methods {
                let ok = !m.name.value.is_empty()
                    && m.name
                        .value
                        .chars()
                        .all(|c| c == '_' || c.is_alphanumeric());
                if !ok {
                    return Err(err_at(
                        name,
                        &m.name,
                        format!("`{}` is not a method name", m.name.value),
                    ));
                }
                self.pure_methods.insert(m.name.value.clone(), m.min_args);
            }
            // Conditional entries for one pattern gather in one list; a
            // later file's list for the pattern replaces an earlier one.
            let mut conditional: Vec<(&Spanned<String>, Vec<ConditionalReturn>)> = Vec::new();
            for e in &c.returns {
                pattern::validate_qualified(name, &e.type_name)?;
                match &e.argument {
                    None => {
                        self.returns
                            .insert_spanned(name, &e.pattern, e.type_name.value.clone())?
                    }
                    Some(a) => {
                        if a.position.is_none() && a.keyword.is_none() {
                            return Err(err_at(
                                name,
                                &e.pattern,
                                "`argument` needs a `position` or a `keyword`".to_string(),
                            ));
                        }
                        let cond = ConditionalReturn {
                            argument: CallableSpec {
                                position: a.position,
                                keyword: a.keyword.clone(),
                            },
                            equals: a.equals.clone(),
                            type_name: e.type_name.value.clone(),
                        };
                        match conditional
                            .iter_mut()
                            .find(|(p, _)| p.value == e.pattern.value)
                        {
                            Some((_, list)) => list.push(cond),
                            None => conditional.push((&e.pattern, vec![cond])),
                        }
                    }
                }
            }
            for (pattern, list) in conditional {
                self.returns_when.insert_spanned(name, pattern, list)?;
            }
            for e in c.locks {
                self.locks.insert_spanned(name, &e.pattern, e.scope)?;
            }
            for e in c.queues {
                self.queues.insert_spanned(name, &e.pattern, ())?;
            }
            for e in c.unshared {
                self.unshared.insert_spanned(name, &e.pattern, ())?;
            }
            for e in c.synchronized {
                self.synchronized.insert_spanned(name, &e.pattern, ())?;
            }
            for m in c.mutators {
                check_method_name(name, &m.name)?;
                self.mutators.insert(m.name.value.clone(), m.grows);
            }
            for e in c.arrays {
                self.arrays.insert_spanned(name, &e.pattern, ())?;
            }
            for e in c.unbounded {
                self.unbounded.insert_spanned(name, &e.pattern, ())?;
            }
            for e in c.ufuncs {
                pattern::validate_qualified(name, &e.ufunc)?;
                self.ufuncs
                    .insert_spanned(name, &e.pattern, e.ufunc.value.clone())?;
            }
        }
        if let Some(j) = file.jit {
            for e in j.decorators {
                self.jit.decorators.insert_spanned(name, &e.pattern, ())?;
            }
            for e in j.supported {
                self.jit.calls.insert_spanned(name, &e.pattern, true)?;
            }
            for e in j.unsupported {
                self.jit.calls.insert_spanned(name, &e.pattern, false)?;
            }
            for m in j.unsupported_methods {
                check_method_name(name, &m.name)?;
                self.jit
                    .unsupported_methods
                    .insert(m.name.value.clone(), ());
            }
            for c in j.unsupported_constructs {
                if !JIT_CONSTRUCTS.contains(&c.construct.value.as_str()) {
                    return Err(err_at(
                        name,
                        &c.construct,
                        format!(
                            "unknown construct `{}`; advise recognises {}",
                            c.construct.value,
                            JIT_CONSTRUCTS.join(", ")
                        ),
                    ));
                }
                self.jit
                    .constructs
                    .insert(c.construct.value.clone(), c.what);
            }
        }
        if let Some(t) = file.targets {
            if let Some(v) = t.free_threaded_classifiers {
                self.free_threaded_classifiers = v;
            }
        }
        if let Some(d) = file.dispatch {
            for e in d.calls {
                check_callable(name, &e.pattern, &e.callable)?;
                let info = DispatchCallInfo {
                    context: e.context,
                    callable: (&e.callable).into(),
                    many: e.many,
                    pickles_closures: e.pickles_closures,
                    spawns: e.spawns,
                    forks: e.forks,
                };
                self.dispatch_calls.insert_spanned(name, &e.pattern, info)?;
            }
            for e in d.executors {
                self.executors.insert_spanned(name, &e.pattern, e.context)?;
                if e.pickles_closures {
                    self.closure_executors
                        .insert_spanned(name, &e.pattern, ())?;
                }
                if e.forks {
                    self.forking_executors
                        .insert_spanned(name, &e.pattern, ())?;
                }
                if let Some(w) = &e.workers {
                    check_callable(name, &e.pattern, w)?;
                    self.pool_workers
                        .insert_spanned(name, &e.pattern, w.into())?;
                }
            }
            for e in d.executor_methods {
                let info = ExecutorMethodInfo {
                    callable: (&e.callable).into(),
                    many: e.many,
                };
                self.executor_methods.insert(e.name, info);
            }
            for e in d.executor_calls {
                let info = ExecutorCallInfo {
                    executor: e.executor,
                    callable: (&e.callable).into(),
                    default: e.default,
                };
                self.executor_calls.insert(e.name, info);
            }
            for e in d.thread_classes {
                let info = ThreadClassInfo {
                    context: e.context,
                    method: e.method,
                };
                self.thread_classes.insert_spanned(name, &e.pattern, info)?;
            }
            for m in d.wait_methods {
                check_method_name(name, &m.name)?;
                self.wait_methods.insert(m.name.value.clone(), ());
            }
            for e in d.wait_calls {
                self.wait_calls.insert_spanned(name, &e.pattern, ())?;
            }
            for e in d.parallel_calls {
                pattern::validate_qualified(name, &e.wrapper)?;
                let info = ParallelInfo {
                    wrapper: e.wrapper.value.clone(),
                    default: e.default,
                    keywords: e.keywords,
                    pickles_closures: e.pickles_closures,
                };
                self.parallel.insert_spanned(name, &e.pattern, info)?;
            }
            for e in d.chunked_maps {
                check_callable(name, &e.pattern, &e.iterable)?;
                check_callable(name, &e.pattern, &e.chunksize)?;
                let info = ChunkedMapInfo {
                    iterable: (&e.iterable).into(),
                    chunksize: (&e.chunksize).into(),
                    default: e.default,
                };
                self.chunked_maps.insert_spanned(name, &e.pattern, info)?;
            }
        }
        for (code, r) in file.rules {
            let code = code.0;
            let Some((_, doc, placeholders)) =
                KNOWN_RULES.iter().find(|(c, _, _)| *c == code.value)
            else {
                return Err(err_at(
                    name,
                    &code,
                    format!("unknown rule code `{}`", code.value),
                ));
            };
            for text in [&r.message, &r.help, &r.fix_title].into_iter().flatten() {
                check_template(name, text, placeholders)?;
            }
            let mut overrides = Vec::new();
            for o in r.overrides {
                overrides.push(check_override(name, &code.value, o, placeholders)?);
            }
            let existing = self.rules.get(&code.value).cloned();
            let base = match existing {
                Some(b) => b,
                None if is_default => RuleInfo {
                    code: code.value.clone(),
                    name: String::new(),
                    severity: Severity::Warning,
                    enabled: true,
                    message: String::new(),
                    help: String::new(),
                    recommendation: Recommendation::None,
                    fix_title: String::new(),
                    doc,
                    overrides: Vec::new(),
                },
                None => unreachable_rule(name, &code)?,
            };
            let mut info = base;
            if let Some(n) = r.name {
                if !is_default && n.value != info.name {
                    return Err(err_at(
                        name,
                        &n,
                        format!(
                            "the name of {} is `{}` and cannot be changed",
                            code.value, info.name
                        ),
                    ));
                }
                info.name = n.value;
            }
            if let Some(s) = r.severity {
                info.severity = s;
            }
            if let Some(e) = r.enabled {
                info.enabled = e;
            }
            if let Some(m) = r.message {
                info.message = m.value;
            }
            if let Some(h) = r.help {
                info.help = h.value;
            }
            if let Some(rec) = r.recommendation {
                info.recommendation = rec;
            }
            if let Some(f) = r.fix_title {
                info.fix_title = f.value;
            }
            info.overrides.extend(overrides);
            self.rules.insert(code.value.clone(), info);
        }
        if is_default {
            for (code, _, _) in KNOWN_RULES {
                match self.rules.get(*code) {
                    Some(r) if !r.name.is_empty() && !r.message.is_empty() => {}
                    _ => {
                        return Err(RulesError {
                            file: name.into(),
                            line: 0,
                            column: 0,
                            message: format!("rule {code} needs a name and a message"),
                        })
                    }
                }
            }
        }
        Ok(())
    }

    pub fn rule(&self, code: &str) -> &RuleInfo {
        &self.rules[code]
    }

    /// A rule as it reads for one finding: its overrides whose `when`
    /// lists only facts the finding has are applied. Overrides still
    /// conditioned on a target or a Python version (in a rulebook that
    /// was not made [`Self::for_target`]) do not apply.
    pub fn rule_with(&self, code: &str, facts: &[&str]) -> std::borrow::Cow<'_, RuleInfo> {
        let rule = self.rule(code);
        let applies = |o: &RuleOverride| {
            o.target.is_none()
                && o.python.is_none()
                && !o.facts.is_empty()
                && o.facts.iter().all(|f| facts.contains(&f.as_str()))
        };
        if !rule.overrides.iter().any(applies) {
            return std::borrow::Cow::Borrowed(rule);
        }
        let mut info = rule.clone();
        for o in rule.overrides.iter().filter(|o| applies(o)) {
            o.apply(&mut info);
        }
        std::borrow::Cow::Owned(info)
    }

    /// The rulebook as it reads for a target: overrides whose target and
    /// Python conditions hold are applied, or kept (their conditions now
    /// met) when they also need facts of a finding; the others are
    /// dropped.
    pub fn for_target(&self, t: &TargetInfo) -> Rulebook {
        let mut rb = self.clone();
        for info in rb.rules.values_mut() {
            let overrides = std::mem::take(&mut info.overrides);
            let mut kept = Vec::new();
            for mut o in overrides {
                if o.target.is_some_and(|k| k != t.kind) {
                    continue;
                }
                if o.python.is_some_and(|(ma, mi)| !t.allows(ma, mi)) {
                    continue;
                }
                o.target = None;
                o.python = None;
                if o.facts.is_empty() {
                    o.apply(info);
                } else {
                    kept.push(o);
                }
            }
            info.overrides = kept;
        }
        rb
    }

    /// Does a pattern of `executors`, `locks`, `queues` or `unshared`
    /// match `qn`?
    pub fn is_constructor(&self, qn: &str) -> bool {
        self.constructor_patterns().lookup(qn).is_some()
    }

    /// Build now what is otherwise built on first use. The analysis calls
    /// this before files are summarised: made inside a file's scratch
    /// scope, it would keep a chunk of it in use for the whole run.
    pub fn prepare(&self) {
        self.constructor_patterns();
    }

    fn constructor_patterns(&self) -> &PatternMap<()> {
        self.constructors.get_or_init(|| {
            let mut all = PatternMap::default();
            all.extend_keys(&self.executors);
            all.extend_keys(&self.locks);
            all.extend_keys(&self.queues);
            all.extend_keys(&self.unshared);
            all
        })
    }

    /// What the catalogue says a qualified call does.
    pub fn effect(&self, qn: &str) -> Option<&Effect> {
        self.effects.lookup(qn)
    }
}

fn unreachable_rule(name: &str, code: &Spanned<String>) -> Result<RuleInfo, RulesError> {
    Err(err_at(
        name,
        code,
        format!("rule `{}` is not in the default rulebook", code.value),
    ))
}

fn check_method_name(file: &str, m: &Spanned<String>) -> Result<(), RulesError> {
    let ok = !m.value.is_empty() && m.value.chars().all(|c| c == '_' || c.is_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(err_at(
            file,
            m,
            format!("`{}` is not a method name", m.value),
        ))
    }
}

/// Validate one `overrides` entry of a rule.
fn check_override(
    file: &str,
    code: &str,
    o: OverrideFile,
    placeholders: &[&str],
) -> Result<RuleOverride, RulesError> {
    for text in [&o.message, &o.help, &o.fix_title].into_iter().flatten() {
        check_template(file, text, placeholders)?;
    }
    let python = match &o.when.python {
        Some(v) => {
            let parsed = v
                .value
                .split_once('.')
                .and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?)));
            match parsed {
                Some(p) => Some(p),
                None => {
                    return Err(err_at(
                        file,
                        v,
                        format!("`{}` is not a Python release such as \"3.14\"", v.value),
                    ))
                }
            }
        }
        None => None,
    };
    let known: &[&str] = RULE_FACTS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, f)| *f)
        .unwrap_or(&[]);
    let mut facts = Vec::new();
    for f in &o.when.facts {
        if !known.contains(&f.value.as_str()) {
            let offered = if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            };
            return Err(err_at(
                file,
                f,
                format!("{code} has no fact `{}`; it offers {offered}", f.value),
            ));
        }
        facts.push(f.value.clone());
    }
    Ok(RuleOverride {
        target: o.when.target,
        python,
        facts,
        severity: o.severity,
        enabled: o.enabled,
        message: o.message.map(|m| m.value),
        help: o.help.map(|h| h.value),
        recommendation: o.recommendation,
        fix_title: o.fix_title.map(|f| f.value),
    })
}

fn check_callable(file: &str, at: &Spanned<String>, c: &CallableArg) -> Result<(), RulesError> {
    if c.position.is_none() && c.keyword.is_none() {
        return Err(err_at(
            file,
            at,
            "`callable` needs a `position` or a `keyword`",
        ));
    }
    Ok(())
}

/// Check that a template only uses placeholders the rule provides.
fn check_template(file: &str, text: &Spanned<String>, allowed: &[&str]) -> Result<(), RulesError> {
    let s = &text.value;
    let mut rest = s.as_str();
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(err_at(file, text, "unclosed `{` in template"));
        };
        let key = &after[..close];
        if !allowed.contains(&key) {
            return Err(err_at(
                file,
                text,
                format!(
                    "unknown placeholder `{{{key}}}`; this rule offers {}",
                    allowed
                        .iter()
                        .map(|a| format!("{{{a}}}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

/// Fill `{key}` placeholders.
pub fn render(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let key = &after[..close];
                match values.iter().find(|(k, _)| *k == key) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(key);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON that `build.rs` embeds reads as the YAML it was made from
    /// (which is checked here with positions, as a user file would be).
    #[test]
    fn embedded_json_matches_yaml() {
        let yaml = parse_file(DEFAULT_NAME, DEFAULT_RULES)
            .and_then(Rulebook::from_default_file)
            .unwrap_or_else(|e| panic!("{e}"));
        let json = Rulebook::parse_default().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(format!("{yaml:#?}"), format!("{json:#?}"));
    }
}
