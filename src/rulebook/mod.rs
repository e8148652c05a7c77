//! The rulebook: the knowledge behind the analysis, loaded from YAML.
//!
//! The default (`rules/default.yaml`) is embedded in the binary; a user file
//! given with `--rules` is layered over it.

pub mod pattern;
pub mod schema;

use pattern::PatternMap;
use rustc_hash::FxHashMap as HashMap;
use schema::{CallableArg, RulesFile};
pub use schema::{ContextKind, IoKind, Recommendation, Severity};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

pub const DEFAULT_RULES: &str = include_str!("../../rules/default.yaml");

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
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
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
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub heavy_trip_count: u64,
    pub max_propagation_rounds: u32,
    pub max_chain_length: u32,
    pub cold_guards: Vec<String>,
    pub profile_cold_share: f64,
    pub profile_class_share: f64,
    pub profile_min_samples: u64,
}

#[derive(Debug, Clone)]
pub struct Rulebook {
    pub settings: Settings,
    pub effects: PatternMap<Effect>,
    pub returns: PatternMap<String>,
    pub locks: PatternMap<()>,
    pub queues: PatternMap<()>,
    pub dispatch_calls: PatternMap<DispatchCallInfo>,
    pub executors: PatternMap<ContextKind>,
    /// Method name -> minimum positional arguments for it to be pure.
    pub pure_methods: HashMap<String, usize>,
    pub executor_methods: BTreeMap<String, ExecutorMethodInfo>,
    pub executor_calls: BTreeMap<String, ExecutorCallInfo>,
    pub thread_classes: PatternMap<ThreadClassInfo>,
    pub parallel: PatternMap<ParallelInfo>,
    pub rules: BTreeMap<String, RuleInfo>,
}

/// Every rule the binary implements, with its doc. The rulebook must give
/// each of them a name, severity, message and recommendation.
pub const KNOWN_RULES: &[(&str, &str, &[&str])] = &[
    (
        "GIL000",
        include_str!("../../rules/docs/GIL000.md"),
        &["message"],
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
    /// The embedded default rulebook.
    pub fn default_rules() -> Result<Rulebook, RulesError> {
        let file = parse_file("<default rules>", DEFAULT_RULES)?;
        let mut rb = Rulebook {
            settings: Settings {
                heavy_trip_count: 10_000,
                max_propagation_rounds: 64,
                max_chain_length: 6,
                cold_guards: Vec::new(),
                profile_cold_share: 0.01,
                profile_class_share: 0.6,
                profile_min_samples: 10,
            },
            effects: PatternMap::default(),
            returns: PatternMap::default(),
            locks: PatternMap::default(),
            queues: PatternMap::default(),
            dispatch_calls: PatternMap::default(),
            executors: PatternMap::default(),
            pure_methods: HashMap::default(),
            executor_methods: BTreeMap::new(),
            executor_calls: BTreeMap::new(),
            thread_classes: PatternMap::default(),
            parallel: PatternMap::default(),
            rules: BTreeMap::new(),
        };
        rb.layer("<default rules>", file, true)?;
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

    /// The default with a user file layered over it.
    pub fn load(user: Option<&Path>) -> Result<Rulebook, RulesError> {
        let mut rb = Self::default_rules()?;
        if let Some(path) = user {
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
            for e in c.returns {
                pattern::validate_qualified(name, &e.type_name)?;
                self.returns
                    .insert_spanned(name, &e.pattern, e.type_name.value.clone())?;
            }
            for e in c.locks {
                self.locks.insert_spanned(name, &e.pattern, ())?;
            }
            for e in c.queues {
                self.queues.insert_spanned(name, &e.pattern, ())?;
            }
        }
        if let Some(d) = file.dispatch {
            for e in d.calls {
                check_callable(name, &e.pattern, &e.callable)?;
                let info = DispatchCallInfo {
                    context: e.context,
                    callable: (&e.callable).into(),
                    many: e.many,
                };
                self.dispatch_calls.insert_spanned(name, &e.pattern, info)?;
            }
            for e in d.executors {
                self.executors.insert_spanned(name, &e.pattern, e.context)?;
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
            for e in d.parallel_calls {
                pattern::validate_qualified(name, &e.wrapper)?;
                let info = ParallelInfo {
                    wrapper: e.wrapper.value.clone(),
                    default: e.default,
                    keywords: e.keywords,
                };
                self.parallel.insert_spanned(name, &e.pattern, info)?;
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
