//! Configuration files, run through the real binary: every key, the file
//! search, `extend`, command-line overrides, and every error path.

mod common;

use common::*;
use std::path::Path;

/// A project with a GIL104 in `a.py`, `sub/b.py`, `tests/t.py`, `build/g.py`
/// and `gen/c.py`.
fn project(name: &str) -> TmpDir {
    let d = tmpdir(name);
    write(
        &d,
        &[
            ("a.py", BLOCKING),
            ("sub/b.py", BLOCKING),
            ("tests/t.py", BLOCKING),
            ("build/g.py", BLOCKING),
            ("gen/c.py", BLOCKING),
        ],
    );
    d
}

/// Files reported, sorted, with `./` dropped.
fn files(o: &std::process::Output) -> Vec<String> {
    let mut f: Vec<String> = diagnostics(o)
        .into_iter()
        .map(|(f, _, _)| f.trim_start_matches("./").to_string())
        .collect();
    f.sort();
    f.dedup();
    f
}

fn json_in(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--output-format", "json"];
    args.extend_from_slice(extra);
    advise_in(dir, &args)
}

#[test]
fn without_configuration_the_defaults_apply() {
    let d = project("noconfig");
    let o = json_in(&d, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        files(&o),
        ["a.py", "gen/c.py", "sub/b.py", "tests/t.py"],
        "build/ is excluded by default"
    );
}

#[test]
fn pyproject_select_ignore_and_extend_select() {
    let d = project("select");
    write(&d, &[("m.py", CPU_IN_THREADS)]);
    write(
        &d,
        &[("pyproject.toml", "[tool.advise]\nselect = [\"GIL101\"]\n")],
    );
    assert_eq!(codes(&json_in(&d, &["m.py", "a.py"])), ["GIL101"]);
    write(
        &d,
        &[("pyproject.toml", "[tool.advise]\nignore = [\"GIL101\"]\n")],
    );
    // GIL401 (info): the CPU-bound loop is one Numba would compile.
    assert_eq!(codes(&json_in(&d, &["m.py", "a.py"])), ["GIL104", "GIL401"]);
    // The most specific selector wins within the file.
    write(
        &d,
        &[(
            "pyproject.toml",
            "[tool.advise]\nselect = [\"GIL1\"]\nignore = [\"GIL10\"]\nextend-select = [\"GIL104\"]\n",
        )],
    );
    assert_eq!(codes(&json_in(&d, &["m.py", "a.py"])), ["GIL104"]);
    // GIL001 is off by default and extend-select turns it on.
    write(&d, &[("n.py", "x = 1  # noqa: GIL104\n")]);
    assert_eq!(codes(&json_in(&d, &["n.py"])), Vec::<String>::new());
    write(
        &d,
        &[(
            "pyproject.toml",
            "[tool.advise]\nextend-select = [\"GIL001\"]\n",
        )],
    );
    assert_eq!(codes(&json_in(&d, &["n.py"])), ["GIL001"]);
}

#[test]
fn per_file_ignores_match_paths_and_names() {
    let d = project("pfi");
    write(
        &d,
        &[(
            "pyproject.toml",
            "[tool.advise]\n[tool.advise.per-file-ignores]\n\"tests/*\" = [\"GIL104\"]\n\"b.py\" = [\"GIL1\"]\n",
        )],
    );
    let o = json_in(&d, &[]);
    assert_eq!(files(&o), ["a.py", "gen/c.py"], "{}", stderr(&o));
}

#[test]
fn exclude_replaces_the_defaults_and_extend_exclude_adds() {
    let d = project("exclude");
    write(
        &d,
        &[("pyproject.toml", "[tool.advise]\nexclude = [\"gen\"]\n")],
    );
    assert_eq!(
        files(&json_in(&d, &[])),
        ["a.py", "build/g.py", "sub/b.py", "tests/t.py"]
    );
    write(
        &d,
        &[(
            "pyproject.toml",
            "[tool.advise]\nextend-exclude = [\"gen\", \"sub/*.py\"]\n",
        )],
    );
    assert_eq!(files(&json_in(&d, &[])), ["a.py", "tests/t.py"]);
    // A file named on the command line is analysed all the same...
    assert_eq!(files(&json_in(&d, &["gen/c.py"])), ["gen/c.py"]);
    // ...unless --force-exclude, which also looks at the directories above.
    let o = json_in(&d, &["--force-exclude", "gen/c.py", "sub/b.py", "a.py"]);
    assert_eq!(files(&o), ["a.py"]);
    let o = json_in(&d, &["--force-exclude", "build/g.py"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(files(&o), Vec::<String>::new());
}

#[test]
fn advise_toml_and_dot_advise_toml_take_top_level_keys_in_that_order() {
    let d = project("tomlnames");
    write(
        &d,
        &[("pyproject.toml", "[tool.advise]\nignore = [\"ALL\"]\n")],
    );
    assert_eq!(files(&json_in(&d, &[])), Vec::<String>::new());
    write(&d, &[("advise.toml", "extend-exclude = [\"sub\"]\n")]);
    assert_eq!(files(&json_in(&d, &[])), ["a.py", "gen/c.py", "tests/t.py"]);
    write(&d, &[(".advise.toml", "extend-exclude = [\"tests\"]\n")]);
    assert_eq!(files(&json_in(&d, &[])), ["a.py", "gen/c.py", "sub/b.py"]);
}

#[test]
fn the_nearest_configuration_governs_each_file() {
    let d = project("nearest");
    write(
        &d,
        &[
            ("pyproject.toml", "[tool.advise]\nignore = [\"GIL104\"]\n"),
            // Has no [tool.advise]: skipped, the parent's applies.
            ("tests/pyproject.toml", "[project]\nname = \"t\"\n"),
            // Its own settings, with no `extend`: the defaults otherwise.
            ("sub/advise.toml", "select = [\"GIL104\"]\n"),
        ],
    );
    assert_eq!(files(&json_in(&d, &[])), ["sub/b.py"]);
    // The same from inside the sub-directory, and for a path named there.
    assert_eq!(files(&json_in(&d.join("sub"), &[])), ["b.py"]);
    assert_eq!(files(&json_in(&d, &["sub/b.py", "a.py"])), ["sub/b.py"]);
}

#[test]
fn extend_layers_a_file_over_another() {
    let d = project("extend");
    write(
        &d,
        &[
            (
                "pyproject.toml",
                "[tool.advise]\nextend-exclude = [\"gen\"]\nper-file-ignores = { \"t.py\" = [\"GIL104\"] }\n",
            ),
            (
                "sub/advise.toml",
                "extend = \"../pyproject.toml\"\nextend-exclude = [\"nothing\"]\n",
            ),
            ("sub/gen/x.py", BLOCKING),
            ("sub/t.py", BLOCKING),
        ],
    );
    // sub/ inherits the root's exclude of `gen` and its per-file ignore.
    assert_eq!(files(&json_in(&d, &[])), ["a.py", "sub/b.py"]);
}

#[test]
fn command_line_flags_override_the_configuration() {
    let d = project("override");
    write(&d, &[("m.py", CPU_IN_THREADS)]);
    write(
        &d,
        &[(
            "pyproject.toml",
            "[tool.advise]\nselect = [\"GIL104\"]\nextend-exclude = [\"gen\"]\nfail-on = \"error\"\n",
        )],
    );
    assert_eq!(codes(&json_in(&d, &["a.py", "m.py"])), ["GIL104"]);
    assert_eq!(
        codes(&json_in(&d, &["--select", "GIL101", "a.py", "m.py"])),
        ["GIL101"]
    );
    assert_eq!(
        codes(&json_in(&d, &["--extend-select", "GIL101", "a.py", "m.py"])),
        ["GIL104", "GIL101"]
    );
    assert_eq!(
        codes(&json_in(&d, &["--ignore", "GIL104", "a.py", "m.py"])),
        Vec::<String>::new()
    );
    // --exclude replaces `exclude` (here the defaults); the configured
    // `extend-exclude` still applies, as in ruff.
    assert_eq!(
        files(&json_in(&d, &["--exclude", "tests"])),
        ["a.py", "build/g.py", "sub/b.py"]
    );
    assert_eq!(
        files(&json_in(&d, &["--extend-exclude", "sub,tests"])),
        ["a.py"]
    );
    // fail-on = error: a warning alone exits 0; --fail-on overrides.
    let o = json_in(&d, &["--select", "GIL101", "m.py"]);
    assert_eq!(codes(&o), ["GIL101"]);
    assert_eq!(o.status.code(), Some(0));
    let o = json_in(&d, &["--select", "GIL101", "--fail-on", "warning", "m.py"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn explicit_config_and_isolated() {
    let d = project("explicit");
    write(
        &d,
        &[
            ("pyproject.toml", "[tool.advise]\nignore = [\"ALL\"]\n"),
            (
                "other/strict.toml",
                "extend-exclude = [\"gen\", \"tests\"]\n",
            ),
        ],
    );
    assert_eq!(files(&json_in(&d, &[])), Vec::<String>::new());
    assert_eq!(
        files(&json_in(&d, &["--config", "other/strict.toml"])),
        ["a.py", "sub/b.py"]
    );
    assert_eq!(
        files(&json_in(&d, &["--isolated"])),
        ["a.py", "gen/c.py", "sub/b.py", "tests/t.py"]
    );
    // A pyproject.toml given with --config must have [tool.advise].
    write(&d, &[("other/pyproject.toml", "[project]\nname = \"x\"\n")]);
    let o = json_in(&d, &["--config", "other/pyproject.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("other/pyproject.toml"),
        "{}",
        stderr(&o)
    );
    let o = json_in(&d, &["--config", "missing.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.toml"));
}

#[test]
fn rules_is_relative_to_the_configuration_file_and_layered_under_the_flag() {
    let d = project("rules");
    write(
        &d,
        &[
            ("conf/advise.toml", "rules = \"team-rules.yaml\"\n"),
            (
                "conf/team-rules.yaml",
                "rules:\n  GIL104:\n    severity: warning\n    message: \"team: {call}\"\n",
            ),
            (
                "mine.yaml",
                "rules:\n  GIL104:\n    message: \"mine: {call}\"\n",
            ),
        ],
    );
    let o = json_in(&d, &["--config", "conf/advise.toml", "a.py"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["severity"], "warning", "{}", stderr(&o));
    assert_eq!(v["diagnostics"][0]["message"], "team: time.sleep");
    // --rules goes over the configuration's file.
    let o = json_in(
        &d,
        &[
            "--config",
            "conf/advise.toml",
            "--rules",
            "mine.yaml",
            "a.py",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["severity"], "warning");
    assert_eq!(v["diagnostics"][0]["message"], "mine: time.sleep");
    // Found by the search from the current directory as well.
    std::fs::rename(d.join("conf/advise.toml"), d.join("advise.toml")).unwrap();
    std::fs::write(d.join("advise.toml"), "rules = \"conf/team-rules.yaml\"\n").unwrap();
    let o = json_in(&d, &["a.py"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["message"], "team: time.sleep");
}

#[test]
fn a_nested_configuration_cannot_change_the_run_wide_rules_and_says_so() {
    let d = project("nestedrules");
    write(
        &d,
        &[
            ("sub/advise.toml", "rules = \"r.yaml\"\ntarget = \"gil\"\n"),
            ("sub/r.yaml", "rules:\n  GIL104:\n    severity: warning\n"),
        ],
    );
    let o = json_in(&d, &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("warning: sub/advise.toml: `rules` applies to the whole run"),
        "{err}"
    );
    assert!(err.contains("`target`"), "{err}");
    // Run from the sub-directory, its configuration is the run's.
    let o = json_in(&d.join("sub"), &[]);
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["severity"], "warning");
}

#[test]
fn target_accepts_its_three_values() {
    let d = project("target");
    for t in ["gil", "free-threaded", "auto"] {
        write(&d, &[("advise.toml", &format!("target = \"{t}\"\n"))]);
        let o = json_in(&d, &["a.py"]);
        assert_eq!(o.status.code(), Some(1), "{t}: {}", stderr(&o));
    }
}

/// Every malformed configuration: exit 2, `file:line:col` and a message
/// naming the problem, no panic.
#[test]
fn malformed_configurations_name_file_line_and_column() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "pyproject.toml",
            "[tool.advise]\nselect = [\"GIL1\"]\nfoo = 1\n",
            "pyproject.toml:3:1:",
            "unknown key `foo` in [tool.advise]",
        ),
        (
            "advise.toml",
            "extend_select = [\"GIL001\"]\n",
            "advise.toml:1:1:",
            "did you mean `extend-select`?",
        ),
        (
            "pyproject.toml",
            "[tool.advise]\nselect = \"GIL1\"\n",
            "pyproject.toml:2:10:",
            "`select` must be an array of strings, found a string",
        ),
        (
            "advise.toml",
            "ignore = [\"GIL104\", 7]\n",
            "advise.toml:1:21:",
            "found an integer in it",
        ),
        (
            "advise.toml",
            "fail-on = true\n",
            "advise.toml:1:11:",
            "`fail-on` must be a string, found a boolean",
        ),
        (
            "advise.toml",
            "fail-on = \"fatal\"\n",
            "advise.toml:1:11:",
            "invalid `fail-on` `fatal`",
        ),
        (
            "advise.toml",
            "target = \"nogil\"\n",
            "advise.toml:1:10:",
            "invalid `target` `nogil`",
        ),
        (
            "advise.toml",
            "per-file-ignores = [\"x\"]\n",
            "advise.toml:1:20:",
            "`per-file-ignores` must be a table",
        ),
        (
            "advise.toml",
            "[per-file-ignores]\n\"tests/[a.py\" = [\"GIL104\"]\n",
            "advise.toml:2:1:",
            "invalid glob `tests/[a.py`",
        ),
        (
            "advise.toml",
            "exclude = [\"ok\", \"a{b\"]\n",
            "advise.toml:1:18:",
            "invalid glob `a{b`",
        ),
        (
            "advise.toml",
            "select = [\"GIL9\"]\n",
            "advise.toml:1:11:",
            "invalid rule code or prefix `GIL9`",
        ),
        (
            "advise.toml",
            "rules = \"no-such-rules.yaml\"\n",
            "advise.toml:1:9:",
            "rules file `no-such-rules.yaml` cannot be read",
        ),
        (
            "advise.toml",
            "extend = \"missing.toml\"\n",
            "advise.toml:1:10:",
            "cannot extend `missing.toml`",
        ),
        (
            "advise.toml",
            "select = [\"GIL1\"\n",
            "advise.toml:1:",
            "invalid TOML",
        ),
        (
            "pyproject.toml",
            "[tool]\nadvise = 1\n",
            "pyproject.toml:2:10:",
            "`tool.advise` must be a table",
        ),
    ];
    for (i, (name, text, at, msg)) in cases.iter().enumerate() {
        let d = tmpdir(&format!("badcfg{i}"));
        write(&d, &[("a.py", BLOCKING), (name, text)]);
        let o = advise_in(&d, &["a.py"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "case {i}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(at) && err.contains(msg),
            "case {i}: expected `{at}` and `{msg}` in: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert!(stdout(&o).is_empty(), "nothing analysed: {}", stdout(&o));
    }
}

#[test]
fn an_extend_cycle_is_an_error_naming_the_chain() {
    let d = project("cycle");
    write(
        &d,
        &[
            (
                "pyproject.toml",
                "[tool.advise]\nextend = \"sub/advise.toml\"\n",
            ),
            ("sub/advise.toml", "\nextend = \"../pyproject.toml\"\n"),
        ],
    );
    let o = advise_in(&d, &["a.py"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("sub/advise.toml:2:10: `extend` cycle: pyproject.toml -> sub/advise.toml -> pyproject.toml"),
        "{err}"
    );
    // A file extending itself.
    write(
        &d,
        &[(
            "pyproject.toml",
            "[tool.advise]\nextend = \"pyproject.toml\"\n",
        )],
    );
    let o = advise_in(&d, &["a.py"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("pyproject.toml:2:10: `extend` cycle"));
}

#[test]
fn a_malformed_configuration_deep_in_the_tree_is_found_while_walking() {
    let d = project("deepbad");
    write(&d, &[("sub/deeper/advise.toml", "selec = []\n")]);
    write(&d, &[("sub/deeper/x.py", BLOCKING)]);
    let o = advise_in(&d, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("sub/deeper/advise.toml:1:1: unknown key `selec`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn of_several_malformed_configurations_the_first_by_path_is_reported_whatever_the_threads() {
    // Directories are walked in parallel: which broken configuration a
    // thread meets first varies, the one reported must not.
    let d = project("manybad");
    for dir in [
        "m", "q", "x", "k", "e", "t", "w", "h", "r", "j", "o", "v", "d", "s",
    ] {
        write(
            &d,
            &[
                (&format!("{dir}/advise.toml"), "selec = []\n"),
                (&format!("{dir}/y.py"), BLOCKING),
            ],
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    for threads in ["1", "2", "4", "2", "4", "2"] {
        let o = advise_in(&d, &["--threads", threads]);
        assert_eq!(o.status.code(), Some(2));
        seen.insert(stderr(&o));
    }
    assert_eq!(seen.len(), 1, "{seen:?}");
    let err = seen.pop_first().unwrap();
    assert!(
        err.contains("d/advise.toml:1:1: unknown key `selec`"),
        "{err}"
    );
}

#[test]
fn one_configuration_over_a_tree_walked_in_parallel_is_the_runs() {
    // Run from outside it, a tree under one configuration takes its
    // run-wide `rules` from it: every file of the tree, walked on several
    // threads, must share that one configuration.
    let d = tmpdir("sharedcfg");
    let mut files = vec![
        (
            "proj/advise.toml".to_string(),
            "rules = \"r.yaml\"\n".to_string(),
        ),
        (
            "proj/r.yaml".to_string(),
            "rules:\n  GIL104:\n    severity: warning\n".to_string(),
        ),
    ];
    for i in 0..40 {
        files.push((format!("proj/p{}/q{i}/m.py", i % 7), BLOCKING.to_string()));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    write(&d, &refs);
    for threads in ["1", "2", "4"] {
        let o = json_in(&d, &["--threads", threads, "proj"]);
        assert!(stderr(&o).is_empty(), "{threads}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let diags = v["diagnostics"].as_array().unwrap();
        assert_eq!(diags.len(), 40, "{threads}");
        assert!(
            diags.iter().all(|d| d["severity"] == "warning"),
            "{threads}"
        );
    }
}

#[test]
fn command_line_selectors_and_globs_are_checked_too() {
    let d = project("badflags");
    let o = advise_in(&d, &["--extend-select", "NOPE1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("NOPE1"));
    let o = advise_in(&d, &["--extend-exclude", "a[b"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("invalid glob `a[b`"), "{}", stderr(&o));
    let o = advise_in(&d, &["--fail-on", "fatal"]);
    assert_eq!(o.status.code(), Some(2));
    let o = advise_in(&d, &["--isolated", "--config", "x.toml"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn stdin_is_configured_and_reported_under_its_filename() {
    let d = project("stdin");
    write(
        &d,
        &[(
            "pyproject.toml",
            "[tool.advise]\nper-file-ignores = { \"tests/*\" = [\"GIL104\"] }\nextend-exclude = [\"gen\"]\n",
        )],
    );
    let o = advise_stdin(
        &d,
        &[
            "-",
            "--stdin-filename",
            "sub/new.py",
            "--output-format",
            "concise",
        ],
        BLOCKING,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("sub/new.py:3:5: GIL104 "),
        "{}",
        stdout(&o)
    );
    // Per-file ignores use the name.
    let o = advise_stdin(
        &d,
        &[
            "-",
            "--stdin-filename",
            "tests/new.py",
            "--output-format",
            "json",
        ],
        BLOCKING,
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(codes(&o), Vec::<String>::new());
    // The nearest configuration to the name applies.
    write(&d, &[("sub/advise.toml", "ignore = [\"GIL104\"]\n")]);
    let o = advise_stdin(
        &d,
        &["--stdin-filename", "sub/new.py", "--output-format", "json"],
        BLOCKING,
    );
    assert_eq!(codes(&o), Vec::<String>::new(), "{}", stderr(&o));
    // --force-exclude skips an excluded name.
    let o = advise_stdin(
        &d,
        &[
            "-",
            "--stdin-filename",
            "gen/new.py",
            "--force-exclude",
            "--output-format",
            "json",
        ],
        BLOCKING,
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(codes(&o), Vec::<String>::new());
    // Without a name it is `-`; a syntax error there is still GIL000.
    let o = advise_stdin(&d, &["-", "--output-format", "concise"], "def f(:\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).starts_with("-:1:"), "{}", stdout(&o));
    assert!(stdout(&o).contains("GIL000"), "{}", stdout(&o));
    // `-` with other paths is a usage error.
    let o = advise_stdin(&d, &["-", "a.py"], BLOCKING);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("standard input"));
}

#[test]
fn the_readme_configuration_example_is_valid() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let section = &readme[readme.find("## Configuration").expect("section")..];
    let start = section.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let block = &section[start..start + section[start..].find("```").unwrap()];
    assert!(block.contains("[tool.advise]"));
    let d = project("readme");
    write(&d, &[("pyproject.toml", block), ("m.py", CPU_IN_THREADS)]);
    let o = json_in(&d, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    // select = GIL1 with tests/* ignoring GIL104, build excluded, GIL101 kept.
    assert_eq!(
        files(&o),
        ["a.py", "gen/c.py", "m.py", "sub/b.py"],
        "{:?}",
        diagnostics(&o)
    );
}

#[test]
fn source_lines_shown_are_the_text_analysed() {
    // Files read from disk keep only summaries during the analysis and
    // read their text again to show it; standard input keeps its own text
    // even when its name is that of a file on disk with other contents.
    let d = project("shown");
    let o = advise_in(&d, &["a.py", "--output-format", "full"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("    time.sleep(1)"), "{}", stdout(&o));
    let piped = "import time\nasync def f():\n    time.sleep(2)  # piped\n";
    let o = advise_stdin(
        &d,
        &["--stdin-filename", "a.py", "--output-format", "full"],
        piped,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("time.sleep(2)  # piped"),
        "{}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains("time.sleep(1)"), "{}", stdout(&o));
}
