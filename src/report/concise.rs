//! `--output-format concise`: `path:row:col: CODE message`, one per line.

use super::text::{footer, sev_color};
use crate::Outcome;
use colored::Colorize;
use std::fmt::Write;

pub fn render(o: &Outcome) -> String {
    let mut out = String::new();
    for d in &o.diagnostics {
        let path = o.files[d.file].path.display().to_string();
        let _ = writeln!(
            out,
            "{}:{}:{}: {} {}",
            path.bold(),
            d.location.row,
            d.location.column,
            sev_color(d.severity, &d.code),
            d.message
        );
    }
    out.push_str(&footer(o));
    out
}
