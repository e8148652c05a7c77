//! Rule selection: `select`, `extend-select` and `ignore` from each
//! configuration layer (the `extend` chain of config files, then the command
//! line), each a list of codes or prefixes (`GIL1`, `GIL104`, `ALL`).

use crate::rulebook::{Rulebook, KNOWN_RULES};

/// Codes that are always known (file-level problems) besides the rules.
pub const META_CODES: &[&str] = &["GIL000", "GIL002", "GIL003"];

/// One layer of selectors: a config file of the `extend` chain, or the
/// command line. A layer with `select` starts afresh; one without it adjusts
/// what the layers before it chose.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layer {
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Layer {
    pub fn is_empty(&self) -> bool {
        self.select.is_none() && self.extend_select.is_empty() && self.ignore.is_empty()
    }
}

/// The layers in order of precedence (last wins), plus the per-file ignores
/// that apply to one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub layers: Vec<Layer>,
    /// Codes or prefixes switched off whatever the layers say
    /// (`per-file-ignores`).
    pub file_ignores: Vec<String>,
}

fn all_codes() -> impl Iterator<Item = &'static str> {
    KNOWN_RULES
        .iter()
        .map(|(c, _, _)| *c)
        .chain(META_CODES.iter().copied())
}

/// Check that a selector names at least one code; the error explains why not.
pub fn validate(sel: &str) -> Result<(), String> {
    if sel == "ALL" || (!sel.is_empty() && all_codes().any(|c| c.starts_with(sel))) {
        Ok(())
    } else {
        Err(format!("invalid rule code or prefix `{sel}`: no advise rule starts with it (see `advise --list-rules`)"))
    }
}

fn matches(sel: &str, code: &str) -> bool {
    sel == "ALL" || code.starts_with(sel)
}

fn specificity(sel: &str) -> usize {
    if sel == "ALL" {
        0
    } else {
        sel.len()
    }
}

impl Selection {
    /// Is `code` reported? Within a layer the most specific selector wins, as
    /// in ruff: `select = ["GIL1"], ignore = ["GIL104"]` keeps GIL101, and
    /// `select = ["GIL104"], ignore = ["GIL1"]` keeps GIL104; at equal
    /// specificity `ignore` wins. A rule disabled in the rulebook runs only
    /// when selected by its exact code.
    pub fn enabled(&self, rb: &Rulebook, code: &str) -> bool {
        let meta = META_CODES.contains(&code);
        let default_on = meta || rb.rules.get(code).is_none_or(|r| r.enabled);
        let mut on = default_on;
        for layer in &self.layers {
            let best_select = layer
                .select
                .iter()
                .flatten()
                .chain(layer.extend_select.iter())
                .filter(|s| matches(s, code) && (default_on || s.as_str() == code))
                .map(|s| specificity(s))
                .max();
            let best_ignore = layer
                .ignore
                .iter()
                .filter(|s| matches(s, code))
                .map(|s| specificity(s))
                .max();
            let verdict = match (best_select, best_ignore) {
                (Some(s), Some(i)) => Some(s > i),
                (Some(_), None) => Some(true),
                (None, Some(_)) => Some(false),
                (None, None) => None,
            };
            match (verdict, layer.select.is_some()) {
                (Some(v), _) => on = v,
                (None, true) => on = false,
                (None, false) => {}
            }
        }
        on && !self.file_ignores.iter().any(|s| matches(s, code))
    }
}
