//! Finding the Python files to analyse.

use crate::config::{absolute, Resolver};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Names never walked into unless a configuration's `exclude` replaces them
/// (files named explicitly are still analysed, unless `--force-exclude`).
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "build",
    "dist",
    "site-packages",
    "__pycache__",
    "node_modules",
    "__pypackages__",
    ".eggs",
];

/// One input to analyse, or a path that could not be used.
#[derive(Debug, Clone)]
pub enum Input {
    File(PathBuf),
    /// A path that does not exist or could not be walked, with the reason.
    Error(PathBuf, String),
}

fn is_python(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("py") | Some("pyi")
    )
}

/// Expand the command-line paths into files, sorted and deduplicated.
/// Walked entries are skipped when the settings governing them exclude them;
/// paths named explicitly only with `force_exclude`. A configuration error
/// met on the way is left in `resolver.deferred`.
pub fn discover(paths: &[PathBuf], resolver: &Arc<Resolver>, force_exclude: bool) -> Vec<Input> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path);
        if force_exclude && meta.is_ok() {
            let settings = resolver.settings_or_defer(path, false);
            if settings.is_excluded_with_ancestors(&absolute(&resolver.cwd, path)) {
                continue;
            }
        }
        match meta {
            Err(e) => out.push(Input::Error(path.clone(), io_reason(&e))),
            Ok(m) if m.is_file() => out.push(Input::File(path.clone())),
            Ok(m) if m.is_dir() => walk(path, resolver, &mut out),
            Ok(_) => out.push(Input::Error(
                path.clone(),
                "not a regular file or directory".into(),
            )),
        }
    }
    // `advise .` reports `a.py`, not `./a.py` (as ruff does), and a file
    // reached both ways is analysed once.
    for i in &mut out {
        match i {
            Input::File(p) | Input::Error(p, _) => tidy(p),
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|i| match i {
        Input::File(p) => seen.insert(p.clone()),
        Input::Error(..) => true,
    });
    // Walked in parallel, found in any order: sorted by path, then (for
    // two errors at one path) by what they say.
    out.sort_by(|a, b| key(a).cmp(key(b)).then_with(|| why(a).cmp(why(b))));
    out
}

fn why(i: &Input) -> &str {
    match i {
        Input::File(_) => "",
        Input::Error(_, why) => why,
    }
}

/// Drop leading `./` components from a path that has more after them.
fn tidy(p: &mut PathBuf) {
    if let Ok(rest) = p.strip_prefix(".") {
        if !rest.as_os_str().is_empty() {
            *p = rest.to_path_buf();
        }
    }
}

fn key(i: &Input) -> &Path {
    match i {
        Input::File(p) | Input::Error(p, _) => p,
    }
}

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".into(),
        _ => e.to_string(),
    }
}

/// Walk a directory, on as many threads as the analysis uses (each
/// directory costs several `stat` calls for ignore and configuration
/// files). The caller sorts what is found.
fn walk(root: &Path, resolver: &Arc<Resolver>, out: &mut Vec<Input>) {
    let mut builder = ignore::WalkBuilder::new(root);
    let resolver = resolver.clone();
    builder
        .hidden(false)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .require_git(false)
        .follow_links(false)
        .threads(rayon::current_num_threads())
        .filter_entry(move |e| {
            if e.depth() == 0 {
                return true;
            }
            let Some(parent) = e.path().parent() else {
                return true;
            };
            let settings = resolver.settings_or_defer(parent, true);
            !settings.is_excluded(&absolute(&resolver.cwd, e.path()))
        });
    let found = std::sync::Mutex::new(Vec::new());
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            let input = match entry {
                Ok(e) => {
                    let is_file = e.file_type().is_some_and(|t| t.is_file());
                    if !(is_file && is_python(e.path())) {
                        return ignore::WalkState::Continue;
                    }
                    Input::File(e.into_path())
                }
                Err(err) => {
                    let path = match &err {
                        ignore::Error::WithPath { path, .. } => path.clone(),
                        _ => root.to_path_buf(),
                    };
                    Input::Error(path, err.to_string())
                }
            };
            found.lock().unwrap_or_else(|p| p.into_inner()).push(input);
            ignore::WalkState::Continue
        })
    });
    out.extend(found.into_inner().unwrap_or_else(|p| p.into_inner()));
}

/// The dotted module name of a file: packages are walked up through
/// directories holding `__init__.py`; a file outside any package is a
/// top-level module named by its stem (as Python sees a script's siblings).
pub fn module_name(path: &Path) -> (String, bool) {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let is_package = stem == "__init__";
    let mut parts: Vec<String> = Vec::new();
    if !is_package {
        parts.push(stem);
    }
    let mut dir = path.parent().map(Path::to_path_buf);
    let mut guard = 0;
    while let Some(d) = dir {
        guard += 1;
        if guard > 64 || !d.join("__init__.py").is_file() {
            break;
        }
        match d.file_name() {
            Some(n) => parts.push(n.to_string_lossy().into_owned()),
            None => break,
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    parts.reverse();
    (parts.join("."), is_package)
}
