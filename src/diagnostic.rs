//! What the checks report.

use crate::rulebook::{Recommendation, Severity};
use std::fmt;

/// `file:line:col: message`, or `file: message` when the error concerns the
/// whole file (line 0): how every configuration-like error reads.
pub fn write_located(
    f: &mut fmt::Formatter<'_>,
    file: &str,
    line: u64,
    column: u64,
    message: &str,
) -> fmt::Result {
    if line > 0 {
        write!(f, "{file}:{line}:{column}: {message}")
    } else {
        write!(f, "{file}: {message}")
    }
}
use crate::source::Location;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub message: String,
    /// Index of the file in the run's file list.
    pub file: usize,
    pub location: Location,
    pub end_location: Location,
    /// Qualname of the enclosing function (`None` at module level).
    pub function: Option<String>,
    /// Qualname of the function the finding is about.
    pub subject: Option<String>,
    pub help: String,
    pub recommendation: Recommendation,
    pub fix_title: String,
}

impl Diagnostic {
    /// The order of output: path (by file index, files are sorted), row,
    /// column, code.
    pub fn sort_key(&self) -> (usize, Location, &str, &str) {
        (
            self.file,
            self.location,
            self.code.as_str(),
            self.message.as_str(),
        )
    }
}
