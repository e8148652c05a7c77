//! Text for profiled runs: the ranked table that leads the output, and the
//! unmapped samples `--verbose` lists on stderr.

use super::{percent, Format, ProfileReport, SourceReport};
use crate::{Hotspot, Outcome};
use colored::Colorize;
use std::fmt::Write;

/// Rows of the ranked table at most.
const MAX_ROWS: usize = 20;

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn source_line(s: &SourceReport) -> String {
    let size = match s.samples {
        Some(n) => format!("{} samples", thousands(n)),
        None => "timed lines".to_string(),
    };
    let idle = match (s.format, s.measures_waiting) {
        (Format::Speedscope, true) => ", idle threads included",
        (Format::Speedscope, false) => ", running threads only",
        _ => "",
    };
    let unmapped = 1.0 - s.mapped;
    let rest = if s.unmapped.is_empty() {
        String::new()
    } else {
        format!(", {} not mapped (--verbose lists it)", percent(unmapped))
    };
    format!(
        "{} ({}, {}{}): {} mapped to analysed code{}",
        s.path.display(),
        s.format.describe(),
        size,
        idle,
        percent(s.mapped),
        rest
    )
}

/// The table of measured hot spots, hottest first.
pub fn ranked(o: &Outcome, r: &ProfileReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", "Profile:".bold());
    for s in &r.sources {
        let _ = writeln!(out, "  {}", source_line(s));
    }
    let rows: Vec<&Hotspot> = o
        .hotspots
        .iter()
        .filter(|h| h.measured.as_ref().is_some_and(|m| m.share > 0.0))
        .collect();
    if rows.is_empty() {
        let _ = writeln!(out, "  no analysed function has samples\n");
        return out;
    }
    let _ = writeln!(out, "\n   share  static  measured  advice       function");
    for h in rows.iter().take(MAX_ROWS) {
        let Some(m) = &h.measured else { continue };
        let measured = match m.workload {
            Some(w) if m.corrected => format!("{}*", w.as_str()),
            Some(w) => w.as_str().to_string(),
            None => "-".to_string(),
        };
        let _ = writeln!(
            out,
            "  {:>6}  {:<7} {:<9} {:<12} {}:{} {}",
            percent(m.share),
            m.static_workload.as_str(),
            measured,
            h.recommendation.as_str(),
            o.files[h.file].path.display(),
            h.line,
            format!("`{}`", h.function).bold()
        );
    }
    if rows.len() > MAX_ROWS {
        let _ = writeln!(
            out,
            "  ... and {} more (see --format json)",
            rows.len() - MAX_ROWS
        );
    }
    if r.corrected > 0 {
        let _ = writeln!(
            out,
            "  * class corrected by the measurement (see the hotspot's evidence)"
        );
    }
    if r.quieted > 0 {
        let _ = writeln!(
            out,
            "  {} finding{} about cold code dropped one severity level",
            r.quieted,
            if r.quieted == 1 { "" } else { "s" }
        );
    }
    out.push('\n');
    out
}

/// What did not map, for `--verbose` (stderr).
pub fn unmapped(r: &ProfileReport) -> String {
    let mut out = String::new();
    for s in &r.sources {
        if s.unmapped.is_empty() {
            let _ = writeln!(
                out,
                "profile {}: all of it mapped to analysed code",
                s.path.display()
            );
            continue;
        }
        let _ = writeln!(
            out,
            "profile {}: {} not mapped to analysed code:",
            s.path.display(),
            percent(1.0 - s.mapped)
        );
        for u in &s.unmapped {
            let n = match u.samples {
                Some(1) => " (1 sample)".to_string(),
                Some(n) => format!(" ({} samples)", thousands(n)),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "  {:>6}{}  {}: {}",
                percent(u.share),
                n,
                u.reason,
                u.frame
            );
        }
    }
    out
}
