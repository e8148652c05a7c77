//! Snapshots of the text and JSON output of a few fixtures, as a user sees
//! them. Review changes with `cargo insta review` (or by reading the
//! `.snap.new` files) before accepting them.

use std::process::Command;

fn run(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_advise"))
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("ADVISE_OUTPUT_FORMAT")
        .output()
        .expect("run advise");
    String::from_utf8(o.stdout).expect("utf-8 output")
}

#[test]
fn text_example_pipeline() {
    insta::assert_snapshot!(run(&["--color", "never", "fixtures/example/pipeline.py"]));
}

#[test]
fn text_gil104_through_helpers() {
    insta::assert_snapshot!(run(&[
        "--color",
        "never",
        "--summary",
        "never",
        "fixtures/GIL104"
    ]));
}

#[test]
fn text_gil105() {
    insta::assert_snapshot!(run(&[
        "--color",
        "never",
        "fixtures/GIL105/pos_handlers.py"
    ]));
}

#[test]
fn json_example_pipeline() {
    insta::assert_snapshot!(run(&["--format", "json", "fixtures/example/pipeline.py"]));
}

#[test]
fn json_gil103() {
    insta::assert_snapshot!(run(&["--format", "json", "fixtures/GIL103"]));
}

#[test]
fn concise_example() {
    insta::assert_snapshot!(run(&[
        "--output-format",
        "concise",
        "--color",
        "never",
        "fixtures/example"
    ]));
}

#[test]
fn github_example() {
    insta::assert_snapshot!(run(&["--output-format", "github", "fixtures/example"]));
}

#[test]
fn json_lines_example() {
    insta::assert_snapshot!(run(&["--output-format", "json-lines", "fixtures/example"]));
}

/// SARIF with the machine's directory and the rules' docs (checked in
/// tests/formats.rs) left out.
#[test]
fn sarif_example() {
    let out = run(&["--output-format", "sarif", "fixtures/example"]);
    let mut v: serde_json::Value = serde_json::from_str(&out).expect("SARIF is JSON");
    let run = &mut v["runs"][0];
    run["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "file:///[cwd]/".into();
    for rule in run["tool"]["driver"]["rules"].as_array_mut().unwrap() {
        let code = rule["id"].as_str().unwrap().to_string();
        rule["help"]["text"] = format!("[doc of {code}]").into();
        rule["help"]["markdown"] = format!("[doc of {code}]").into();
    }
    run["tool"]["driver"]["version"] = "[version]".into();
    run["tool"]["driver"]["semanticVersion"] = "[version]".into();
    insta::assert_snapshot!(serde_json::to_string_pretty(&v).unwrap());
}
