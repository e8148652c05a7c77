//! The interpreter the analysed code targets: CPython with the GIL, or
//! free-threaded CPython, and which releases the project admits.
//!
//! `--target auto` reads the nearest `pyproject.toml` above the analysed
//! paths: trove classifiers that declare free-threaded support (the
//! rulebook's `targets.free_threaded_classifiers`) make the target
//! free-threaded, anything else is `gil`. Its `requires-python` is read
//! whatever the target, so that advice can depend on the releases the
//! project admits (3.14's `InterpreterPoolExecutor`).

use crate::rulebook::{Rulebook, TargetInfo, TargetKind};
use std::path::{Path, PathBuf};

/// `--target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TargetChoice {
    /// CPython with the GIL.
    Gil,
    /// Free-threaded CPython (3.13t, 3.14t).
    FreeThreaded,
    /// Read the nearest pyproject.toml; `gil` when it says nothing.
    #[default]
    Auto,
}

/// The resolved target, with where it came from.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub info: TargetInfo,
    /// The `pyproject.toml` read, if any.
    pub pyproject: Option<PathBuf>,
    /// How `auto` decided: `classifier "..."`.
    pub reason: Option<String>,
}

/// What one `pyproject.toml` says.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ProjectMeta {
    pub requires_python: Option<String>,
    pub classifiers: Vec<String>,
}

/// Parse the `[project]` table of a `pyproject.toml`. A file that does not
/// parse says nothing.
pub fn parse_pyproject(text: &str) -> ProjectMeta {
    let Ok(value) = text.parse::<toml::Table>() else {
        return ProjectMeta::default();
    };
    let Some(project) = value.get("project").and_then(|p| p.as_table()) else {
        return ProjectMeta::default();
    };
    ProjectMeta {
        requires_python: project
            .get("requires-python")
            .and_then(|v| v.as_str())
            .map(str::to_string),
        classifiers: project
            .get("classifiers")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The nearest `pyproject.toml` at or above a path.
fn nearest_pyproject(path: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(path).ok()?;
    let start = if abs.is_dir() {
        abs.as_path()
    } else {
        abs.parent()?
    };
    start
        .ancestors()
        .map(|d| d.join("pyproject.toml"))
        .find(|p| p.is_file())
}

/// Decide the target for a run over `paths`.
pub fn resolve(choice: TargetChoice, paths: &[PathBuf], rb: &Rulebook) -> Target {
    let found = paths.iter().find_map(|p| {
        let file = nearest_pyproject(p)?;
        let text = std::fs::read_to_string(&file).ok()?;
        Some((file, parse_pyproject(&text)))
    });
    let (pyproject, meta) = match found {
        Some((f, m)) => (Some(f), m),
        None => (None, ProjectMeta::default()),
    };
    // Shown relative to the working directory where it is below it.
    let pyproject = pyproject.map(|f| {
        std::env::current_dir()
            .ok()
            .and_then(|cwd| f.strip_prefix(cwd).ok().map(Path::to_path_buf))
            .unwrap_or(f)
    });
    let (kind, reason) = match choice {
        TargetChoice::Gil => (TargetKind::Gil, None),
        TargetChoice::FreeThreaded => (TargetKind::FreeThreaded, None),
        TargetChoice::Auto => {
            let declared = meta.classifiers.iter().find(|c| {
                rb.free_threaded_classifiers
                    .iter()
                    .any(|prefix| c.starts_with(prefix.as_str()))
            });
            match declared {
                Some(c) => (
                    TargetKind::FreeThreaded,
                    Some(format!("classifier \"{c}\"")),
                ),
                None => (TargetKind::Gil, None),
            }
        }
    };
    Target {
        info: TargetInfo {
            kind,
            requires_python: meta.requires_python,
        },
        pyproject,
        reason,
    }
}

/// A release as numbers: `3.14.0rc1` is `[3, 14, 0]`.
fn release(v: &str) -> Option<Vec<u64>> {
    let mut out = Vec::new();
    for part in v.split('.') {
        let digits: String = part.chars().take_while(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            return None;
        }
        out.push(digits.parse().ok()?);
        if digits.len() != part.len() {
            // A pre-, post- or dev-release suffix ends the release part.
            break;
        }
    }
    (!out.is_empty()).then_some(out)
}

fn cmp_release(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let (x, y) = (a.get(i).unwrap_or(&0), b.get(i).unwrap_or(&0));
        match x.cmp(y) {
            std::cmp::Ordering::Equal => {}
            o => return o,
        }
    }
    std::cmp::Ordering::Equal
}

/// Does one PEP 440 clause (`>=3.10`, `==3.12.*`, `~=3.11`) admit `v`?
/// `None` when the clause cannot be read.
fn clause_admits(clause: &str, v: &[u64]) -> Option<bool> {
    use std::cmp::Ordering::*;
    let clause = clause.trim();
    let ops = ["===", "~=", "==", "!=", "<=", ">=", "<", ">"];
    let op = ops.iter().find(|o| clause.starts_with(**o))?;
    let rest = clause[op.len()..].trim();
    let (ver, wildcard) = match rest.strip_suffix(".*") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let r = release(ver)?;
    let prefix = v.len() >= r.len() && v[..r.len()] == r[..];
    Some(match (*op, wildcard) {
        ("==", true) => prefix,
        ("!=", true) => !prefix,
        (_, true) => return None,
        ("==" | "===", false) => cmp_release(v, &r) == Equal,
        ("!=", false) => cmp_release(v, &r) != Equal,
        ("<=", false) => cmp_release(v, &r) != Greater,
        (">=", false) => cmp_release(v, &r) != Less,
        ("<", false) => cmp_release(v, &r) == Less,
        (">", false) => cmp_release(v, &r) == Greater,
        ("~=", false) => {
            if r.len() < 2 {
                return None;
            }
            let head = &r[..r.len() - 1];
            cmp_release(v, &r) != Less && v.len() >= head.len() && v[..head.len()] == *head
        }
        _ => return None,
    })
}

/// Does a `requires-python` specifier admit some `major.minor.*` release?
/// An unreadable specifier admits nothing.
pub fn specifier_allows(spec: &str, major: u64, minor: u64) -> bool {
    let clauses: Vec<&str> = spec.split(',').filter(|c| !c.trim().is_empty()).collect();
    if clauses.is_empty() {
        return false;
    }
    // Micro releases to try: enough for any real pin.
    (0..=40).any(|micro| {
        let v = [major, minor, micro];
        clauses
            .iter()
            .all(|c| clause_admits(c, &v).unwrap_or(false))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specifiers() {
        assert!(specifier_allows(">=3.10", 3, 14));
        assert!(specifier_allows(">=3.9, <4", 3, 14));
        assert!(!specifier_allows(">=3.9,<3.14", 3, 14));
        assert!(specifier_allows("<3.14.2", 3, 14));
        assert!(specifier_allows(">3.14.5", 3, 14));
        assert!(!specifier_allows("==3.12.*", 3, 14));
        assert!(specifier_allows("==3.14.*", 3, 14));
        assert!(!specifier_allows(">=3.10,!=3.14.*", 3, 14));
        assert!(specifier_allows("~=3.11", 3, 14));
        assert!(!specifier_allows("~=3.11.2", 3, 14));
        assert!(specifier_allows(">=3.14.0rc1", 3, 14));
        assert!(!specifier_allows("garbage", 3, 14));
        assert!(!specifier_allows("", 3, 14));
    }

    #[test]
    fn pyproject_fields() {
        let m = parse_pyproject(
            "[project]\nname = \"x\"\nrequires-python = \">=3.13\"\nclassifiers = [\"Programming Language :: Python :: Free Threading :: 3 - Stable\"]\n",
        );
        assert_eq!(m.requires_python.as_deref(), Some(">=3.13"));
        assert_eq!(m.classifiers.len(), 1);
        assert_eq!(parse_pyproject("not toml ["), ProjectMeta::default());
    }
}
