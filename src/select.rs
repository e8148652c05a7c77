//! `--select` and `--ignore`: codes or prefixes (`GIL1`, `GIL104`, `ALL`).

use crate::rulebook::{Rulebook, KNOWN_RULES};

/// Codes that are always known (file-level problems) besides the rules.
pub const META_CODES: &[&str] = &["GIL000", "GIL002", "GIL003"];

#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
}

fn all_codes() -> impl Iterator<Item = &'static str> {
    KNOWN_RULES
        .iter()
        .map(|(c, _, _)| *c)
        .chain(META_CODES.iter().copied())
}

/// Check that a selector names at least one code.
pub fn validate(sel: &str) -> Result<(), String> {
    if sel == "ALL" || all_codes().any(|c| c.starts_with(sel)) {
        Ok(())
    } else {
        Err(format!("invalid rule code or prefix `{sel}`: no advise rule starts with it (see `advise --list-rules`)"))
    }
}

fn matches(sel: &str, code: &str) -> bool {
    sel == "ALL" || code.starts_with(sel)
}

impl Selection {
    /// Is `code` reported? The most specific selector wins, as in ruff:
    /// `--select GIL1 --ignore GIL104` keeps GIL101; `--select GIL104
    /// --ignore GIL1` keeps GIL104. A rule disabled in the rulebook runs
    /// only when selected by its exact code.
    pub fn enabled(&self, rb: &Rulebook, code: &str) -> bool {
        let rule_enabled = rb.rules.get(code).is_none_or(|r| r.enabled);
        let best_select = match &self.select {
            Some(list) => list
                .iter()
                .filter(|s| matches(s, code))
                .map(|s| if s == "ALL" { 0 } else { s.len() })
                .max(),
            None => Some(0),
        };
        let best_ignore = self
            .ignore
            .iter()
            .filter(|s| matches(s, code))
            .map(|s| if s == "ALL" { 0 } else { s.len() })
            .max();
        let Some(sel) = best_select else { return false };
        if let Some(ign) = best_ignore {
            if ign >= sel {
                return false;
            }
        }
        if META_CODES.contains(&code) {
            return true;
        }
        rule_enabled || (sel == code.len())
    }
}
