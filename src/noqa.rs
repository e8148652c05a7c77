//! Suppression comments, read from the parser's comment tokens (so a
//! `"# noqa"` inside a string is just a string):
//!
//! - `# noqa` on a line suppresses every diagnostic reported on that line;
//!   `# noqa: GIL104` or `# noqa: GIL104, GIL105` only those codes. `noqa` is
//!   matched case-insensitively, as flake8 and ruff do, and may follow
//!   another comment (`# type: ignore  # noqa: GIL104`).
//! - `# advise: noqa` on a line of its own suppresses everything in the
//!   file; `# advise: noqa: GIL1` the codes starting with `GIL1`.

use crate::diagnostic::Diagnostic;
use crate::rulebook::{render, Rulebook, KNOWN_RULES};
use crate::select::META_CODES;
use crate::source::{LineIndex, Location};
use crate::FileEntry;
use ruff_python_ast::token::{Token, TokenKind};
use ruff_text_size::{Ranged, TextSize};
use std::collections::HashSet;

/// `# noqa[: CODES]` on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineNoqa {
    pub row: u32,
    pub start: Location,
    pub end: Location,
    /// `None` for a bare `# noqa`.
    pub codes: Option<Vec<String>>,
}

/// `# advise: noqa[: PREFIXES]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileNoqa {
    pub start: Location,
    pub end: Location,
    /// `None` for the whole file.
    pub codes: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directives {
    pub lines: Vec<LineNoqa>,
    pub file: Vec<FileNoqa>,
    /// Malformed directives: where, and what is wrong.
    pub warnings: Vec<(Location, String)>,
}

impl Directives {
    pub fn line(&self, row: u32) -> Option<(usize, &LineNoqa)> {
        self.lines
            .binary_search_by_key(&row, |l| l.row)
            .ok()
            .map(|i| (i, &self.lines[i]))
    }
}

fn skip_ws(s: &str, i: usize) -> usize {
    i + (s[i..].len() - s[i..].trim_start_matches([' ', '\t']).len())
}

fn eat_ci(s: &str, i: usize, word: &str) -> Option<usize> {
    let end = i + word.len();
    s.get(i..end)
        .filter(|w| w.eq_ignore_ascii_case(word))
        .map(|_| end)
}

/// A code (`GIL104`) or, with `prefix`, a code prefix (`GIL1`, `GIL`): ASCII
/// capitals then digits. Returns its end.
fn code_at(s: &str, i: usize, prefix: bool) -> Option<usize> {
    let b = s.as_bytes();
    let mut j = i;
    while j < b.len() && b[j].is_ascii_uppercase() {
        j += 1;
    }
    if j == i {
        return None;
    }
    let letters = j;
    while j < b.len() && b[j].is_ascii_digit() {
        j += 1;
    }
    if j == letters && !prefix {
        return None;
    }
    // A code ends at a separator or the end of the comment.
    if j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
        return None;
    }
    Some(j)
}

/// Codes after `:` separated by commas and/or spaces; stops at the first
/// thing that is not a code. Returns them and where they end.
fn codes(s: &str, mut i: usize, prefix: bool) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    let mut end = i;
    loop {
        i = skip_ws(s, i);
        match code_at(s, i, prefix) {
            Some(j) => {
                out.push(s[i..j].to_string());
                end = j;
                i = skip_ws(s, j);
                if s[i..].starts_with(',') {
                    i += 1;
                }
            }
            None => break,
        }
    }
    (out, end)
}

enum Parsed {
    Line(usize, usize, Option<Vec<String>>),
    /// Malformed: where, why, and whether it still acts as a bare `# noqa`.
    Invalid(usize, String, bool),
}

/// A `# noqa` directive anywhere in a comment: each `#` is tried.
fn parse_line_noqa(c: &str) -> Option<Parsed> {
    for (hash, _) in c.match_indices('#') {
        let i = skip_ws(c, hash + 1);
        let Some(after) = eat_ci(c, i, "noqa") else {
            continue;
        };
        let rest = &c[after..];
        if rest.is_empty() || rest.starts_with('#') {
            return Some(Parsed::Line(hash, after, None));
        }
        let j = skip_ws(c, after);
        if c[j..].starts_with(':') {
            let (list, end) = codes(c, j + 1, false);
            if list.is_empty() {
                return Some(Parsed::Invalid(
                    hash,
                    "invalid `# noqa` directive: expected a comma-separated list of codes after `:` (e.g. `# noqa: GIL104, GIL105`); it is ignored".into(),
                    false,
                ));
            }
            return Some(Parsed::Line(hash, end, Some(list)));
        }
        if j > after {
            // `# noqa GIL104`: flake8 reads a bare noqa, and so do we.
            if code_at(c, j, false).is_some() {
                return Some(Parsed::Invalid(
                    hash,
                    "`# noqa` directive without `:` before its codes: it suppresses every code on the line (write `# noqa: GIL104` for one)".into(),
                    true,
                ));
            }
            return Some(Parsed::Line(hash, after, None));
        }
        // `# noqa123`, `# noqa-ish`: not a directive.
    }
    None
}

/// `# advise: noqa[: PREFIXES]` at the start of a comment.
fn parse_file_noqa(c: &str) -> Option<Parsed> {
    let i = skip_ws(c, 1);
    let i = eat_ci(c, i, "advise")?;
    let i = skip_ws(c, i);
    let i = c[i..].starts_with(':').then_some(i + 1)?;
    let i = skip_ws(c, i);
    let after = eat_ci(c, i, "noqa")?;
    let j = skip_ws(c, after);
    if c[j..].starts_with(':') {
        let (list, end) = codes(c, j + 1, true);
        if list.is_empty() {
            return Some(Parsed::Invalid(
                0,
                "invalid `# advise: noqa` directive: expected codes or prefixes after `:` (e.g. `# advise: noqa: GIL1`); it is ignored".into(),
                false,
            ));
        }
        return Some(Parsed::Line(0, end, Some(list)));
    }
    let rest = &c[after..];
    if rest.is_empty() || rest.starts_with([' ', '\t', '#']) {
        return Some(Parsed::Line(0, after, None));
    }
    None
}

/// Every directive among a file's comment tokens.
pub fn extract(text: &str, lines: &LineIndex, tokens: &[Token]) -> Directives {
    let mut d = Directives::default();
    // Most files say `noqa` nowhere: one scan for its rare `q` settles it
    // without visiting every token.
    let bytes = text.as_bytes();
    let says_noqa = memchr::memchr2_iter(b'q', b'Q', bytes).any(|i| {
        i >= 2 && i + 2 <= bytes.len() && bytes[i - 2..i + 2].eq_ignore_ascii_case(b"noqa")
    });
    if !says_noqa {
        return d;
    }
    for tok in tokens {
        if tok.kind() != TokenKind::Comment {
            continue;
        }
        let range = tok.range();
        let Some(c) = text.get(range.start().to_usize()..range.end().to_usize()) else {
            continue;
        };
        // Every directive says `noqa` (in any case): most comments do not.
        if !c
            .as_bytes()
            .windows(4)
            .any(|w| w.eq_ignore_ascii_case(b"noqa"))
        {
            continue;
        }
        let at = |off: usize| lines.location(text, range.start() + TextSize::from(off as u32));
        let start = at(0);
        let own_line = lines
            .line_text(text, start.row)
            .chars()
            .take(start.column as usize - 1)
            .all(char::is_whitespace);
        if own_line {
            match parse_file_noqa(c) {
                Some(Parsed::Line(s, e, codes)) => {
                    d.file.push(FileNoqa {
                        start: at(s),
                        end: at(e),
                        codes,
                    });
                    continue;
                }
                Some(Parsed::Invalid(s, why, _)) => {
                    d.warnings.push((at(s), why));
                    continue;
                }
                None => {}
            }
        }
        match parse_line_noqa(c) {
            Some(Parsed::Line(s, e, codes)) => d.lines.push(LineNoqa {
                row: start.row,
                start: at(s),
                end: at(e),
                codes,
            }),
            Some(Parsed::Invalid(s, why, blanket)) => {
                // A `# noqa GIL104` still acts as a bare `# noqa`.
                if blanket {
                    d.lines.push(LineNoqa {
                        row: start.row,
                        start: at(s),
                        end: at(c.len()),
                        codes: None,
                    });
                }
                d.warnings.push((at(s), why));
            }
            None => {}
        }
    }
    d.lines.sort_by_key(|l| l.row);
    d.lines.dedup_by_key(|l| l.row);
    d
}

/// Codes the suppressions never hide: a file that does not parse or
/// cannot be read.
const UNSUPPRESSIBLE: &[&str] = &["GIL000", "GIL002"];

/// Which directive (and which of its codes) suppressed something.
#[derive(Hash, PartialEq, Eq)]
enum Use {
    Line(usize, usize, usize),
    File(usize, usize, usize),
}

/// A blanket directive's only "code".
const BLANKET: usize = usize::MAX;

/// Is `d` suppressed by its file's directives? Records what suppressed it.
fn suppressed(d: &Diagnostic, f: &FileEntry, used: Option<&mut HashSet<Use>>) -> bool {
    let mut hits = Vec::new();
    for (k, fd) in f.noqa.file.iter().enumerate() {
        match &fd.codes {
            None => hits.push(Use::File(d.file, k, BLANKET)),
            Some(codes) => {
                for (ci, c) in codes.iter().enumerate() {
                    if d.code.starts_with(c.as_str()) {
                        hits.push(Use::File(d.file, k, ci));
                    }
                }
            }
        }
    }
    if let Some((k, ld)) = f.noqa.line(d.location.row) {
        match &ld.codes {
            None => hits.push(Use::Line(d.file, k, BLANKET)),
            Some(codes) => {
                if let Some(ci) = codes.iter().position(|c| *c == d.code) {
                    hits.push(Use::Line(d.file, k, ci));
                }
            }
        }
    }
    let any = !hits.is_empty();
    if let Some(used) = used {
        used.extend(hits);
    }
    any
}

fn is_known(code: &str) -> bool {
    KNOWN_RULES.iter().any(|(c, _, _)| *c == code) || META_CODES.contains(&code)
}

/// Drop the suppressed diagnostics and, in files where GIL001 is enabled,
/// report the suppressions that suppressed nothing. Codes that are not
/// advise's (`E501`, `F401`) belong to other tools and are left alone, as is
/// a bare `# noqa`, which every linter shares.
pub fn apply(diags: Vec<Diagnostic>, files: &[FileEntry], rb: &Rulebook) -> Vec<Diagnostic> {
    let mut used = HashSet::new();
    let mut out: Vec<Diagnostic> = diags
        .into_iter()
        .filter(|d| {
            UNSUPPRESSIBLE.contains(&d.code.as_str())
                || !suppressed(d, &files[d.file], Some(&mut used))
        })
        .collect();
    let mut unused = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        if !f.selection.enabled(rb, "GIL001") {
            continue;
        }
        for (k, ld) in f.noqa.lines.iter().enumerate() {
            let Some(codes) = &ld.codes else { continue };
            let (mut idle, mut off, mut unknown) = (Vec::new(), Vec::new(), Vec::new());
            for (ci, c) in codes.iter().enumerate() {
                if !c.starts_with("GIL") || used.contains(&Use::Line(fi, k, ci)) {
                    continue;
                }
                let ticked = format!("`{c}`");
                if !is_known(c) {
                    unknown.push(ticked);
                } else if !f.selection.enabled(rb, c) {
                    off.push(ticked);
                } else {
                    idle.push(ticked);
                }
            }
            if let Some(detail) = detail(&idle, &off, &unknown) {
                unused.push(gil001(
                    rb,
                    fi,
                    ld.start,
                    ld.end,
                    "`noqa` directive",
                    &detail,
                ));
            }
        }
        for (k, fd) in f.noqa.file.iter().enumerate() {
            let Some(codes) = &fd.codes else { continue };
            let (mut idle, mut off, mut unknown) = (Vec::new(), Vec::new(), Vec::new());
            for (ci, c) in codes.iter().enumerate() {
                if !c.starts_with("GIL") || used.contains(&Use::File(fi, k, ci)) {
                    continue;
                }
                let covered: Vec<&str> = KNOWN_RULES
                    .iter()
                    .map(|(code, _, _)| *code)
                    .filter(|code| code.starts_with(c.as_str()))
                    .collect();
                let ticked = format!("`{c}`");
                if covered.is_empty() {
                    unknown.push(ticked);
                } else if !covered.iter().any(|code| f.selection.enabled(rb, code)) {
                    off.push(ticked);
                } else {
                    idle.push(ticked);
                }
            }
            if let Some(detail) = detail(&idle, &off, &unknown) {
                unused.push(gil001(
                    rb,
                    fi,
                    fd.start,
                    fd.end,
                    "file-level `advise: noqa` directive",
                    &detail,
                ));
            }
        }
    }
    // GIL001 can itself be suppressed (`# noqa: GIL104, GIL001`).
    out.extend(
        unused
            .into_iter()
            .filter(|d| !suppressed(d, &files[d.file], None)),
    );
    out
}

fn detail(idle: &[String], off: &[String], unknown: &[String]) -> Option<String> {
    let mut parts = Vec::new();
    for (label, list) in [("unused", idle), ("non-enabled", off), ("unknown", unknown)] {
        if !list.is_empty() {
            parts.push(format!("{label}: {}", list.join(", ")));
        }
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn gil001(
    rb: &Rulebook,
    file: usize,
    start: Location,
    end: Location,
    directive: &str,
    detail: &str,
) -> Diagnostic {
    let rule = rb.rule("GIL001");
    let values = [("directive", directive), ("detail", detail)];
    Diagnostic {
        code: rule.code.clone(),
        name: rule.name.clone(),
        severity: rule.severity,
        message: render(&rule.message, &values),
        file,
        location: start,
        end_location: end,
        function: None,
        subject: None,
        help: render(&rule.help, &values),
        recommendation: rule.recommendation,
        fix_title: render(&rule.fix_title, &values),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(c: &str) -> Option<Option<Vec<String>>> {
        match parse_line_noqa(c) {
            Some(Parsed::Line(_, _, codes)) => Some(codes),
            _ => None,
        }
    }

    #[test]
    fn line_directives() {
        assert_eq!(line("# noqa"), Some(None));
        assert_eq!(line("#noqa"), Some(None));
        assert_eq!(line("# NOQA"), Some(None));
        assert_eq!(
            line("# noqa: GIL104"),
            Some(Some(vec!["GIL104".to_string()]))
        );
        assert_eq!(
            line("# noqa:GIL104,GIL105 because"),
            Some(Some(vec!["GIL104".to_string(), "GIL105".to_string()]))
        );
        assert_eq!(
            line("# type: ignore  # NoQA: GIL101 E501"),
            Some(Some(vec!["GIL101".to_string(), "E501".to_string()]))
        );
        assert_eq!(line("# noqa123"), None);
        assert_eq!(line("# not noqa"), None);
        assert!(matches!(
            parse_line_noqa("# noqa:"),
            Some(Parsed::Invalid(..))
        ));
    }

    #[test]
    fn file_directives() {
        let file = |c: &str| match parse_file_noqa(c) {
            Some(Parsed::Line(_, _, codes)) => Some(codes),
            _ => None,
        };
        assert_eq!(file("# advise: noqa"), Some(None));
        assert_eq!(file("#advise:NOQA"), Some(None));
        assert_eq!(
            file("# advise: noqa: GIL1, GIL205"),
            Some(Some(vec!["GIL1".to_string(), "GIL205".to_string()]))
        );
        assert_eq!(file("# noqa"), None);
        assert_eq!(file("# advise: noqa-ish"), None);
    }
}
