//! The fixture harness: every directory under `fixtures/` is analysed as one
//! project by the real binary, and every file must yield exactly the
//! diagnostics its `# expect: CODE[, CODE]` comments declare, on those lines.
//!
//! Each directory runs with `--select ALL`; a directory named after a rule
//! also selects that code exactly, so a rule that is off by default (GIL204)
//! is exercised in its own directory and stays silent in the others.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            python_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "py" || e == "pyi") {
            out.push(p);
        }
    }
}

/// (file, line, code) triples declared by `# expect:` comments.
fn expected(dir: &Path) -> BTreeSet<(String, u32, String)> {
    let mut files = Vec::new();
    python_files(dir, &mut files);
    let mut out = BTreeSet::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            if let Some(pos) = line.find("# expect:") {
                for code in line[pos + "# expect:".len()..].split(',') {
                    let code = code.split_whitespace().next().unwrap_or("");
                    if !code.is_empty() {
                        out.insert((f.display().to_string(), i as u32 + 1, code.to_string()));
                    }
                }
            }
        }
    }
    out
}

fn actual(dir: &Path) -> BTreeSet<(String, u32, String)> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let select = if name.starts_with("GIL") {
        format!("ALL,{name}")
    } else {
        "ALL".to_string()
    };
    let output = Command::new(env!("CARGO_BIN_EXE_advise"))
        .args(["--format", "json", "--select", &select])
        .arg(dir)
        .output()
        .expect("run advise");
    let code = output.status.code();
    assert!(
        code == Some(0) || code == Some(1),
        "advise exited with {code:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json output");
    let mut out = BTreeSet::new();
    for d in v["diagnostics"].as_array().unwrap() {
        out.insert((
            d["filename"].as_str().unwrap().to_string(),
            d["location"]["row"].as_u64().unwrap() as u32,
            d["code"].as_str().unwrap().to_string(),
        ));
    }
    out
}

#[test]
fn every_fixture_yields_exactly_what_it_declares() {
    let root = Path::new("fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 6,
        "expected fixture directories, found {dirs:?}"
    );
    let mut problems = Vec::new();
    let mut total = 0;
    for dir in &dirs {
        let exp = expected(dir);
        let act = actual(dir);
        total += exp.len();
        for (f, l, c) in exp.difference(&act) {
            problems.push(format!("missing  {c} at {f}:{l}"));
        }
        for (f, l, c) in act.difference(&exp) {
            problems.push(format!("unexpected {c} at {f}:{l}"));
        }
    }
    assert!(total > 0, "no expectations found");
    assert!(
        problems.is_empty(),
        "{} fixture mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Each rule has positive cases (files named `pos_*`) and negative ones
/// (`neg_*`, which must declare nothing). The shared-state rules (GIL2xx)
/// need at least six positives each.
#[test]
fn every_rule_has_positive_and_negative_fixtures() {
    let rules = [
        ("GIL101", 4),
        ("GIL102", 4),
        ("GIL103", 4),
        ("GIL104", 4),
        ("GIL105", 4),
        ("GIL106", 4),
        ("GIL201", 6),
        ("GIL202", 6),
        ("GIL203", 6),
        ("GIL204", 6),
        ("GIL205", 6),
        ("GIL301", 4),
        ("GIL302", 4),
        ("GIL303", 4),
        ("GIL401", 4),
        ("GIL402", 4),
    ];
    for (code, min) in rules {
        let dir = Path::new("fixtures").join(code);
        let mut files = Vec::new();
        python_files(&dir, &mut files);
        let exp = expected(&dir);
        let positives = exp.iter().filter(|(_, _, c)| c == code).count();
        assert!(positives >= min, "{code}: only {positives} positive cases");
        let negs: Vec<_> = files
            .iter()
            .filter(|f| f.file_name().unwrap().to_string_lossy().starts_with("neg_"))
            .collect();
        assert!(!negs.is_empty(), "{code}: no negative fixture files");
        for n in negs {
            assert!(
                !exp.iter().any(|(f, _, _)| f == &n.display().to_string()),
                "{} is a negative fixture but declares expectations",
                n.display()
            );
        }
    }
}
