//! From a profile's `(file, line)` to an analysed function.
//!
//! Profile paths are paths on the profiling machine: absolute (speedscope,
//! Scalene) or relative to an import root (py-spy's raw output). A path maps
//! to the analysed file sharing the longest suffix of path components with
//! it; a relative path must match whole. Two analysed files sharing the
//! best suffix make the path ambiguous, and it is not mapped. A line maps
//! to the innermost function whose definition spans it, else to the
//! module's top-level code.

use rustc_hash::FxHashMap as HashMap;
use std::path::Path;

/// Why a frame or line was not mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Miss {
    /// No analysed file has this path (library code, another project).
    NotAnalysed,
    /// Several analysed files share the longest suffix with the path.
    Ambiguous,
    /// The line is not in the file (0, or past its end).
    NoSuchLine,
    /// The profiler names a different function than the one at this line:
    /// the source changed since it was profiled.
    Stale,
}

impl Miss {
    pub fn as_str(self) -> &'static str {
        match self {
            Miss::NotAnalysed => "not in an analysed file",
            Miss::Ambiguous => "path matches several analysed files",
            Miss::NoSuchLine => "line not in the analysed file (changed since profiling?)",
            Miss::Stale => {
                "the analysed file has another function at this line (changed since profiling?)"
            }
        }
    }
}

fn components(p: &str) -> Vec<&str> {
    p.split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}

fn is_absolute(p: &str) -> bool {
    let b = p.as_bytes();
    p.starts_with('/')
        || p.starts_with('\\')
        || (b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

/// Analysed files by file name, with their path components (absolute
/// where the file system can say).
pub struct PathIndex {
    by_name: HashMap<String, Vec<(usize, Vec<String>)>>,
    cache: HashMap<String, Result<usize, Miss>>,
}

impl PathIndex {
    /// `files`: (module index, path as analysed).
    pub fn new<'a>(files: impl Iterator<Item = (usize, &'a Path)>) -> Self {
        let mut by_name: HashMap<String, Vec<(usize, Vec<String>)>> = HashMap::default();
        for (m, path) in files {
            let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            let text = abs.to_string_lossy();
            let comps: Vec<String> = components(&text).into_iter().map(String::from).collect();
            if let Some(name) = comps.last() {
                by_name.entry(name.clone()).or_default().push((m, comps));
            }
        }
        PathIndex {
            by_name,
            cache: HashMap::default(),
        }
    }

    /// The module a profile path maps to.
    pub fn resolve(&mut self, path: &str) -> Result<usize, Miss> {
        if let Some(r) = self.cache.get(path) {
            return *r;
        }
        let r = self.compute(path);
        self.cache.insert(path.to_string(), r);
        r
    }

    fn compute(&self, path: &str) -> Result<usize, Miss> {
        let comps = components(path);
        let Some(name) = comps.last() else {
            return Err(Miss::NotAnalysed);
        };
        let Some(cands) = self.by_name.get(*name) else {
            return Err(Miss::NotAnalysed);
        };
        let need = if is_absolute(path) { 1 } else { comps.len() };
        let mut best = 0usize;
        let mut found: Vec<usize> = Vec::new();
        for (m, cc) in cands {
            let k = comps
                .iter()
                .rev()
                .zip(cc.iter().rev())
                .take_while(|(a, b)| **a == b.as_str())
                .count();
            if k < need {
                continue;
            }
            if k > best {
                best = k;
                found.clear();
            }
            if k == best {
                found.push(*m);
            }
        }
        match found.as_slice() {
            [] => Err(Miss::NotAnalysed),
            [m] => Ok(*m),
            _ => Err(Miss::Ambiguous),
        }
    }
}

/// The functions of one module by line range.
#[derive(Debug, Default)]
pub struct Lines {
    /// (first row, last row, function), in definition order.
    spans: Vec<(u32, u32, usize)>,
    module: Option<usize>,
    line_count: u32,
}

impl Lines {
    pub fn new(line_count: u32) -> Self {
        Lines {
            spans: Vec::new(),
            module: None,
            line_count,
        }
    }

    pub fn add(&mut self, first: u32, last: u32, func: usize, is_module: bool) {
        if is_module {
            self.module = Some(func);
        } else {
            self.spans.push((first, last.max(first), func));
        }
    }

    /// The innermost function spanning `line`, else the module's code.
    pub fn at(&self, line: u32) -> Result<usize, Miss> {
        if line == 0 || line > self.line_count {
            return Err(Miss::NoSuchLine);
        }
        let inner = self
            .spans
            .iter()
            .filter(|(a, b, _)| *a <= line && line <= *b)
            .max_by_key(|(a, _, _)| *a)
            .map(|(_, _, f)| *f);
        inner.or(self.module).ok_or(Miss::NoSuchLine)
    }
}

/// Does the profiler's name for a frame fit the function advise has at
/// that line? py-spy writes `crunch`, `Scale.combine` or
/// `main.<locals>.<listcomp>`; the last plain component (a comprehension or
/// lambda belongs to its enclosing function) must equal the qualname's.
/// Module-level code is named after the module or a class body.
pub fn name_fits(frame_name: &str, qualname: &str, is_module: bool) -> bool {
    if is_module {
        return true;
    }
    let last_plain = |s: &str| -> Option<String> {
        s.rsplit('.')
            .find(|p| !p.starts_with('<'))
            .map(|p| p.to_string())
    };
    match last_plain(frame_name) {
        // `<listcomp>`, `<lambda>` alone: the older, unqualified names.
        None => true,
        Some(n) => Some(n) == last_plain(qualname),
    }
}

/// The qualified name of a library frame, for the rulebook: module from
/// the path (below `site-packages` or `lib/pythonX.Y`, or a relative path as
/// py-spy shortens it) and the frame's name: `socket.py` + `socket.accept`
/// is `socket.socket.accept`. Also the name without private modules
/// (`concurrent/futures/_base.py` + `Future.result` is also
/// `concurrent.futures.Future.result`, as the rulebook names it).
pub fn library_names(file: &str, frame_name: &str) -> Vec<String> {
    if frame_name.contains('<') || frame_name.is_empty() {
        return Vec::new();
    }
    let norm = file.replace('\\', "/");
    let rel = if let Some(i) = norm
        .rfind("/site-packages/")
        .or_else(|| norm.rfind("/dist-packages/"))
    {
        norm[i..]
            .split_once("-packages/")
            .map(|(_, r)| r.to_string())
    } else if let Some(i) = norm.rfind("/lib/python") {
        norm[i + "/lib/python".len()..]
            .split_once('/')
            .map(|(_, r)| r.to_string())
    } else if !is_absolute(&norm) {
        Some(norm.clone())
    } else {
        None
    };
    let Some(rel) = rel else { return Vec::new() };
    let Some(stem) = rel.strip_suffix(".py") else {
        return Vec::new();
    };
    let mut parts: Vec<&str> = stem.split('/').filter(|p| !p.is_empty()).collect();
    if parts.last() == Some(&"__init__") {
        parts.pop();
    }
    if parts.is_empty() || parts.iter().any(|p| p.contains('.') || p.contains(' ')) {
        return Vec::new();
    }
    let mut out = vec![format!("{}.{}", parts.join("."), frame_name)];
    let public: Vec<&str> = parts
        .iter()
        .copied()
        .filter(|p| !p.starts_with('_') || p.starts_with("__"))
        .collect();
    if !public.is_empty() && public.len() != parts.len() {
        out.push(format!("{}.{}", public.join("."), frame_name));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(name_fits("main.<locals>.<listcomp>", "main", false));
        assert!(name_fits("Scale.combine", "Scale.combine", false));
        assert!(name_fits("combine", "Scale.combine", false));
        assert!(name_fits("<lambda>", "main", false));
        assert!(!name_fits("serve", "main", false));
        assert!(name_fits("Anything", "<module>", true));
    }

    #[test]
    fn library() {
        assert_eq!(
            library_names("socket.py", "socket.accept"),
            vec!["socket.socket.accept"]
        );
        assert_eq!(
            library_names(
                "/usr/lib/python3.11/concurrent/futures/_base.py",
                "Future.result"
            ),
            vec![
                "concurrent.futures._base.Future.result",
                "concurrent.futures.Future.result"
            ]
        );
        assert_eq!(
            library_names("/v/lib/python3.11/site-packages/requests/api.py", "get"),
            vec!["requests.api.get"]
        );
        assert!(library_names("<frozen importlib._bootstrap>", "_find_and_load").is_empty());
        assert!(library_names("/home/me/app.py", "main").is_empty());
    }

    #[test]
    fn lines() {
        let mut l = Lines::new(50);
        l.add(1, 50, 0, true);
        l.add(10, 30, 1, false);
        l.add(12, 20, 2, false);
        assert_eq!(l.at(5), Ok(0));
        assert_eq!(l.at(11), Ok(1));
        assert_eq!(l.at(15), Ok(2));
        assert_eq!(l.at(25), Ok(1));
        assert_eq!(l.at(51), Err(Miss::NoSuchLine));
        assert_eq!(l.at(0), Err(Miss::NoSuchLine));
    }
}
