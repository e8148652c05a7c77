//! `--statistics`: how many diagnostics each rule reported, most first.

use crate::Outcome;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Serialize)]
struct Row<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    count: usize,
}

fn rows(o: &Outcome) -> Vec<Row<'_>> {
    let mut by_code: BTreeMap<&str, Row> = BTreeMap::new();
    for d in &o.diagnostics {
        by_code
            .entry(d.code.as_str())
            .or_insert(Row {
                code: &d.code,
                name: &d.name,
                severity: d.severity.as_str(),
                count: 0,
            })
            .count += 1;
    }
    let mut rows: Vec<Row> = by_code.into_values().collect();
    rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
    rows
}

/// `count<TAB>code<TAB>name` lines, as ruff prints them.
pub fn render_text(o: &Outcome) -> String {
    let rows = rows(o);
    let width = rows
        .iter()
        .map(|r| r.count.to_string().len())
        .max()
        .unwrap_or(1);
    let mut out = String::new();
    for r in &rows {
        let _ = writeln!(out, "{:>width$}\t{}\t{}", r.count, r.code, r.name);
    }
    out
}

/// A JSON array of `{code, name, severity, count}`.
pub fn render_json(o: &Outcome) -> String {
    let mut s = serde_json::to_string_pretty(&rows(o)).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}
