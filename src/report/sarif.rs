//! `--output-format sarif`: SARIF 2.1.0, as GitHub code scanning uploads
//! it: every rule in `tool.driver.rules` with its documentation, every
//! result with a `physicalLocation` whose URI is relative to `%SRCROOT%`
//! (the current directory).

use crate::rulebook::{Rulebook, Severity};
use crate::{Outcome, VERSION};
use serde_json::{json, Value};
use std::path::{Component, Path};

pub const SCHEMA: &str =
    "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The `## What it does` section of a rule's doc.
fn what_it_does(doc: &str) -> String {
    let mut out = Vec::new();
    let mut inside = false;
    for line in doc.lines() {
        if line.starts_with("## ") {
            if inside {
                break;
            }
            inside = line.trim() == "## What it does";
            continue;
        }
        if inside {
            out.push(line);
        }
    }
    out.join("\n").trim().to_string()
}

/// The first sentence of the section.
fn first_sentence(text: &str) -> String {
    let mut words = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        words.extend(line.split_whitespace());
        if line.trim_end().ends_with(':') {
            break;
        }
    }
    let para = words.join(" ");
    let cut = para
        .find(". ")
        .map(|i| para[..=i].to_string())
        .unwrap_or(para);
    match cut.strip_suffix(':') {
        Some(s) => format!("{s}."),
        None => cut,
    }
}

/// Percent-encode a path segment for a URI.
fn encode_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn encode_path(p: &Path) -> String {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(encode_segment(&s.to_string_lossy())),
            Component::ParentDir => Some("..".to_string()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A `file://` URI of an absolute path, ending with `/` for a directory.
fn file_uri(abs: &Path, dir: bool) -> String {
    let mut s = format!("file:///{}", encode_path(abs));
    if dir && !s.ends_with('/') {
        s.push('/');
    }
    s
}

pub fn render(o: &Outcome, rb: &Rulebook, cwd: &Path) -> String {
    let rules: Vec<&crate::rulebook::RuleInfo> = rb.rules.values().collect();
    let driver_rules: Vec<Value> = rules
        .iter()
        .map(|r| {
            let what = what_it_does(r.doc);
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": first_sentence(&what)},
                "fullDescription": {"text": what},
                "help": {"text": r.doc.trim(), "markdown": r.doc.trim()},
                "defaultConfiguration": {"level": level(r.severity), "enabled": r.enabled},
                "properties": {"recommendation": r.recommendation.as_str()},
            })
        })
        .collect();
    let results: Vec<Value> = o
        .diagnostics
        .iter()
        .map(|d| {
            let path = &o.files[d.file].path;
            let abs = crate::config::absolute(cwd, path);
            let artifact = match abs.strip_prefix(cwd) {
                Ok(rel) if path.as_os_str() != "-" => {
                    json!({"uri": encode_path(rel), "uriBaseId": "%SRCROOT%"})
                }
                _ if path.as_os_str() == "-" => json!({"uri": "-"}),
                _ => json!({"uri": file_uri(&abs, false)}),
            };
            let index = rules.iter().position(|r| r.code == d.code);
            let mut result = json!({
                "ruleId": d.code,
                "level": level(d.severity),
                "message": {"text": d.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact,
                        "region": {
                            "startLine": d.location.row,
                            "startColumn": d.location.column,
                            "endLine": d.end_location.row,
                            "endColumn": d.end_location.column,
                        }
                    }
                }],
            });
            if let Some(i) = index {
                result["ruleIndex"] = json!(i);
            }
            result
        })
        .collect();
    let mut driver = json!({
        "name": "advise",
        "version": VERSION,
        "semanticVersion": VERSION,
        "rules": driver_rules,
    });
    let uri = env!("CARGO_PKG_REPOSITORY");
    if !uri.is_empty() {
        driver["informationUri"] = json!(uri);
    }
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": file_uri(cwd, true)}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(encode_path(Path::new("a b/c#d.py")), "a%20b/c%23d.py");
        assert_eq!(file_uri(Path::new("/w/p"), true), "file:///w/p/");
    }

    #[test]
    fn short_description_is_the_first_sentence() {
        let doc = "## What it does\nChecks for blocking calls inside\n`async def`. More.\n\n## Why is this bad?\nx";
        assert_eq!(
            first_sentence(&what_it_does(doc)),
            "Checks for blocking calls inside `async def`."
        );
        assert_eq!(
            first_sentence("Checks for things:\n- a"),
            "Checks for things."
        );
    }
}
