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
    /// A file and its size in bytes (0 when it could not be read), by
    /// which the analysis orders its work.
    File(PathBuf, u64),
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
            Ok(m) if m.is_file() => out.push(Input::File(path.clone(), m.len())),
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
            Input::File(p, _) | Input::Error(p, _) => tidy(p),
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|i| match i {
        Input::File(p, _) => seen.insert(p.clone()),
        Input::Error(..) => true,
    });
    // Walked in parallel, found in any order: sorted by path, then (for
    // two errors at one path) by what they say.
    out.sort_by(|a, b| key(a).cmp(key(b)).then_with(|| why(a).cmp(why(b))));
    out
}

fn why(i: &Input) -> &str {
    match i {
        Input::File(..) => "",
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
        Input::File(p, _) | Input::Error(p, _) => p,
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
                    // (One `stat` more per file: the analysis takes the
                    // largest files first.)
                    let size = e.metadata().map_or(0, |m| m.len());
                    Input::File(e.into_path(), size)
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

/// Files' dotted module names, asking the file system once per directory
/// rather than once per file and directory (files are mostly siblings): a
/// directory's package path, once known, is shared by the threads that
/// load its files.
#[derive(Default)]
pub struct ModuleNames {
    /// A directory's package path, innermost directory first, holding at
    /// most [`MAX_PACKAGE_DEPTH`] names; empty when it is not a package.
    dirs: std::sync::RwLock<std::collections::HashMap<PathBuf, Arc<Vec<String>>>>,
}

const MAX_PACKAGE_DEPTH: usize = 64;

impl ModuleNames {
    /// The dotted module name of a file, and whether it is a package's
    /// `__init__`: packages are walked up through directories holding
    /// `__init__.py` (at most 64); a file outside any package is a
    /// top-level module named by its stem (as Python sees a script's
    /// siblings).
    pub fn of(&self, path: &Path) -> (String, bool) {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let is_package = stem == "__init__";
        let dirs = match path.parent() {
            Some(d) => self.package(d),
            None => Arc::default(),
        };
        let mut name = String::new();
        for part in dirs.iter().rev() {
            name.push_str(part);
            name.push('.');
        }
        if is_package {
            name.pop();
        } else {
            name.push_str(&stem);
        }
        (name, is_package)
    }

    fn package(&self, dir: &Path) -> Arc<Vec<String>> {
        let known = |d: &Path| {
            self.dirs
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(d)
                .cloned()
        };
        if let Some(p) = known(dir) {
            return p;
        }
        // Walk up to the first directory whose path is known or which is not
        // a package, then fill in the path of each one below it.
        let mut chain: Vec<(&Path, String)> = Vec::new();
        let mut above = Arc::default();
        let mut d = Some(dir);
        while let Some(here) = d {
            if !chain.is_empty() {
                if let Some(p) = known(here) {
                    above = p;
                    break;
                }
            }
            let name = match here.file_name() {
                Some(n) if here.join("__init__.py").is_file() => n.to_string_lossy().into_owned(),
                _ => break,
            };
            chain.push((here, name));
            if chain.len() == MAX_PACKAGE_DEPTH {
                break;
            }
            d = here.parent();
        }
        // Past the limit, the directories above the first know only part of
        // their path, and are not remembered.
        let whole = chain.len() < MAX_PACKAGE_DEPTH;
        let mut map = self.dirs.write().unwrap_or_else(|p| p.into_inner());
        for (i, (here, name)) in chain.into_iter().enumerate().rev() {
            let mut parts = Vec::with_capacity((above.len() + 1).min(MAX_PACKAGE_DEPTH));
            parts.push(name);
            parts.extend(above.iter().take(MAX_PACKAGE_DEPTH - 1).cloned());
            above = Arc::new(parts);
            if whole || i == 0 {
                map.insert(here.to_path_buf(), above.clone());
            }
        }
        map.entry(dir.to_path_buf()).or_insert(above).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_are_the_same_whatever_was_asked_before() {
        let root = std::env::temp_dir().join(format!("advise-modnames-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        // root/top/pkg/sub/m.py, with `top` not a package; then a chain of
        // 70 packages p0/p1/.../p69 under root/top/pkg/sub.
        let sub = root.join("top/pkg/sub");
        let mut deep = sub.clone();
        for i in 0..70 {
            deep.push(format!("p{i}"));
        }
        std::fs::create_dir_all(&deep).unwrap();
        let mut d = deep.clone();
        while d != root.join("top") {
            std::fs::write(d.join("__init__.py"), "").unwrap();
            d.pop();
        }
        let mid = sub.join("p0/p1/p2/p3/p4/p5/p6/p7");
        let expect_deep = (6..70).map(|i| format!("p{i}.")).collect::<String>() + "m";
        let expect_mid = "pkg.sub.p0.p1.p2.p3.p4.p5.p6.p7.m".to_string();
        let cases = [
            (deep.join("m.py"), (expect_deep, false)),
            (mid.join("m.py"), (expect_mid, false)),
            (
                mid.join("__init__.py"),
                ("pkg.sub.p0.p1.p2.p3.p4.p5.p6.p7".into(), true),
            ),
            (sub.join("m.py"), ("pkg.sub.m".into(), false)),
            (root.join("top/m.py"), ("m".into(), false)),
            (root.join("top/pkg/__init__.py"), ("pkg".into(), true)),
        ];
        // Deepest first, then shallowest first: the cache fills differently.
        let names = ModuleNames::default();
        for (path, want) in &cases {
            assert_eq!(&names.of(path), want, "{}", path.display());
        }
        let names = ModuleNames::default();
        for (path, want) in cases.iter().rev() {
            assert_eq!(&names.of(path), want, "{}", path.display());
        }
        let _ = std::fs::remove_dir_all(&root);
    }
}
