//! Configuration files, as ruff reads its own: `[tool.advise]` in
//! `pyproject.toml`, or the top level of `advise.toml` / `.advise.toml`.
//!
//! Each analysed file is governed by the configuration nearest to it (the
//! first directory up from the file holding `.advise.toml`, `advise.toml`, or
//! a `pyproject.toml` with a `[tool.advise]` table, in that order of
//! preference). `extend = "../pyproject.toml"` layers a file over another.
//! Command-line flags override every file. `--config FILE` uses one file for
//! everything; `--isolated` reads none.

use crate::discover::DEFAULT_EXCLUDES;
use crate::rulebook::Severity;
use crate::select::{self, Layer, Selection};
use globset::{Glob, GlobSet, GlobSetBuilder};
use rustc_hash::FxHashMap as HashMap;
use std::fmt;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// File names searched in each directory, most preferred first.
pub const CONFIG_NAMES: [&str; 3] = [".advise.toml", "advise.toml", "pyproject.toml"];

/// The keys a configuration accepts.
pub const KEYS: &[&str] = &[
    "extend",
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "rules",
    "target",
    "fail-on",
];

/// A configuration error, with the file and the position it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    /// 1-based; 0 when the error concerns the whole file.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::diagnostic::write_located(
            f,
            &self.file,
            self.line as u64,
            self.column as u64,
            &self.message,
        )
    }
}

/// Which CPython the code runs on (used by the rules that depend on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Target {
    /// CPython with the GIL.
    Gil,
    /// Free-threaded CPython (3.13t and later).
    FreeThreaded,
    /// Not known: rules assume the GIL but say when free-threading changes
    /// the advice.
    #[default]
    Auto,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Gil => "gil",
            Target::FreeThreaded => "free-threaded",
            Target::Auto => "auto",
        }
    }

    pub fn parse(s: &str) -> Option<Target> {
        match s {
            "gil" => Some(Target::Gil),
            "free-threaded" => Some(Target::FreeThreaded),
            "auto" => Some(Target::Auto),
            _ => None,
        }
    }
}

pub fn parse_severity(s: &str) -> Option<Severity> {
    match s {
        "info" => Some(Severity::Info),
        "warning" => Some(Severity::Warning),
        "error" => Some(Severity::Error),
        _ => None,
    }
}

/// A path made absolute against `cwd`, with `.` and `..` removed lexically
/// (symlinks are not resolved, as ruff does not).
pub fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    };
    // The usual case, every walked entry: nothing to remove, and rebuilding
    // the path component by component would give the same bytes.
    if is_plain_absolute(&joined) {
        return joined;
    }
    rebuilt(&joined)
}

/// A path rebuilt from its components, `.` dropped and `..` popped.
fn rebuilt(joined: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `/a/b`: absolute, with no `.`, `..`, empty or trailing component.
#[cfg(unix)]
fn is_plain_absolute(p: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    match p.as_os_str().as_bytes().split_first() {
        Some((b'/', rest)) => rest
            .split(|&c| c == b'/')
            .all(|part| !matches!(part, b"" | b"." | b"..")),
        _ => false,
    }
}

#[cfg(not(unix))]
fn is_plain_absolute(_: &Path) -> bool {
    false
}

/// A path for messages: relative to `cwd` when below it.
pub fn display_path(cwd: &Path, p: &Path) -> String {
    match p.strip_prefix(cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => p.display().to_string(),
    }
}

/// One glob of `exclude`, `extend-exclude` or `per-file-ignores`. As in ruff
/// it matches the absolute path of an entry (the pattern taken relative to
/// the directory of the file that gave it) and, when it has no `/`, the
/// entry's name.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub text: String,
    absolute: Glob,
    basename: Option<Glob>,
}

impl Pattern {
    pub fn new(text: &str, base: &Path) -> Result<Pattern, String> {
        let abs = absolute(base, Path::new(text));
        let absolute = Glob::new(&abs.to_string_lossy()).map_err(|e| glob_reason(text, &e))?;
        let basename = if text.contains('/') || text.contains(std::path::MAIN_SEPARATOR) {
            None
        } else {
            Some(Glob::new(text).map_err(|e| glob_reason(text, &e))?)
        };
        Ok(Pattern {
            text: text.to_string(),
            absolute,
            basename,
        })
    }

    fn builtin(name: &str) -> Pattern {
        let glob = Glob::new(name).expect("built-in exclude is a valid glob");
        Pattern {
            text: name.to_string(),
            absolute: glob.clone(),
            basename: Some(glob),
        }
    }
}

fn glob_reason(text: &str, e: &globset::Error) -> String {
    let kind = e.kind().to_string();
    format!("invalid glob `{text}`: {kind}")
}

/// A compiled list of patterns.
#[derive(Debug, Clone)]
pub struct Matcher {
    absolute: GlobSet,
    basename: GlobSet,
}

impl Matcher {
    fn new<'a>(patterns: impl IntoIterator<Item = &'a Pattern>) -> Matcher {
        let mut abs = GlobSetBuilder::new();
        let mut base = GlobSetBuilder::new();
        for p in patterns {
            abs.add(p.absolute.clone());
            if let Some(b) = &p.basename {
                base.add(b.clone());
            }
        }
        // Each glob compiled on its own; a set of them only fails on
        // resource limits, where matching nothing is the safe reading.
        Matcher {
            absolute: abs.build().unwrap_or_else(|_| GlobSet::empty()),
            basename: base.build().unwrap_or_else(|_| GlobSet::empty()),
        }
    }

    /// Does the entry at this absolute path match?
    pub fn is_match(&self, abs: &Path) -> bool {
        if self.absolute.is_match(abs) {
            return true;
        }
        abs.file_name()
            .is_some_and(|name| self.basename.is_match(Path::new(name)))
    }
}

/// One configuration file as written (before `extend`).
#[derive(Debug, Clone, Default)]
struct RawConfig {
    /// The file extended, absolute, with the line and column of the value.
    extend: Option<(PathBuf, usize, usize)>,
    layer: Layer,
    per_file_ignores: Option<Vec<(Pattern, Vec<String>)>>,
    exclude: Option<Vec<Pattern>>,
    extend_exclude: Vec<Pattern>,
    rules: Option<PathBuf>,
    target: Option<Target>,
    fail_on: Option<Severity>,
}

/// A configuration file with its `extend` chain applied.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file, absolute.
    pub path: PathBuf,
    /// Its selectors, the base of the chain first.
    pub layers: Vec<Layer>,
    pub per_file_ignores: Vec<(Pattern, Vec<String>)>,
    pub exclude: Option<Vec<Pattern>>,
    pub extend_exclude: Vec<Pattern>,
    /// A rules file, absolute.
    pub rules: Option<PathBuf>,
    pub target: Option<Target>,
    pub fail_on: Option<Severity>,
}

/// Command-line settings, which override every configuration file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub layer: Layer,
    /// Patterns relative to the current directory.
    pub exclude: Option<Vec<String>>,
    pub extend_exclude: Vec<String>,
    pub fail_on: Option<Severity>,
}

/// What governs the files under one configuration (or under none).
#[derive(Debug)]
pub struct Settings {
    /// The configuration file, absolute; `None` for the built-in defaults.
    pub config: Option<PathBuf>,
    /// The directory relative patterns and exclusions are judged from.
    pub root: PathBuf,
    pub layers: Vec<Layer>,
    per_file_ignores: Vec<(Matcher, Vec<String>)>,
    exclude: Matcher,
    pub fail_on: Severity,
    pub rules: Option<PathBuf>,
    pub target: Option<Target>,
}

impl Settings {
    /// The rule selection for one file (absolute path), its per-file
    /// ignores included.
    pub fn selection(&self, abs: &Path) -> Selection {
        let mut file_ignores = Vec::new();
        for (m, codes) in &self.per_file_ignores {
            if m.is_match(abs) {
                file_ignores.extend(codes.iter().cloned());
            }
        }
        Selection {
            layers: self.layers.clone(),
            file_ignores,
        }
    }

    /// Is this entry (absolute path of a file or directory) excluded by name
    /// or path?
    pub fn is_excluded(&self, abs: &Path) -> bool {
        self.exclude.is_match(abs)
    }

    /// Is this path, or a directory above it below the project root,
    /// excluded? Used for paths named explicitly with `--force-exclude`.
    pub fn is_excluded_with_ancestors(&self, abs: &Path) -> bool {
        // The project root and the directories above it are never excluded
        // by their own names.
        if self.root.starts_with(abs) {
            return false;
        }
        if self.is_excluded(abs) {
            return true;
        }
        if !abs.starts_with(&self.root) {
            return false;
        }
        abs.ancestors()
            .skip(1)
            .take_while(|a| *a != self.root && a.starts_with(&self.root))
            .any(|a| self.is_excluded(a))
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Parses one file; its errors name it as the user knows it.
struct FileParser<'a> {
    shown: String,
    text: &'a str,
    dir: PathBuf,
    /// `[tool.advise]` or the file name, for messages.
    section: String,
}

impl FileParser<'_> {
    fn err(&self, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        let (line, column) = line_col(self.text, span.start);
        ConfigError {
            file: self.shown.clone(),
            line,
            column,
            message: message.into(),
        }
    }

    fn string(&self, key: &str, v: &Spanned<DeValue>) -> Result<String, ConfigError> {
        match v.get_ref() {
            DeValue::String(s) => Ok(s.to_string()),
            other => Err(self.err(
                v.span(),
                format!("`{key}` must be a string, found {}", type_name(other)),
            )),
        }
    }

    fn strings(
        &self,
        key: &str,
        v: &Spanned<DeValue>,
    ) -> Result<Vec<Spanned<String>>, ConfigError> {
        let DeValue::Array(items) = v.get_ref() else {
            return Err(self.err(
                v.span(),
                format!(
                    "`{key}` must be an array of strings, found {}",
                    type_name(v.get_ref())
                ),
            ));
        };
        items
            .iter()
            .map(|item| match item.get_ref() {
                DeValue::String(s) => Ok(Spanned::new(item.span(), s.to_string())),
                other => Err(self.err(
                    item.span(),
                    format!(
                        "`{key}` must be an array of strings, found {} in it",
                        type_name(other)
                    ),
                )),
            })
            .collect()
    }

    fn codes(&self, key: &str, v: &Spanned<DeValue>) -> Result<Vec<String>, ConfigError> {
        let mut out = Vec::new();
        for s in self.strings(key, v)? {
            select::validate(s.get_ref()).map_err(|m| self.err(s.span(), m))?;
            out.push(s.into_inner());
        }
        Ok(out)
    }

    fn patterns(&self, key: &str, v: &Spanned<DeValue>) -> Result<Vec<Pattern>, ConfigError> {
        let mut out = Vec::new();
        for s in self.strings(key, v)? {
            let p = Pattern::new(s.get_ref(), &self.dir).map_err(|m| self.err(s.span(), m))?;
            out.push(p);
        }
        Ok(out)
    }

    fn table(&self, table: &DeTable) -> Result<RawConfig, ConfigError> {
        let mut cfg = RawConfig::default();
        // Report the first problem in source order.
        let mut entries: Vec<_> = table.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        for (key, value) in entries {
            let name = key.get_ref().as_ref();
            match name {
                "extend" => {
                    let s = self.string(name, value)?;
                    let (line, column) = line_col(self.text, value.span().start);
                    cfg.extend = Some((absolute(&self.dir, Path::new(&s)), line, column));
                }
                "select" => cfg.layer.select = Some(self.codes(name, value)?),
                "extend-select" => cfg.layer.extend_select = self.codes(name, value)?,
                "ignore" => cfg.layer.ignore = self.codes(name, value)?,
                "per-file-ignores" => {
                    let DeValue::Table(t) = value.get_ref() else {
                        return Err(self.err(
                            value.span(),
                            format!(
                                "`per-file-ignores` must be a table of globs to arrays of codes, found {}",
                                type_name(value.get_ref())
                            ),
                        ));
                    };
                    let mut pairs: Vec<_> = t.iter().collect();
                    pairs.sort_by_key(|(k, _)| k.span().start);
                    let mut out = Vec::new();
                    for (glob, codes) in pairs {
                        let pattern = Pattern::new(glob.get_ref(), &self.dir)
                            .map_err(|m| self.err(glob.span(), m))?;
                        let key = format!("per-file-ignores.\"{}\"", glob.get_ref());
                        out.push((pattern, self.codes(&key, codes)?));
                    }
                    cfg.per_file_ignores = Some(out);
                }
                "exclude" => cfg.exclude = Some(self.patterns(name, value)?),
                "extend-exclude" => cfg.extend_exclude = self.patterns(name, value)?,
                "rules" => {
                    let s = self.string(name, value)?;
                    let path = absolute(&self.dir, Path::new(&s));
                    if !path.is_file() {
                        let why = match std::fs::metadata(&path) {
                            Err(e) => crate::discover::io_reason(&e),
                            Ok(_) => "not a regular file".to_string(),
                        };
                        return Err(self.err(
                            value.span(),
                            format!("rules file `{s}` cannot be read: {why}"),
                        ));
                    }
                    cfg.rules = Some(path);
                }
                "target" => {
                    let s = self.string(name, value)?;
                    cfg.target = Some(Target::parse(&s).ok_or_else(|| {
                        self.err(
                            value.span(),
                            format!(
                                "invalid `target` `{s}`; expected `gil`, `free-threaded` or `auto`"
                            ),
                        )
                    })?);
                }
                "fail-on" => {
                    let s = self.string(name, value)?;
                    cfg.fail_on = Some(parse_severity(&s).ok_or_else(|| {
                        self.err(
                            value.span(),
                            format!(
                                "invalid `fail-on` `{s}`; expected `info`, `warning` or `error`"
                            ),
                        )
                    })?);
                }
                other => {
                    let hint = KEYS
                        .iter()
                        .find(|k| k.replace('-', "_") == other)
                        .map(|k| format!("did you mean `{k}`?"))
                        .unwrap_or_else(|| {
                            format!(
                                "expected one of {}",
                                KEYS.iter()
                                    .map(|k| format!("`{k}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        });
                    return Err(self.err(
                        key.span(),
                        format!("unknown key `{other}` in {}; {hint}", self.section),
                    ));
                }
            }
        }
        Ok(cfg)
    }
}

fn type_name(v: &DeValue) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a datetime",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

fn is_pyproject(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "pyproject.toml")
}

/// Read one file. `Ok(None)`: a `pyproject.toml` without `[tool.advise]`.
fn read_raw(cwd: &Path, path: &Path) -> Result<Option<RawConfig>, ConfigError> {
    let shown = display_path(cwd, path);
    let whole = |message: String| ConfigError {
        file: shown.clone(),
        line: 0,
        column: 0,
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| {
        whole(format!(
            "cannot read configuration file: {}",
            crate::discover::io_reason(&e)
        ))
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| whole("configuration file is not valid UTF-8".into()))?;
    let pyproject = is_pyproject(path);
    let parser = FileParser {
        shown: shown.clone(),
        text: &text,
        dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        section: if pyproject {
            "[tool.advise]".to_string()
        } else {
            path.file_name().map_or("the configuration".into(), |n| {
                n.to_string_lossy().into_owned()
            })
        },
    };
    let doc = DeTable::parse(&text).map_err(|e| {
        let msg = format!("invalid TOML: {}", e.message());
        match e.span() {
            Some(span) => parser.err(span, msg),
            None => whole(msg),
        }
    })?;
    if !pyproject {
        return parser.table(doc.get_ref()).map(Some);
    }
    let Some(tool) = doc.get_ref().get("tool") else {
        return Ok(None);
    };
    let DeValue::Table(tool) = tool.get_ref() else {
        return Ok(None);
    };
    let Some(advise) = tool.get("advise") else {
        return Ok(None);
    };
    match advise.get_ref() {
        DeValue::Table(t) => parser.table(t).map(Some),
        other => Err(parser.err(
            advise.span(),
            format!("`tool.advise` must be a table, found {}", type_name(other)),
        )),
    }
}

/// The file and its `extend` chain. `chain` holds the files that led here.
fn load_chain(
    cwd: &Path,
    path: &Path,
    chain: &mut Vec<PathBuf>,
) -> Result<Option<Config>, ConfigError> {
    let Some(raw) = read_raw(cwd, path)? else {
        return Ok(None);
    };
    let mut base = Config::default();
    if let Some((target, line, column)) = &raw.extend {
        let at = |message: String| ConfigError {
            file: display_path(cwd, path),
            line: *line,
            column: *column,
            message,
        };
        if chain.contains(target) || target == path {
            let mut names: Vec<String> = chain.iter().map(|p| display_path(cwd, p)).collect();
            names.push(display_path(cwd, path));
            names.push(display_path(cwd, target));
            return Err(at(format!("`extend` cycle: {}", names.join(" -> "))));
        }
        if !target.is_file() {
            let why = match std::fs::metadata(target) {
                Err(e) => crate::discover::io_reason(&e),
                Ok(_) => "not a regular file".into(),
            };
            return Err(at(format!(
                "cannot extend `{}`: {why}",
                display_path(cwd, target)
            )));
        }
        chain.push(path.to_path_buf());
        let loaded = load_chain(cwd, target, chain)?;
        chain.pop();
        base = loaded.ok_or_else(|| {
            at(format!(
                "cannot extend `{}`: it has no [tool.advise] table",
                display_path(cwd, target)
            ))
        })?;
    }
    let mut layers = base.layers;
    if !raw.layer.is_empty() {
        layers.push(raw.layer);
    }
    let mut extend_exclude = base.extend_exclude;
    extend_exclude.extend(raw.extend_exclude);
    Ok(Some(Config {
        path: path.to_path_buf(),
        layers,
        per_file_ignores: raw.per_file_ignores.unwrap_or(base.per_file_ignores),
        exclude: raw.exclude.or(base.exclude),
        extend_exclude,
        rules: raw.rules.or(base.rules),
        target: raw.target.or(base.target),
        fail_on: raw.fail_on.or(base.fail_on),
    }))
}

/// Load a configuration file and its `extend` chain. `Ok(None)` for a
/// `pyproject.toml` without `[tool.advise]`.
pub fn load(cwd: &Path, path: &Path) -> Result<Option<Config>, ConfigError> {
    load_chain(cwd, &absolute(cwd, path), &mut Vec::new())
}

/// How configuration files are found.
#[derive(Debug)]
enum Mode {
    /// `--isolated`: none.
    Isolated,
    /// `--config FILE`: that one for every file.
    Explicit(Arc<Settings>),
    /// The nearest one to each file.
    Hierarchical,
}

/// Finds the settings for each path, caching them per directory.
#[derive(Debug)]
pub struct Resolver {
    pub cwd: PathBuf,
    overrides: Overrides,
    mode: Mode,
    default: Arc<Settings>,
    by_dir: Mutex<HashMap<PathBuf, Arc<Settings>>>,
    /// The first error, by file and position, met while walking (the
    /// walker cannot return one).
    pub deferred: Mutex<Option<ConfigError>>,
}

impl Resolver {
    /// `config`: an explicit file (`--config`); `isolated`: read no file.
    pub fn new(
        cwd: PathBuf,
        overrides: Overrides,
        config: Option<&Path>,
        isolated: bool,
    ) -> Result<Resolver, ConfigError> {
        for p in overrides
            .exclude
            .iter()
            .flatten()
            .chain(overrides.extend_exclude.iter())
        {
            Pattern::new(p, &cwd).map_err(|m| ConfigError {
                file: "command line".into(),
                line: 0,
                column: 0,
                message: m,
            })?;
        }
        let default = Arc::new(settings(&cwd, &overrides, None, cwd.clone()));
        let mode = if isolated {
            Mode::Isolated
        } else if let Some(path) = config {
            let abs = absolute(&cwd, path);
            if !abs.is_file() {
                let why = match std::fs::metadata(&abs) {
                    Err(e) => crate::discover::io_reason(&e),
                    Ok(_) => "not a regular file".into(),
                };
                return Err(ConfigError {
                    file: path.display().to_string(),
                    line: 0,
                    column: 0,
                    message: format!("cannot read configuration file: {why}"),
                });
            }
            let cfg = load(&cwd, &abs)?.ok_or_else(|| ConfigError {
                file: path.display().to_string(),
                line: 0,
                column: 0,
                message: "no [tool.advise] table in this pyproject.toml".into(),
            })?;
            let root = abs.parent().map(Path::to_path_buf).unwrap_or(cwd.clone());
            Mode::Explicit(Arc::new(settings(&cwd, &overrides, Some(cfg), root)))
        } else {
            Mode::Hierarchical
        };
        Ok(Resolver {
            cwd,
            overrides,
            mode,
            default,
            by_dir: Mutex::new(HashMap::default()),
            deferred: Mutex::new(None),
        })
    }

    /// The settings governing a file (or the entries of a directory when
    /// `is_dir`).
    pub fn settings_for(&self, path: &Path, is_dir: bool) -> Result<Arc<Settings>, ConfigError> {
        match &self.mode {
            Mode::Isolated => Ok(self.default.clone()),
            Mode::Explicit(s) => Ok(s.clone()),
            Mode::Hierarchical => {
                let abs = absolute(&self.cwd, path);
                let dir = if is_dir {
                    abs
                } else {
                    abs.parent().map(Path::to_path_buf).unwrap_or(abs)
                };
                self.for_dir(&dir)
            }
        }
    }

    /// As [`Resolver::settings_for`], recording an error for later and
    /// answering with the defaults (for the directory walker).
    pub fn settings_or_defer(&self, path: &Path, is_dir: bool) -> Arc<Settings> {
        match self.settings_for(path, is_dir) {
            Ok(s) => s,
            Err(e) => {
                // Of several, the first by file and position, whatever
                // order parallel walking meets them in.
                let mut slot = self.deferred.lock().unwrap_or_else(|p| p.into_inner());
                fn key(e: &ConfigError) -> (&str, usize, usize, &str) {
                    (&e.file, e.line, e.column, &e.message)
                }
                if slot.as_ref().is_none_or(|old| key(&e) < key(old)) {
                    *slot = Some(e);
                }
                self.default.clone()
            }
        }
    }

    fn for_dir(&self, dir: &Path) -> Result<Arc<Settings>, ConfigError> {
        if let Some(s) = self
            .by_dir
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(dir)
        {
            return Ok(s.clone());
        }
        let mut found = None;
        for name in CONFIG_NAMES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                if let Some(cfg) = load(&self.cwd, &candidate)? {
                    found = Some(cfg);
                    break;
                }
            }
        }
        let s = match found {
            Some(cfg) => Arc::new(settings(
                &self.cwd,
                &self.overrides,
                Some(cfg),
                dir.to_path_buf(),
            )),
            None => match dir.parent() {
                Some(parent) => self.for_dir(parent)?,
                None => self.default.clone(),
            },
        };
        // Directories are walked in parallel: when two threads resolve one
        // directory at once, the first to finish wins, so that every file
        // of a directory shares one `Settings` (`run_settings` compares
        // them by identity).
        let mut by_dir = self.by_dir.lock().unwrap_or_else(|p| p.into_inner());
        Ok(by_dir.entry(dir.to_path_buf()).or_insert(s).clone())
    }

    /// The settings of the whole run (the rules file and the target, which
    /// one analysis of all the files shares): those of `--config`, else of
    /// the configuration governing the current directory, else of the one
    /// configuration governing every analysed file, else the defaults.
    pub fn run_settings(&self, files: &[Arc<Settings>]) -> Result<Arc<Settings>, ConfigError> {
        match &self.mode {
            Mode::Isolated => return Ok(self.default.clone()),
            Mode::Explicit(s) => return Ok(s.clone()),
            Mode::Hierarchical => {}
        }
        let here = self.for_dir(&self.cwd.clone())?;
        if here.config.is_some() {
            return Ok(here);
        }
        let mut distinct = files.iter();
        if let Some(first) = distinct.next() {
            if first.config.is_some() && files.iter().all(|s| Arc::ptr_eq(s, first)) {
                return Ok(first.clone());
            }
        }
        Ok(self.default.clone())
    }
}

fn settings(cwd: &Path, o: &Overrides, cfg: Option<Config>, root: PathBuf) -> Settings {
    let cfg_path = cfg.as_ref().map(|c| c.path.clone());
    let cfg = cfg.unwrap_or_default();
    let mut layers = cfg.layers;
    if !o.layer.is_empty() {
        layers.push(o.layer.clone());
    }
    // Validated in `Resolver::new`.
    let cli = |list: &[String]| -> Vec<Pattern> {
        list.iter()
            .filter_map(|p| Pattern::new(p, cwd).ok())
            .collect()
    };
    let mut exclude: Vec<Pattern> = match (&o.exclude, cfg.exclude) {
        (Some(list), _) => cli(list),
        (None, Some(list)) => list,
        (None, None) => DEFAULT_EXCLUDES
            .iter()
            .map(|n| Pattern::builtin(n))
            .collect(),
    };
    exclude.extend(cfg.extend_exclude);
    exclude.extend(cli(&o.extend_exclude));
    let per_file_ignores = cfg
        .per_file_ignores
        .iter()
        .map(|(p, codes)| (Matcher::new([p]), codes.clone()))
        .collect();
    Settings {
        config: cfg_path,
        root,
        layers,
        per_file_ignores,
        exclude: Matcher::new(&exclude),
        fail_on: o.fail_on.or(cfg.fail_on).unwrap_or(Severity::Info),
        rules: cfg.rules,
        target: cfg.target,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_of_offsets() {
        let t = "a = 1\nbé = [2]\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 6), (2, 1));
        // Columns count characters, not bytes.
        assert_eq!(line_col(t, 6 + "bé = ".len()), (2, 6));
    }

    #[test]
    fn paths_taken_as_they_are_are_those_rebuilding_leaves_alone() {
        let plain = ["/a", "/a/b.py", "/w/p/.venv/x", "/a/..b/c.", "/a/b c/d"];
        let not = [
            "/", "a/b", "/a/", "/a//b", "/a/./b", "/a/../b", "/a/.", "/..", "//a", "",
        ];
        for p in plain {
            assert!(is_plain_absolute(Path::new(p)), "{p}");
            assert_eq!(rebuilt(Path::new(p)), PathBuf::from(p), "{p}");
        }
        for p in not {
            assert!(!is_plain_absolute(Path::new(p)), "{p}");
        }
        let cwd = Path::new("/w/p");
        assert_eq!(absolute(cwd, Path::new("a/b")), PathBuf::from("/w/p/a/b"));
        assert_eq!(absolute(cwd, Path::new("a//b/")), PathBuf::from("/w/p/a/b"));
        assert_eq!(absolute(cwd, Path::new("/x/./y")), PathBuf::from("/x/y"));
    }

    #[test]
    fn absolute_paths_drop_dots() {
        let cwd = Path::new("/w/p");
        assert_eq!(
            absolute(cwd, Path::new("./a/../b/c.py")),
            PathBuf::from("/w/p/b/c.py")
        );
        assert_eq!(
            absolute(cwd, Path::new("../pyproject.toml")),
            PathBuf::from("/w/pyproject.toml")
        );
    }

    #[test]
    fn patterns_match_paths_and_names_as_ruff_does() {
        let base = Path::new("/w/p");
        let m = Matcher::new(&[
            Pattern::new("tests/data", base).unwrap(),
            Pattern::new("*_pb2.py", base).unwrap(),
        ]);
        assert!(m.is_match(Path::new("/w/p/tests/data")));
        assert!(!m.is_match(Path::new("/w/q/tests/data")));
        assert!(m.is_match(Path::new("/w/p/deep/x_pb2.py")));
        assert!(!m.is_match(Path::new("/w/p/x.py")));
        assert!(Pattern::new("a[", base).is_err());
    }
}
