//! Output formats, `--statistics`, `--output-file`, the environment
//! defaults and the exit codes, through the real binary. SARIF is checked
//! against the official SARIF 2.1.0 JSON schema (tests/data).

mod common;

use common::*;
use serde_json::Value;

fn sarif_validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).expect("schema");
    // Formats (`uri`, `uri-reference`) are asserted too. (jsonschema 0.30:
    // newer releases check the schema's own regexes strictly as ECMA-262 and
    // reject the official schema's `run.language` pattern.)
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn schema_errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn sarif_is_valid_sarif_2_1_0_with_rules_and_relative_locations() {
    let validator = sarif_validator();
    // Every kind of location: analysed files, a file that does not parse,
    // a path that does not exist, and a file outside the current directory.
    let d = tmpdir("sarif");
    write(
        &d,
        &[
            ("proj/app dir/a.py", BLOCKING),
            ("proj/broken.py", "def f(:\n"),
            ("outside.py", BLOCKING),
        ],
    );
    let o = advise_in(
        &d.join("proj"),
        &[
            "--output-format",
            "sarif",
            ".",
            "missing.py",
            "../outside.py",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let errors = schema_errors(&validator, &doc);
    assert!(errors.is_empty(), "schema violations: {errors:#?}");

    let run = &doc["runs"][0];
    assert_eq!(doc["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "advise");
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with("/proj/"),
        "{base}"
    );
    let uris: Vec<(&str, Option<&str>)> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let a = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            (a["uri"].as_str().unwrap(), a["uriBaseId"].as_str())
        })
        .collect();
    assert!(
        uris.contains(&("app%20dir/a.py", Some("%SRCROOT%"))),
        "{uris:?}"
    );
    assert!(uris.contains(&("broken.py", Some("%SRCROOT%"))), "{uris:?}");
    assert!(
        uris.contains(&("missing.py", Some("%SRCROOT%"))),
        "{uris:?}"
    );
    assert!(
        uris.iter()
            .any(|(u, b)| u.starts_with("file:///") && u.ends_with("/outside.py") && b.is_none()),
        "{uris:?}"
    );
    // Levels and regions.
    let r = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "GIL104")
        .unwrap();
    assert_eq!(r["level"], "error");
    let region = &r["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 3);
    assert_eq!(region["startColumn"], 5);
    assert_eq!(region["endLine"], 3);
    assert_eq!(region["endColumn"], 18);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let index = r["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], "GIL104");
}

#[test]
fn sarif_rules_carry_each_rules_full_documentation() {
    let o = advise(&["--output-format", "sarif", "fixtures/example"]);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let list = stdout(&advise(&["--list-rules"]));
    assert_eq!(rules.len(), list.lines().count(), "every rule is listed");
    for rule in rules {
        let code = rule["id"].as_str().unwrap();
        let explain = stdout(&advise(&["--explain", code]));
        let markdown = rule["help"]["markdown"].as_str().unwrap();
        assert!(markdown.starts_with("## What it does"), "{code}");
        assert!(
            explain.contains(markdown),
            "{code}: help.markdown is not the rule's doc"
        );
        assert_eq!(rule["help"]["text"], rule["help"]["markdown"]);
        let short = rule["shortDescription"]["text"].as_str().unwrap();
        assert!(
            short.ends_with('.') && short.len() > 10 && !short.contains('\n'),
            "{code}: {short}"
        );
        assert!(rule["fullDescription"]["text"].as_str().unwrap().len() >= short.len());
        assert!(rule["name"].as_str().unwrap().contains('-'));
    }
    let gil001 = rules.iter().find(|r| r["id"] == "GIL001").unwrap();
    assert_eq!(gil001["defaultConfiguration"]["enabled"], false);
    assert_eq!(gil001["defaultConfiguration"]["level"], "note");
}

#[test]
fn the_schema_check_rejects_broken_sarif() {
    // The validator is not vacuous: a result without a message, and a
    // region starting at line 0, are caught.
    let validator = sarif_validator();
    let o = advise(&["--output-format", "sarif", "fixtures/example"]);
    let good: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(schema_errors(&validator, &good).is_empty());
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!schema_errors(&validator, &bad).is_empty());
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!schema_errors(&validator, &bad).is_empty());
    // Formats are asserted: a base URI must be an absolute URI.
    let mut bad = good;
    bad["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "not a uri".into();
    assert!(!schema_errors(&validator, &bad).is_empty());
}

#[test]
fn sarif_of_a_clean_run_is_valid_and_has_no_results() {
    let o = advise(&[
        "--output-format",
        "sarif",
        "fixtures/GIL101/neg_io_threads.py",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(schema_errors(&sarif_validator(), &doc).is_empty());
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 0);
}

#[test]
fn github_annotations_per_severity_with_escaping() {
    let d = tmpdir("github");
    write(
        &d,
        &[
            ("a,b.py", BLOCKING),
            ("m.py", CPU_IN_THREADS),
            ("n.py", "x = 1  # noqa: GIL104\n"),
        ],
    );
    let o = advise_in(
        &d,
        &[
            "--output-format",
            "github",
            "--extend-select",
            "GIL001",
            // The snippet's loop also earns GIL401 (info); this test is
            // about the three severities' annotations.
            "--ignore",
            "GIL401",
            "a,b.py",
            "m.py",
            "n.py",
        ],
    );
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(
        lines[0],
        "::error file=a%2Cb.py,line=3,col=5,endLine=3,endColumn=18,title=advise (GIL104)::Blocking sleep call in coroutine `f`: `time.sleep` stalls every task on the event loop"
    );
    assert!(
        lines[1].starts_with("::warning file=m.py,line=14,col=21,endLine=14,endColumn="),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains(",title=advise (GIL101)::`crunch` is CPU-bound"));
    assert!(
        lines[2].starts_with("::notice file=n.py,line=1,col=8,"),
        "{}",
        lines[2]
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn json_lines_has_one_diagnostic_object_per_line() {
    let o = advise(&["--output-format", "json-lines", "fixtures/example"]);
    assert_eq!(o.status.code(), Some(1));
    let full = advise(&["--output-format", "json", "fixtures/example"]);
    let full: Value = serde_json::from_slice(&full.stdout).unwrap();
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(&Value::Array(lines), &full["diagnostics"]);
}

#[test]
fn concise_is_one_line_per_diagnostic() {
    let o = advise(&["--output-format", "concise", "fixtures/example"]);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].starts_with("fixtures/example/pipeline.py:54:13: GIL104 Blocking disk call"));
    assert_eq!(lines[3], "Found 3 diagnostics (1 error, 2 warnings).");
    let o = advise(&[
        "--output-format",
        "concise",
        "fixtures/GIL101/neg_io_threads.py",
    ]);
    assert_eq!(stdout(&o), "All checks passed!\n");
}

#[test]
fn format_is_an_alias_and_text_means_full() {
    let full = advise(&["--output-format", "full", "fixtures/example"]);
    let text = advise(&["--format", "text", "fixtures/example"]);
    assert_eq!(full.stdout, text.stdout);
    assert!(stdout(&full).contains("-->"));
    let json = advise(&["--format", "json", "fixtures/example"]);
    assert!(serde_json::from_slice::<Value>(&json.stdout).is_ok());
    let o = advise(&["--output-format", "xml", "fixtures/example"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn statistics_count_per_rule_in_text_and_json() {
    let d = tmpdir("stats");
    write(
        &d,
        &[
            ("a.py", BLOCKING),
            ("b.py", BLOCKING),
            ("m.py", CPU_IN_THREADS),
        ],
    );
    let o = advise_in(&d, &["--statistics"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        "2\tGIL104\tblocking-io-in-async\n1\tGIL101\tcpu-bound-in-threads\n1\tGIL401\tnumeric-loop-jit\n"
    );
    let o = advise_in(
        &d,
        &[
            "--statistics",
            "--output-format",
            "json",
            "--ignore",
            "GIL401",
        ],
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!([
            {"code": "GIL104", "name": "blocking-io-in-async", "severity": "error", "count": 2},
            {"code": "GIL101", "name": "cpu-bound-in-threads", "severity": "warning", "count": 1},
        ])
    );
    let o = advise(&["--statistics", "fixtures/GIL101/neg_io_threads.py"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "");
}

#[test]
fn output_file_gets_the_output_without_colour() {
    let d = tmpdir("outfile");
    let target = d.join("reports/deep/advise.sarif");
    let o = advise(&[
        "--output-format",
        "sarif",
        "--output-file",
        target.to_str().unwrap(),
        "fixtures/example",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
    let written: Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(written["runs"][0]["results"].as_array().unwrap().len(), 3);
    let txt = d.join("out.txt");
    let o = advise(&[
        "--color",
        "always",
        "-o",
        txt.to_str().unwrap(),
        "fixtures/example",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let text = std::fs::read_to_string(&txt).unwrap();
    assert!(text.contains("GIL101 [cpu-bound-in-threads]"));
    assert!(!text.contains('\u{1b}'), "no colour codes in a file");
    // A path that cannot be written is an error.
    let o = advise(&["-o", "/proc/advise/nope.txt", "fixtures/example"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/proc/advise"), "{}", stderr(&o));
}

#[test]
fn environment_defaults_and_the_flag_beats_them() {
    let run = |env: &[(&str, &str)], args: &[&str]| {
        let mut c = command();
        for (k, v) in env {
            c.env(k, v);
        }
        c.args(args).arg("fixtures/example").output().unwrap()
    };
    let o = run(&[("ADVISE_OUTPUT_FORMAT", "concise")], &[]);
    assert!(stdout(&o).starts_with("fixtures/example/pipeline.py:54:13: GIL104"));
    let o = run(&[("GITHUB_ACTIONS", "true")], &[]);
    assert!(stdout(&o).starts_with("::error file=fixtures/example/pipeline.py"));
    let o = run(&[("GITHUB_ACTIONS", "false")], &[]);
    assert!(stdout(&o).contains("-->"));
    // The environment variable beats GITHUB_ACTIONS, the flag beats both.
    let o = run(
        &[
            ("GITHUB_ACTIONS", "true"),
            ("ADVISE_OUTPUT_FORMAT", "json-lines"),
        ],
        &[],
    );
    assert!(stdout(&o).starts_with("{\"code\":"));
    let o = run(
        &[
            ("GITHUB_ACTIONS", "true"),
            ("ADVISE_OUTPUT_FORMAT", "json-lines"),
        ],
        &["--output-format", "concise"],
    );
    assert!(stdout(&o).starts_with("fixtures/example/pipeline.py:54:13: GIL104"));
    let o = run(&[("ADVISE_OUTPUT_FORMAT", "yaml")], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("yaml"));
}

#[test]
fn exit_zero_and_fail_on() {
    let o = advise(&["--exit-zero", "fixtures/example"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("GIL104"), "still reported");
    let o = advise(&["-e", "--select", "NOPE", "fixtures/example"]);
    assert_eq!(o.status.code(), Some(2), "errors stay errors");
    // fixtures/example has one error (GIL104) and two warnings.
    let o = advise(&[
        "--fail-on",
        "error",
        "--ignore",
        "GIL104",
        "fixtures/example",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("GIL101"));
    let o = advise(&["--fail-on", "error", "fixtures/example"]);
    assert_eq!(o.status.code(), Some(1));
    let o = advise(&[
        "--fail-on",
        "warning",
        "--select",
        "GIL101",
        "fixtures/example",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let o = advise(&["--fail-on", "info", "fixtures/GIL101/neg_io_threads.py"]);
    assert_eq!(o.status.code(), Some(0));
}
