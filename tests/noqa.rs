//! Suppression comments through the real binary: `# noqa`, `# noqa: CODES`,
//! `# advise: noqa[: PREFIXES]`, and GIL001 for the ones that suppress
//! nothing.

mod common;

use common::*;

/// (row, code) of each diagnostic for one file's source.
fn run(name: &str, src: &str, extra: &[&str]) -> (Vec<(u64, String)>, String, Option<i32>) {
    let d = tmpdir(name);
    write(&d, &[("m.py", src)]);
    let mut args = vec!["--output-format", "json"];
    args.extend_from_slice(extra);
    args.push("m.py");
    let o = advise_in(&d, &args);
    let got = diagnostics(&o)
        .into_iter()
        .map(|(_, row, code)| (row, code))
        .collect();
    (got, stderr(&o), o.status.code())
}

fn g(row: u64, code: &str) -> (u64, String) {
    (row, code.to_string())
}

const HEAD: &str = "import time\n\n\nasync def f():\n";

#[test]
fn line_noqa_forms() {
    let src = format!(
        "{HEAD}    time.sleep(1)  # noqa: GIL104
    time.sleep(2)  # noqa
    time.sleep(3)  # NoQA:GIL105,GIL104
    time.sleep(4)  # noqa: GIL105
    time.sleep(5)  # noqa: E501
    time.sleep(6)  # type: ignore  # noqa: GIL104
    time.sleep(7)
    # noqa: GIL104
    time.sleep(9)  # noqa: GIL1
"
    );
    let (got, err, code) = run("lineforms", &src, &[]);
    // A code suppresses itself only, exactly (not as a prefix), and a noqa
    // on another line does nothing.
    assert_eq!(
        got,
        [
            g(8, "GIL104"),
            g(9, "GIL104"),
            g(11, "GIL104"),
            g(13, "GIL104")
        ],
        "{err}"
    );
    assert_eq!(code, Some(1));
}

#[test]
fn noqa_in_a_string_literal_does_not_count() {
    let src = format!(
        "{HEAD}    s = \"# noqa\"; time.sleep(1)
    t = '''
    # noqa: GIL104
    '''; time.sleep(2)
"
    );
    let (got, err, _) = run("string", &src, &[]);
    assert_eq!(got, [g(5, "GIL104"), g(8, "GIL104")], "{err}");
}

#[test]
fn file_level_noqa_and_prefixes() {
    let blocking_and_cpu = format!("{CPU_IN_THREADS}\n{HEAD}    time.sleep(1)\n");
    // The snippet's loop also earns GIL401 (info), which these cases
    // are not about.
    let skip = ["--ignore", "GIL401"];
    let (all, _, _) = run("filebase", &blocking_and_cpu, &skip);
    assert_eq!(all.len(), 2, "{all:?}");
    let (got, _, code) = run(
        "fileall",
        &format!("# advise: noqa\n{blocking_and_cpu}"),
        &skip,
    );
    assert_eq!(got, []);
    assert_eq!(code, Some(0));
    let (got, _, _) = run(
        "fileprefix",
        &format!("{blocking_and_cpu}\n# Advise: NOQA: GIL104\n"),
        &skip,
    );
    assert_eq!(
        got.iter().map(|(_, c)| c.as_str()).collect::<Vec<_>>(),
        ["GIL101"]
    );
    let (got, _, _) = run(
        "fileprefix2",
        &format!("# advise: noqa: GIL10\n{blocking_and_cpu}"),
        &skip,
    );
    assert_eq!(got, []);
    // Not on a line of its own: not a file-level directive.
    let (got, _, _) = run(
        "filetrailing",
        &format!("x = 1  # advise: noqa\n{blocking_and_cpu}"),
        &skip,
    );
    assert_eq!(got.len(), 2);
}

#[test]
fn syntax_errors_are_not_suppressible() {
    let (got, _, code) = run("syntax", "def f(:  # noqa\n    pass\n", &[]);
    assert!(got.iter().any(|(_, c)| c == "GIL000"), "{got:?}");
    assert_eq!(code, Some(1));
    let (got, _, _) = run("syntax2", "# advise: noqa\ndef f(:\n    pass\n", &[]);
    assert!(got.iter().any(|(_, c)| c == "GIL000"), "{got:?}");
}

#[test]
fn gil001_reports_suppressions_that_suppress_nothing() {
    let src = format!(
        "{HEAD}    time.sleep(1)  # noqa: GIL104
    time.sleep(2)  # noqa: GIL104, GIL105, E501
    x = 1  # noqa: GIL104
    y = 2  # noqa
    z = 3  # noqa: GIL999, W291
    w = 4  # noqa: GIL101, GIL001
    v = 5  # noqa: GIL102
"
    );
    // Off by default.
    let (got, _, _) = run("unused-off", &src, &[]);
    assert_eq!(got, []);
    let d = tmpdir("unused-on");
    write(&d, &[("m.py", &src)]);
    let o = advise_in(
        &d,
        &[
            "--output-format",
            "concise",
            "--extend-select",
            "GIL001",
            "--ignore",
            "GIL102",
            "m.py",
        ],
    );
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "m.py:6:20: GIL001 Unused `noqa` directive (unused: `GIL105`)",
            "m.py:7:12: GIL001 Unused `noqa` directive (unused: `GIL104`)",
            "m.py:9:12: GIL001 Unused `noqa` directive (unknown: `GIL999`)",
            "m.py:11:12: GIL001 Unused `noqa` directive (non-enabled: `GIL102`)",
            "Found 4 diagnostics (4 info).",
        ],
        "{}",
        stderr(&o)
    );
    assert_eq!(o.status.code(), Some(1));
    // `--fail-on warning`: info alone does not fail.
    let o = advise_in(
        &d,
        &["--extend-select", "GIL001", "--fail-on", "warning", "m.py"],
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn gil001_for_file_level_prefixes() {
    let src = format!("# advise: noqa: GIL104, GIL9, GIL101\n{HEAD}    time.sleep(1)\n");
    let (got, _, _) = run("unused-file", &src, &["--extend-select", "GIL001"]);
    assert_eq!(got, [g(1, "GIL001")]);
    let d = tmpdir("unused-file-msg");
    write(&d, &[("m.py", &src)]);
    let o = advise_in(
        &d,
        &[
            "--output-format",
            "concise",
            "--extend-select",
            "GIL001",
            "m.py",
        ],
    );
    assert!(
        stdout(&o).starts_with(
            "m.py:1:1: GIL001 Unused file-level `advise: noqa` directive (unused: `GIL101`; unknown: `GIL9`)"
        ),
        "{}",
        stdout(&o)
    );
}

#[test]
fn malformed_directives_are_warnings_with_file_line_and_column() {
    let src = format!(
        "{HEAD}    time.sleep(1)  # noqa:
    time.sleep(2)  # noqa GIL104
"
    );
    let (got, err, code) = run("malformed", &src, &[]);
    // `# noqa:` with no codes is ignored; `# noqa GIL104` acts as bare.
    assert_eq!(got, [g(5, "GIL104")]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("warning: m.py:5:20: invalid `# noqa` directive"),
        "{err}"
    );
    assert!(
        err.contains("warning: m.py:6:20: `# noqa` directive without `:`"),
        "{err}"
    );
}
