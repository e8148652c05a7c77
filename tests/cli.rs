//! The real binary, run as a user would: every flag and every exit code.

mod common;

use common::{advise, advise_in, stderr, stdout, tmpdir, write, BLOCKING};
use std::path::Path;
use std::process::{Command, Output};

#[test]
fn exit_1_with_findings_and_0_when_clean() {
    let o = advise(&["fixtures/example"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("GIL101 [cpu-bound-in-threads]"));
    let o = advise(&["fixtures/GIL101/neg_io_threads.py"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("All checks passed!"));
}

#[test]
fn text_output_has_arrow_snippet_caret_help_and_summary() {
    let o = advise(&["--color", "never", "fixtures/example/pipeline.py"]);
    let s = stdout(&o);
    assert!(s.contains("--> fixtures/example/pipeline.py:66:24"), "{s}");
    assert!(s.contains("^^^^"), "{s}");
    assert!(s.contains("help: "), "{s}");
    assert!(s.contains("Hot code:"), "{s}");
    assert!(!s.contains("\u{1b}["), "no colour codes with --color never");
    let o = advise(&[
        "--color",
        "never",
        "--summary",
        "never",
        "fixtures/example/pipeline.py",
    ]);
    assert!(!stdout(&o).contains("Hot code:"));
}

#[test]
fn color_flag_and_no_color_env() {
    let o = advise(&["--color", "always", "fixtures/example"]);
    assert!(stdout(&o).contains("\u{1b}["), "--color always colours");
    // auto: not a TTY here, so no colour.
    let o = advise(&["fixtures/example"]);
    assert!(!stdout(&o).contains("\u{1b}["));
    let o = Command::new(env!("CARGO_BIN_EXE_advise"))
        .args(["--color", "auto", "fixtures/example"])
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("ADVISE_OUTPUT_FORMAT")
        .output()
        .unwrap();
    assert!(!stdout(&o).contains("\u{1b}["));
}

#[test]
fn json_output_has_the_documented_shape() {
    let o = advise(&["--format", "json", "fixtures/example"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["advise_version"], env!("CARGO_PKG_VERSION"));
    let d = &v["diagnostics"][0];
    for key in [
        "code",
        "name",
        "severity",
        "message",
        "filename",
        "location",
        "end_location",
        "function",
        "subject",
        "recommendation",
        "fix_title",
    ] {
        assert!(d.get(key).is_some(), "diagnostic lacks {key}: {d}");
    }
    assert!(d["location"]["row"].as_u64().unwrap() >= 1);
    let h = &v["hotspots"][0];
    for key in [
        "filename",
        "function",
        "line",
        "workload",
        "contexts",
        "evidence",
        "recommendation",
    ] {
        assert!(h.get(key).is_some(), "hotspot lacks {key}: {h}");
    }
    let names: Vec<&str> = v["hotspots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["function"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"index_page"), "{names:?}");
}

#[test]
fn select_and_ignore_take_codes_and_prefixes() {
    let codes = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["--format", "json"];
        a.extend_from_slice(args);
        a.push("fixtures/example");
        let o = advise(&a);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(codes(&["--select", "GIL101"]), ["GIL101"]);
    assert_eq!(
        codes(&["--select", "GIL10", "--ignore", "GIL104"]),
        ["GIL102", "GIL101"]
    );
    assert_eq!(codes(&["--ignore", "GIL1"]), Vec::<String>::new());
    assert_eq!(codes(&["--select", "GIL104,GIL102"]).len(), 2);
    // The most specific selector wins.
    assert_eq!(
        codes(&["--select", "GIL104", "--ignore", "GIL1"]),
        ["GIL104"]
    );
    let o = advise(&["--ignore", "GIL1", "fixtures/example"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn folklore_atomicity_runs_only_when_selected_by_its_code() {
    let codes = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["--format", "json"];
        a.extend_from_slice(args);
        a.push("fixtures/GIL204/pos_seed_table.py");
        let o = advise(&a);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let mut c: Vec<String> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect();
        c.dedup();
        c
    };
    // Off by default, and not turned on by a prefix or ALL.
    assert_eq!(codes(&[]), ["GIL201"]);
    assert_eq!(codes(&["--select", "GIL2"]), ["GIL201"]);
    assert_eq!(codes(&["--select", "ALL"]), ["GIL201"]);
    // Its exact code selects it; its severity is info.
    let o = advise(&[
        "--format",
        "json",
        "--select",
        "GIL204",
        "fixtures/GIL204/pos_seed_table.py",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let d = v["diagnostics"].as_array().unwrap();
    assert_eq!(d.len(), 3);
    assert!(d.iter().all(|d| d["severity"] == "info"));
    assert!(d.iter().all(|d| d["recommendation"] == "queue"));
}

#[test]
fn race_messages_name_the_variable_and_the_entry_points() {
    let o = advise(&["--format", "json", "fixtures/GIL201/pos_metrics.py"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "GIL201");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["recommendation"], "lock");
    assert_eq!(d["subject"], "REQUESTS");
    assert_eq!(d["function"], "fetch");
    let m = d["message"].as_str().unwrap();
    assert!(m.contains("`REQUESTS += 1`"), "{m}");
    assert!(m.contains("global `REQUESTS`"), "{m}");
    assert!(
        m.contains("`fetch` (many, via `ThreadPoolExecutor.map` at pos_metrics.py:31)"),
        "{m}"
    );
}

#[test]
fn unknown_selector_is_a_usage_error() {
    let o = advise(&["--select", "XYZ9", "fixtures/example"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("XYZ9"), "{}", stderr(&o));
}

#[test]
fn bad_flag_is_exit_2_and_help_is_exit_0() {
    let o = advise(&["--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
    let o = advise(&["--format", "xml", "fixtures/example"]);
    assert_eq!(o.status.code(), Some(2));
    let o = advise(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("--select"));
}

#[test]
fn version() {
    let o = advise(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o).trim(),
        format!("advise {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn explain_shows_the_four_headings_for_every_rule() {
    let o = advise(&["--list-rules"]);
    assert_eq!(o.status.code(), Some(0));
    let list = stdout(&o);
    for code in [
        "GIL000", "GIL002", "GIL101", "GIL102", "GIL103", "GIL104", "GIL105", "GIL106", "GIL201",
        "GIL202", "GIL203", "GIL204", "GIL205", "GIL301", "GIL302", "GIL303", "GIL401", "GIL402",
    ] {
        assert!(list.contains(code), "{list}");
        let o = advise(&["--explain", code]);
        assert_eq!(o.status.code(), Some(0));
        let s = stdout(&o);
        for h in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
        ] {
            assert!(s.contains(h), "{code} lacks {h}:\n{s}");
        }
    }
    assert!(stdout(&advise(&["--explain", "gil104"])).contains("blocking-io-in-async"));
    let o = advise(&["--explain", "GIL999"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("GIL999"));
}

#[test]
fn default_path_is_the_current_directory() {
    let o = Command::new(env!("CARGO_BIN_EXE_advise"))
        .args(["--format", "json"])
        .env_remove("ADVISE_OUTPUT_FORMAT")
        .current_dir("fixtures/example")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 3);
}

#[test]
fn walking_respects_gitignore_and_default_excludes_but_explicit_files_are_analysed() {
    let d = tmpdir("walk");
    let bad = "import time\nasync def f():\n    time.sleep(1)\n";
    for sub in ["pkg", ".venv/lib", "build", "node_modules", "ignored"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
        std::fs::write(d.join(sub).join("m.py"), bad).unwrap();
    }
    std::fs::write(d.join("stub.pyi"), bad).unwrap();
    std::fs::write(d.join("notes.txt"), bad).unwrap();
    std::fs::write(d.join(".gitignore"), "ignored/\n").unwrap();
    let o = advise(&["--format", "json", d.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut files: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            x["filename"]
                .as_str()
                .unwrap()
                .replace(d.to_str().unwrap(), "")
        })
        .collect();
    files.sort();
    assert_eq!(files, ["/pkg/m.py", "/stub.pyi"]);
    let explicit = d.join("build/m.py");
    let o = advise(&["--format", "json", explicit.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a file named explicitly is analysed even if excluded"
    );
}

#[test]
fn paths_walked_from_the_current_directory_read_as_ruff_prints_them() {
    let d = tmpdir("dotpaths");
    write(&d, &[("a.py", BLOCKING), ("pkg/b.py", BLOCKING)]);
    let names = |o: &Output| -> Vec<String> {
        let mut v: Vec<String> = diagnostics(o)
            .iter()
            .map(|d| d["filename"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let o = advise_in(&d, &["--output-format", "json", "."]);
    assert_eq!(names(&o), ["a.py", "pkg/b.py"], "{}", stdout(&o));
    let o = advise_in(&d, &["--output-format", "json", "./pkg"]);
    assert_eq!(names(&o), ["pkg/b.py"]);
    // A file reached both ways is analysed (and reported) once.
    let o = advise_in(&d, &["--output-format", "json", "./a.py", ".", "a.py"]);
    assert_eq!(names(&o), ["a.py", "pkg/b.py"]);
    let o = advise_in(&d, &["a.py"]);
    assert!(stdout(&o).contains("--> a.py:3:5"), "{}", stdout(&o));
}

#[test]
fn rules_file_layers_over_the_default() {
    let d = tmpdir("rules");
    let rules = d.join("rules.yaml");
    std::fs::write(
        &rules,
        "catalogue:\n  io:\n    - {pattern: mycorp.rpc.call, kind: network}\nrules:\n  GIL104:\n    severity: warning\n    message: \"slow {kind} call `{subject}` in `{coroutine}`\"\n  GIL101:\n    enabled: false\n",
    )
    .unwrap();
    std::fs::write(
        d.join("app.py"),
        "import mycorp.rpc\nasync def handler():\n    return mycorp.rpc.call('x')\n",
    )
    .unwrap();
    let o = advise(&[
        "--format",
        "json",
        "--rules",
        rules.to_str().unwrap(),
        d.join("app.py").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let diag = &v["diagnostics"][0];
    assert_eq!(diag["code"], "GIL104");
    assert_eq!(diag["severity"], "warning");
    assert_eq!(
        diag["message"],
        "slow network call `mycorp.rpc.call` in `handler`"
    );
    // Without the user file the call is unknown and nothing is reported.
    let o = advise(&["--format", "json", d.join("app.py").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    // A disabled rule stays off.
    let o = advise(&[
        "--format",
        "json",
        "--rules",
        rules.to_str().unwrap(),
        "fixtures/example",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["code"] != "GIL101"));
}

#[test]
fn malformed_rules_files_name_file_line_and_column() {
    let d = tmpdir("badrules");
    let cases: &[(&str, &str, &str)] = &[
        ("syntax", "catalogue:\n  io: [\n", ":2:"),
        ("wrong-type", "settings:\n  heavy_trip_count: lots\n", ":2:"),
        ("unknown-key", "catalogue:\n  iox: []\n", ":2:"),
        (
            "bad-pattern",
            "catalogue:\n  io:\n    - {pattern: \"a.*.b\", kind: network}\n",
            ":3:",
        ),
        (
            "bad-kind",
            "catalogue:\n  io:\n    - {pattern: a.b, kind: teleport}\n",
            ":3:",
        ),
        (
            "unknown-code",
            "rules:\n  GIL999:\n    severity: error\n",
            ":2:",
        ),
        (
            "bad-severity",
            "rules:\n  GIL101:\n    severity: fatal\n",
            ":3:",
        ),
        (
            "bad-placeholder",
            "rules:\n  GIL101:\n    message: \"{nope}\"\n",
            ":3:",
        ),
        ("rename", "rules:\n  GIL101:\n    name: other-name\n", ":3:"),
        ("bad-version", "version: 7\n", ":1:"),
    ];
    for (name, text, pos) in cases {
        let f = d.join(format!("{name}.yaml"));
        std::fs::write(&f, text).unwrap();
        let o = advise(&["--rules", f.to_str().unwrap(), "fixtures/example"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(&format!("{}{}", f.display(), pos)),
            "{name}: expected `{}{pos}` in: {err}",
            f.display()
        );
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
    let o = advise(&["--rules", "/no/such/rules.yaml", "fixtures/example"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/no/such/rules.yaml"));
}

#[test]
fn bad_files_get_a_diagnostic_and_the_rest_is_still_analysed() {
    let d = tmpdir("bad");
    std::fs::write(d.join("broken.py"), "def f(:\n    pass\n").unwrap();
    std::fs::write(d.join("latin1.py"), b"x = '\xe9'\n").unwrap();
    std::fs::write(
        d.join("good.py"),
        "import time\nasync def f():\n    time.sleep(1)\n",
    )
    .unwrap();
    // A PEP 263 Latin-1 cookie is honoured; an encoding advise cannot decode
    // is named in the diagnostic.
    std::fs::write(
        d.join("cookie.py"),
        b"# -*- coding: latin-1 -*-\nimport time\nasync def g():\n    s = '\xe9'\n    time.sleep(1)\n",
    )
    .unwrap();
    std::fs::write(d.join("koi8.py"), b"# coding: koi8-r\nx = '\xc1'\n").unwrap();
    let missing = d.join("missing.py");
    let o = advise(&[
        "--format",
        "json",
        d.to_str().unwrap(),
        missing.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let got: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let f = x["filename"].as_str().unwrap();
            (
                Path::new(f)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                x["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        got.contains(&("broken.py".into(), "GIL000".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("latin1.py".into(), "GIL000".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("good.py".into(), "GIL104".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("missing.py".into(), "GIL002".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("cookie.py".into(), "GIL104".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("koi8.py".into(), "GIL000".into())),
        "{got:?}"
    );
    assert!(stdout(&o).contains("koi8-r"), "{}", stdout(&o));
}

#[test]
fn output_is_deterministic_across_thread_counts() {
    let a = advise(&["--format", "json", "fixtures"]);
    let b = advise(&["--format", "json", "--threads", "1", "fixtures"]);
    let c = advise(&["--format", "json", "--threads", "2", "fixtures"]);
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(a.stdout, c.stdout);
}

fn diagnostics(o: &Output) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    v["diagnostics"].as_array().unwrap().clone()
}

#[test]
fn target_auto_reads_the_nearest_pyproject() {
    // fixtures/free_threaded/pyproject.toml declares "Free Threading :: 3 - Stable".
    let o = advise(&["--format", "json", "fixtures/free_threaded/tiles.py"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let ds = diagnostics(&o);
    let gil101 = ds.iter().find(|d| d["code"] == "GIL101").unwrap();
    assert_eq!(gil101["severity"], "info");
    assert_eq!(gil101["recommendation"], "free-threading");
    assert!(gil101["message"]
        .as_str()
        .unwrap()
        .contains("single-thread cost of about 40% on 3.13t"));
    let gil201 = ds.iter().find(|d| d["code"] == "GIL201").unwrap();
    assert_eq!(gil201["severity"], "error");
    assert!(gil201["message"]
        .as_str()
        .unwrap()
        .contains("no GIL to narrow the window"));
    // GIL204 is on for this target without being selected.
    assert!(ds.iter().any(|d| d["code"] == "GIL204"));

    // An explicit --target wins over the pyproject.
    let o = advise(&[
        "--format",
        "json",
        "--target",
        "gil",
        "fixtures/free_threaded/tiles.py",
    ]);
    let ds = diagnostics(&o);
    let gil101 = ds.iter().find(|d| d["code"] == "GIL101").unwrap();
    assert_eq!(gil101["severity"], "warning");
    assert!(!ds.iter().any(|d| d["code"] == "GIL204"));
    assert!(ds
        .iter()
        .filter(|d| d["code"] == "GIL201")
        .all(|d| d["message"].as_str().unwrap().contains("a thread switch")));

    // The text output names the target and where it came from.
    let o = advise(&["--color", "never", "fixtures/free_threaded"]);
    assert!(
        stdout(&o).contains("Target: free-threaded CPython"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn target_free_threaded_flag_and_python_314_advice() {
    let o = advise(&[
        "--format",
        "json",
        "--target",
        "free-threaded",
        "fixtures/example/pipeline.py",
    ]);
    let ds = diagnostics(&o);
    let gil101 = ds.iter().find(|d| d["code"] == "GIL101").unwrap();
    assert_eq!(gil101["severity"], "info");

    // requires-python admits 3.14: a top-level function gets the
    // InterpreterPoolExecutor alternative, a lambda does not.
    let o = advise(&["--format", "json", "fixtures/py314"]);
    let ds = diagnostics(&o);
    assert_eq!(ds.iter().filter(|d| d["code"] == "GIL101").count(), 2);
    let o = advise(&["--color", "never", "--summary", "never", "fixtures/py314"]);
    let text = stdout(&o);
    assert_eq!(text.matches("InterpreterPoolExecutor").count(), 1, "{text}");

    // Without a pyproject nothing admits 3.14.
    let d = tmpdir("no-pyproject");
    std::fs::copy("fixtures/py314/stats.py", d.join("stats.py")).unwrap();
    let o = advise(&["--color", "never", d.to_str().unwrap()]);
    assert!(!stdout(&o).contains("InterpreterPoolExecutor"));

    let o = advise(&["--target", "nogil", "fixtures/example"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn malformed_overrides_are_rejected_with_their_position() {
    let d = tmpdir("badoverrides");
    let cases: &[(&str, &str, &str)] = &[
        (
            "fact",
            "rules:\n  GIL101:\n    overrides:\n      - when: {facts: [derived]}\n        severity: info\n",
            "has no fact `derived`",
        ),
        (
            "python",
            "rules:\n  GIL101:\n    overrides:\n      - when: {python: \"three\"}\n        severity: info\n",
            "is not a Python release",
        ),
        (
            "target",
            "rules:\n  GIL101:\n    overrides:\n      - when: {target: pypy}\n        severity: info\n",
            ":4:",
        ),
        (
            "construct",
            "jit:\n  unsupported_constructs:\n    - {construct: goto, what: x}\n",
            "unknown construct `goto`",
        ),
    ];
    for (name, text, want) in cases {
        let f = d.join(format!("{name}.yaml"));
        std::fs::write(&f, text).unwrap();
        let o = advise(&["--rules", f.to_str().unwrap(), "fixtures/example"]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        assert!(stderr(&o).contains(want), "{name}: {}", stderr(&o));
    }
    // A user override applies on its target only.
    let f = d.join("ok.yaml");
    std::fs::write(
        &f,
        "rules:\n  GIL105:\n    overrides:\n      - when: {target: free-threaded}\n        severity: error\n",
    )
    .unwrap();
    for (target, sev) in [("gil", "warning"), ("free-threaded", "error")] {
        let o = advise(&[
            "--format",
            "json",
            "--target",
            target,
            "--rules",
            f.to_str().unwrap(),
            "fixtures/GIL105",
        ]);
        let ds = diagnostics(&o);
        assert!(ds
            .iter()
            .filter(|d| d["code"] == "GIL105")
            .all(|d| d["severity"] == sev));
    }
}

/// Two scripts named `tool.py` in two directories: each resolves `work()`
/// through its own functions, whatever another file resolved the same name
/// to (`main.py` reaches `tool.work` as a library name, since two modules
/// share it). Only the CPU-bound one is reported.
#[test]
fn a_name_resolves_in_its_own_file_when_two_modules_share_a_name() {
    let d = tmpdir("same-module-name");
    let tool = |work: &str| {
        format!(
            "import time\nfrom concurrent.futures import ThreadPoolExecutor\n\n\n{work}\n\n\ndef run():\n    work()\n\n\nwith ThreadPoolExecutor() as pool:\n    pool.submit(run)\n"
        )
    };
    let cpu = tool("def work():\n    total = 0\n    for i in range(10_000_000):\n        total += i * i\n    return total");
    let io = tool("def work():\n    time.sleep(1)");
    write(
        &d,
        &[
            ("a/main.py", "import tool\n\n\ndef go():\n    tool.work()\n"),
            ("a/tool.py", &cpu),
            ("b/tool.py", &io),
        ],
    );
    for threads in ["1", "2"] {
        let o = advise_in(&d, &["--format", "json", "--threads", threads, "."]);
        let found: Vec<_> = diagnostics(&o)
            .iter()
            .filter(|d| d["code"] == "GIL101")
            .map(|d| (d["filename"].clone(), d["location"]["row"].clone()))
            .collect();
        assert_eq!(found, [("a/tool.py".into(), 17.into())], "{}", stdout(&o));
    }
}

#[test]
fn files_sharing_a_module_name_each_call_their_own_functions() {
    // Two scripts named alike (module `jobs` twice: no package around
    // them) define `work` differently. Each call of `work` goes to its own
    // file's function, not to the other's.
    let d = tmpdir("same-module-name");
    let io = "\
import time
from concurrent.futures import ThreadPoolExecutor


def work(n):
    time.sleep(n)


def main():
    with ThreadPoolExecutor() as pool:
        return list(pool.map(work, [1, 2]))
";
    let cpu = io.replace(
        "    time.sleep(n)\n",
        "    total = 0\n    for i in range(n):\n        for j in range(n):\n            total += i * j\n    return total\n",
    );
    // The first file by path does I/O; the CPU-bound one comes after it.
    write(&d, &[("a/jobs.py", io), ("b/jobs.py", &cpu)]);
    let o = advise_in(&d, &["--output-format", "json", "--select", "GIL101", "."]);
    assert_eq!(
        common::diagnostics(&o),
        [("b/jobs.py".to_string(), 15, "GIL101".to_string())],
        "{}",
        stderr(&o)
    );
    // Either way round.
    write(&d, &[("a/jobs.py", &cpu), ("b/jobs.py", io)]);
    let o = advise_in(&d, &["--output-format", "json", "--select", "GIL101", "."]);
    assert_eq!(
        common::diagnostics(&o),
        [("a/jobs.py".to_string(), 15, "GIL101".to_string())]
    );
}
