//! Qualified-name patterns: `time.sleep` (exact) and `requests.*` (glob).
//!
//! The most specific pattern wins: an exact pattern beats any glob, and a
//! longer glob beats a shorter one. Among equals the last inserted wins, so a
//! user file overrides the default.

use super::RulesError;
use rustc_hash::FxHashMap as HashMap;
use serde_saphyr::Spanned;

#[derive(Debug, Clone)]
pub struct PatternMap<T> {
    exact: HashMap<String, T>,
    /// Keyed by the prefix before `.*`.
    globs: HashMap<String, T>,
    /// The first component of every glob's prefix: most names share none,
    /// and then one lookup settles that no glob matches.
    roots: HashMap<String, ()>,
    /// A bit for every pattern's first component, exact or glob (see
    /// [`root_bit`]): a name whose bit is clear matches nothing, which is
    /// settled without hashing it (most names looked up are the
    /// project's own).
    filter: [u64; FILTER_WORDS],
}

const FILTER_WORDS: usize = 16;

/// Where a name's first component falls in a [`PatternMap`]'s filter: from
/// its first three bytes at most, read without searching the name for its
/// first dot.
fn root_bit(qn: &str) -> usize {
    let h = qn
        .bytes()
        .take(3)
        .take_while(|&b| b != b'.')
        .fold(0usize, |h, b| h * 31 + b as usize);
    h % (FILTER_WORDS * 64)
}

impl<T> Default for PatternMap<T> {
    fn default() -> Self {
        PatternMap {
            exact: HashMap::default(),
            globs: HashMap::default(),
            roots: HashMap::default(),
            filter: [0; FILTER_WORDS],
        }
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c == '_' || c.is_alphabetic() => {}
        _ => return false,
    }
    chars.all(|c| c == '_' || c.is_alphanumeric())
}

fn first_component(qn: &str) -> &str {
    qn.find('.').map_or(qn, |i| &qn[..i])
}

/// A dotted name of identifiers.
pub fn validate_qualified(file: &str, s: &Spanned<String>) -> Result<(), RulesError> {
    if s.value.split('.').all(is_identifier) {
        Ok(())
    } else {
        Err(RulesError {
            file: file.into(),
            line: s.referenced.line(),
            column: s.referenced.column(),
            message: format!("`{}` is not a dotted qualified name", s.value),
        })
    }
}

impl<T> PatternMap<T> {
    fn note_root(&mut self, pattern: &str) {
        let bit = root_bit(pattern);
        self.filter[bit / 64] |= 1 << (bit % 64);
    }

    /// Whether some pattern may share `qn`'s first component.
    fn may_match(&self, qn: &str) -> bool {
        let bit = root_bit(qn);
        self.filter[bit / 64] & (1 << (bit % 64)) != 0
    }

    pub fn insert(&mut self, pattern: &str, value: T) -> Result<(), String> {
        if let Some(prefix) = pattern.strip_suffix(".*") {
            if !prefix.split('.').all(is_identifier) {
                return Err(format!("invalid pattern `{pattern}`: expected a dotted name, optionally ending in `.*`"));
            }
            self.roots.insert(first_component(prefix).to_string(), ());
            self.note_root(prefix);
            self.globs.insert(prefix.to_string(), value);
        } else {
            if !pattern.split('.').all(is_identifier) {
                return Err(format!("invalid pattern `{pattern}`: expected a dotted name, optionally ending in `.*`"));
            }
            self.note_root(pattern);
            self.exact.insert(pattern.to_string(), value);
        }
        Ok(())
    }

    pub fn insert_spanned(
        &mut self,
        file: &str,
        pattern: &Spanned<String>,
        value: T,
    ) -> Result<(), RulesError> {
        self.insert(&pattern.value, value)
            .map_err(|message| RulesError {
                file: file.into(),
                line: pattern.referenced.line(),
                column: pattern.referenced.column(),
                message,
            })
    }

    /// Only an exact pattern for this name.
    pub fn lookup_exact(&self, qn: &str) -> Option<&T> {
        if !self.may_match(qn) {
            return None;
        }
        self.exact.get(qn)
    }

    pub fn lookup(&self, qn: &str) -> Option<&T> {
        if !self.may_match(qn) {
            return None;
        }
        if let Some(v) = self.exact.get(qn) {
            return Some(v);
        }
        if self.globs.is_empty() || !self.roots.contains_key(first_component(qn)) {
            return None;
        }
        let mut end = qn.len();
        while let Some(dot) = qn[..end].rfind('.') {
            if let Some(v) = self.globs.get(&qn[..dot]) {
                return Some(v);
            }
            end = dot;
        }
        None
    }

    /// Add `other`'s patterns (not its values).
    pub fn extend_keys<U>(&mut self, other: &PatternMap<U>)
    where
        T: Default,
    {
        for k in other.exact.keys() {
            self.note_root(k);
            self.exact.insert(k.clone(), T::default());
        }
        for k in other.globs.keys() {
            self.roots.insert(first_component(k).to_string(), ());
            self.note_root(k);
            self.globs.insert(k.clone(), T::default());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.globs.is_empty()
    }
}

/// Method names (`append`, `join`, `submit`) and what the rulebook says of
/// each. The builder asks several such tables about every attribute call,
/// and most method names are in none: a filter on a name's length and its
/// first and last bytes settles those without hashing the name.
#[derive(Debug, Clone)]
pub struct MethodMap<T> {
    names: HashMap<String, T>,
    filter: [u64; FILTER_WORDS],
}

impl<T> Default for MethodMap<T> {
    fn default() -> Self {
        MethodMap {
            names: HashMap::default(),
            filter: [0; FILTER_WORDS],
        }
    }
}

/// Where a method name falls in a [`MethodMap`]'s filter.
fn method_bit(name: &str) -> usize {
    let b = name.as_bytes();
    let (first, last) = match b {
        [] => (0, 0),
        [f, .., l] => (*f, *l),
        [f] => (*f, *f),
    };
    let h = (b.len() as u32 & 0xff) | (first as u32) << 8 | (last as u32) << 16;
    (h.wrapping_mul(0x9e37_79b1) >> 22) as usize % (FILTER_WORDS * 64)
}

impl<T> MethodMap<T> {
    pub fn insert(&mut self, name: String, value: T) {
        let bit = method_bit(&name);
        self.filter[bit / 64] |= 1 << (bit % 64);
        self.names.insert(name, value);
    }

    pub fn get(&self, name: &str) -> Option<&T> {
        let bit = method_bit(name);
        if self.filter[bit / 64] & (1 << (bit % 64)) == 0 {
            return None;
        }
        self.names.get(name)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default rulebook's text, whose words and patterns the filter
    /// tests insert.
    fn default_rules_text() -> String {
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/default.yaml")).unwrap()
    }

    #[test]
    fn the_method_filter_never_hides_a_name() {
        // Every word of the default rulebook, as a method name, is found
        // again; names that differ only inside still miss.
        let text = default_rules_text();
        let mut m = MethodMap::default();
        let words: Vec<&str> = text
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .collect();
        for w in &words {
            m.insert(w.to_string(), w.len());
        }
        assert!(words.len() > 1000, "{} words", words.len());
        for w in &words {
            assert_eq!(m.get(w), Some(&w.len()), "{w}");
            assert!(m.contains_key(w));
        }
        let mut one = MethodMap::default();
        one.insert("append".to_string(), ());
        one.insert("x".to_string(), ());
        assert!(one.contains_key("append") && one.contains_key("x"));
        for miss in ["abbend", "appen", "ppend", "", "y", "append_"] {
            assert!(!one.contains_key(miss), "{miss}");
        }
    }

    #[test]
    fn most_specific_wins() {
        let mut m = PatternMap::default();
        m.insert("numpy.*", 1).unwrap();
        m.insert("numpy.linalg.*", 2).unwrap();
        m.insert("numpy.zeros", 3).unwrap();
        assert_eq!(m.lookup("numpy.dot"), Some(&1));
        assert_eq!(m.lookup("numpy.linalg.eigh"), Some(&2));
        assert_eq!(m.lookup("numpy.zeros"), Some(&3));
        assert_eq!(m.lookup("numpy"), None);
        assert_eq!(m.lookup("numpyx.dot"), None);
    }

    #[test]
    fn extended_keys_match_what_either_map_matches() {
        let mut a = PatternMap::default();
        a.insert("threading.Lock", 1).unwrap();
        let mut b = PatternMap::default();
        b.insert("queue.*", "q").unwrap();
        let mut all: PatternMap<()> = PatternMap::default();
        all.extend_keys(&a);
        all.extend_keys(&b);
        for qn in [
            "threading.Lock",
            "queue.Queue",
            "threading.Event",
            "queuex.Q",
        ] {
            let either = a.lookup(qn).is_some() || b.lookup(qn).is_some();
            assert_eq!(all.lookup(qn).is_some(), either, "{qn}");
        }
    }

    #[test]
    fn the_root_filter_never_hides_a_match() {
        // Every pattern of the default rulebook, exact and glob, is found
        // again through the filter, with and without a trailing member.
        let text = default_rules_text();
        let mut m = PatternMap::default();
        let mut names = Vec::new();
        for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '*'))
        {
            if word.contains('.') && m.insert(word, word.to_string()).is_ok() {
                names.push(word.trim_end_matches(".*").to_string());
            }
        }
        assert!(names.len() > 100, "{} patterns", names.len());
        for n in &names {
            assert!(
                m.lookup(&format!("{n}.member")).is_some() || m.lookup(n).is_some(),
                "{n}"
            );
        }
        // And names with no pattern's root are still answered correctly,
        // whether their bit is set or not.
        for n in ["zzz.y", "a", "", ".", "x.y.z", "os2.path"] {
            assert_eq!(m.lookup(n), None, "{n}");
        }
    }

    #[test]
    fn rejects_bad_patterns() {
        let mut m = PatternMap::default();
        assert!(m.insert("a.*.b", 1).is_err());
        assert!(m.insert("", 1).is_err());
        assert!(m.insert("a..b", 1).is_err());
        assert!(m.insert("a b", 1).is_err());
    }
}
