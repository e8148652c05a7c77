//! Output formats, and the `--explain` / `--list-rules` texts.

pub mod concise;
pub mod github;
pub mod json;
pub mod sarif;
pub mod statistics;
pub mod text;

use crate::rulebook::Rulebook;
use std::path::Path;

/// A path for CI annotations: relative to `cwd` (with `/`) when below it,
/// else as given.
pub fn relative_path(cwd: &Path, path: &Path) -> String {
    let abs = crate::config::absolute(cwd, path);
    match abs.strip_prefix(cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() && path.as_os_str() != "-" => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        _ => path.display().to_string(),
    }
}

/// The doc of a rule, headed by its code, name and defaults.
pub fn explain(rb: &Rulebook, code: &str) -> Option<String> {
    let code = code.trim().to_ascii_uppercase();
    let rule = rb.rules.get(&code)?;
    let mut out = format!("# {} ({})\n\n", rule.name, rule.code);
    out.push_str(&format!(
        "Default severity: {}. {}\nRecommendation: {}.\n\n",
        rule.severity.as_str(),
        if rule.enabled {
            "Enabled by default."
        } else {
            "Disabled unless selected."
        },
        rule.recommendation.as_str()
    ));
    out.push_str(rule.doc.trim_end());
    out.push('\n');
    Some(out)
}

pub fn list_rules(rb: &Rulebook) -> String {
    let mut out = String::new();
    for r in rb.rules.values() {
        out.push_str(&format!(
            "{:<7} {:<24} {:<8} {}\n",
            r.code,
            r.name,
            r.severity.as_str(),
            if r.enabled {
                ""
            } else {
                "(disabled by default)"
            }
        ));
    }
    out
}
