//! The default output, after ruff's `full` format, ending with a short
//! summary of the hot code for one-off runs.

use crate::analysis::project::Workload;
use crate::rulebook::Severity;
use crate::{Hotspot, Outcome};
use colored::{ColoredString, Colorize};
use std::fmt::Write;

pub(crate) fn sev_color(s: Severity, text: &str) -> ColoredString {
    match s {
        Severity::Error => text.red().bold(),
        Severity::Warning => text.yellow().bold(),
        Severity::Info => text.cyan().bold(),
    }
}

/// Control characters (a NUL in a broken file) would corrupt a terminal.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect()
}

/// Longest stretch of a source line shown around the reported column.
const WINDOW: usize = 120;

/// The source line to show (tabs widened, control characters replaced, a
/// long line cut to a window around the column), the blanks before the
/// caret, and the caret's width.
fn snippet(
    line: &str,
    start: crate::source::Location,
    end: crate::source::Location,
) -> (String, String, usize) {
    let chars: Vec<char> = line.chars().collect();
    let col = (start.column.saturating_sub(1) as usize).min(chars.len());
    let width = if end.row == start.row && end.column > start.column {
        (end.column - start.column) as usize
    } else {
        chars.len().saturating_sub(col).max(1)
    };
    let (from, to) = if chars.len() <= WINDOW {
        (0, chars.len())
    } else {
        let from = col.saturating_sub(WINDOW / 3);
        (from, (from + WINDOW).min(chars.len()))
    };
    let render = |c: char| match c {
        '\t' => "    ".to_string(),
        c if c.is_control() => char::REPLACEMENT_CHARACTER.to_string(),
        c => c.to_string(),
    };
    let mut shown = String::new();
    let mut lead = String::new();
    if from > 0 {
        shown.push('…');
        lead.push(' ');
    }
    for (i, &c) in chars[from..to].iter().enumerate() {
        shown.push_str(&render(c));
        if from + i < col {
            lead.push_str(if c == '\t' { "    " } else { " " });
        }
    }
    if to < chars.len() {
        shown.push('…');
    }
    let width = width.min(to.saturating_sub(col).max(1));
    (shown, lead, width)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

pub fn render(o: &Outcome, summary: bool) -> String {
    let mut out = String::new();
    if let Some(r) = &o.profile {
        out.push_str(&crate::profile::text::ranked(o, r));
    }
    for d in &o.diagnostics {
        let file = &o.files[d.file];
        let _ = writeln!(
            out,
            "{} {} {}",
            sev_color(d.severity, &d.code),
            format!("[{}]", d.name).dimmed(),
            printable(&d.message).bold()
        );
        let path = file.path.display().to_string();
        let line = file.lines.line_text(&file.text, d.location.row);
        let gutter = d.location.row.to_string().len();
        let pad = " ".repeat(gutter);
        let _ = writeln!(
            out,
            "{pad}{} {}:{}:{}",
            "-->".blue().bold(),
            path,
            d.location.row,
            d.location.column
        );
        if !line.is_empty() || d.location.row <= file.line_count {
            let bar = "|".blue().bold();
            let _ = writeln!(out, "{pad} {bar}");
            let (shown, lead, width) = snippet(line, d.location, d.end_location);
            let _ = writeln!(
                out,
                "{} {bar} {}",
                d.location.row.to_string().blue().bold(),
                shown
            );
            let _ = writeln!(
                out,
                "{pad} {bar} {}{}",
                lead,
                sev_color(d.severity, &"^".repeat(width))
            );
            let _ = writeln!(out, "{pad} {bar}");
        }
        if !d.help.is_empty() {
            let _ = writeln!(out, "{} {}", "help:".cyan().bold(), d.help);
        }
        out.push('\n');
    }
    out.push_str(&footer(o));
    if summary {
        render_summary(o, &mut out);
    }
    out
}

/// `All checks passed!` or `Found 3 diagnostics (1 error, 2 warnings).`
pub fn footer(o: &Outcome) -> String {
    let mut out = String::new();
    let n = o.diagnostics.len();
    if n == 0 {
        let _ = writeln!(out, "{}", "All checks passed!".green().bold());
    } else {
        let mut parts = Vec::new();
        for (s, w) in [
            (Severity::Error, "error"),
            (Severity::Warning, "warning"),
            (Severity::Info, "info"),
        ] {
            let c = o.count(s);
            if c > 0 {
                parts.push(if w == "info" {
                    format!("{c} info")
                } else {
                    plural(c, w)
                });
            }
        }
        let _ = writeln!(
            out,
            "Found {} ({}).",
            plural(n, "diagnostic"),
            parts.join(", ")
        );
    }
    render_target(o, &mut out);
    out
}

/// Name the target when it is not the default (CPython with the GIL).
fn render_target(o: &Outcome, out: &mut String) {
    if o.target.info.kind == crate::rulebook::TargetKind::Gil {
        return;
    }
    let from = match (&o.target.pyproject, &o.target.reason) {
        (Some(p), Some(why)) => format!(" (from {}: {why})", p.display()),
        _ => " (--target)".to_string(),
    };
    let _ = writeln!(out, "Target: free-threaded CPython{from}");
}

/// Hot functions first: dispatched, then heavy, then the rest that is not
/// light; at most ten.
fn render_summary(o: &Outcome, out: &mut String) {
    let mut hot: Vec<&Hotspot> = o
        .hotspots
        .iter()
        .filter(|h| {
            h.workload != Workload::Light
                && (h.dispatched || h.heavy || h.contexts.iter().any(|c| c.as_str() == "async"))
        })
        .collect();
    if hot.is_empty() {
        return;
    }
    hot.sort_by_key(|h| (!h.dispatched, !h.heavy, h.file, h.line));
    let _ = writeln!(out, "\n{}", "Hot code:".bold());
    for h in hot.iter().take(10) {
        let file = o.files[h.file].path.display();
        let contexts: Vec<&str> = h.contexts.iter().map(|c| c.as_str()).collect();
        let _ = writeln!(
            out,
            "  {}:{} {}  {}  runs in: {}",
            file,
            h.line,
            format!("`{}`", h.function).bold(),
            workload_label(h.workload),
            contexts.join(", ")
        );
        match h.evidence.first() {
            // Measured evidence names its line itself.
            Some((_, "measured", detail)) => {
                let _ = writeln!(out, "      evidence: {detail}");
            }
            Some((l, kind, detail)) => {
                let _ = writeln!(out, "      evidence: {} (line {}, {})", detail, l.row, kind);
            }
            None => {}
        }
        let _ = writeln!(out, "      advice: {}", h.recommendation.as_str());
    }
    if hot.len() > 10 {
        let _ = writeln!(out, "  ... and {} more (see --format json)", hot.len() - 10);
    }
}

fn workload_label(w: Workload) -> ColoredString {
    match w {
        Workload::Cpu => "cpu".red().bold(),
        Workload::Io => "io".blue().bold(),
        Workload::Vector => "vector".green().bold(),
        Workload::Mixed => "mixed".magenta().bold(),
        Workload::Light => "light".normal(),
    }
}
