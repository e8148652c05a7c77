//! Snapshots of the text and JSON output of a few fixtures, as a user sees
//! them. Review changes with `cargo insta review` (or by reading the
//! `.snap.new` files) before accepting them.

use std::process::Command;

fn run(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_advise"))
        .args(args)
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
