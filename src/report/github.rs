//! `--output-format github`: GitHub Actions workflow commands, which show
//! each diagnostic as an annotation on the pull request.

use super::relative_path;
use crate::rulebook::Severity;
use crate::Outcome;
use std::fmt::Write;
use std::path::Path;

/// Escape a command's message (workflow command syntax).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value, where `:` and `,` are separators.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(o: &Outcome, cwd: &Path) -> String {
    let mut out = String::new();
    for d in &o.diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let path = relative_path(cwd, &o.files[d.file].path);
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&path),
            d.location.row,
            d.location.column,
            d.end_location.row,
            d.end_location.column,
            escape_property(&format!("advise ({})", d.code)),
            escape_data(&d.message)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
