//! Profile-guided advice, end to end: the real binary joined to the real
//! profiles in `fixtures/profiles/` (recorded with py-spy 0.4.3 and Scalene
//! 2.4.0 by `fixtures/profiles/record.sh`; see that script). Broken profiles
//! are made from the real ones by truncating or editing them.

mod common;

use common::{advise, stderr, stdout, tmpdir};
use serde_json::Value;
use std::path::{Path, PathBuf};

const DIR: &str = "fixtures/profiles";

fn fixture(name: &str) -> String {
    format!("{DIR}/{name}")
}

/// `advise --format json --profile P... PATHS...`, parsed.
fn json(profiles: &[&str], paths: &[&str]) -> Value {
    let mut args = vec!["--format".to_string(), "json".to_string()];
    for p in profiles {
        args.push("--profile".into());
        args.push(fixture(p));
    }
    args.extend(paths.iter().map(|p| p.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = advise(&args);
    assert!(
        matches!(o.status.code(), Some(0) | Some(1)),
        "exit {:?}: {}",
        o.status.code(),
        stderr(&o)
    );
    serde_json::from_slice(&o.stdout).expect("json output")
}

fn hotspot<'a>(v: &'a Value, function: &str) -> &'a Value {
    v["hotspots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["function"] == function)
        .unwrap_or_else(|| panic!("no hotspot `{function}` in {:#}", v["hotspots"]))
}

fn order(v: &Value) -> Vec<String> {
    v["hotspots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["function"].as_str().unwrap().to_string())
        .collect()
}

fn share(h: &Value) -> f64 {
    h["measured"]["share"].as_f64().unwrap()
}

const MIXED: &str = "fixtures/profiles/mixed_threads.py";

#[test]
fn speedscope_with_idle_threads_ranks_and_corrects_the_mixed_program() {
    let v = json(&["mixed_threads.speedscope.json"], &[MIXED]);
    // Hottest first: the fetcher waiting on the slow server.
    assert_eq!(
        order(&v)[..5],
        ["fetch_and_tally", "serve", "main", "crunch", "digest"]
    );
    let f = hotspot(&v, "fetch_and_tally");
    // Statically mixed (network I/O and a nested loop); the samples sit
    // in `conn.recv`: corrected to io, and the advice with it.
    assert_eq!(f["measured"]["static_workload"], "mixed");
    assert_eq!(f["measured"]["workload"], "io");
    assert_eq!(f["measured"]["corrected"], true);
    assert_eq!(f["workload"], "io");
    assert_eq!(f["recommendation"], "threads");
    assert_eq!(
        f["evidence"][0]["detail"],
        "measured: 100.0% waiting at line 52 (static class: mixed)"
    );
    assert_eq!(f["evidence"][0]["kind"], "measured");
    assert!(share(f) > 0.4, "{f}");
    // Sampled profiles give no Python/native/system split.
    assert!(f["measured"]["python"].is_null());
    assert_eq!(f["measured"]["samples"], 458);
    // The CPU-bound worker is confirmed, and its GIL101 keeps its level.
    let c = hotspot(&v, "crunch");
    assert_eq!(c["workload"], "cpu");
    assert_eq!(c["measured"]["workload"], "cpu");
    assert_eq!(c["measured"]["corrected"], false);
    assert_eq!(
        c["evidence"][0]["detail"],
        "measured: 100.0% holding the GIL at line 36"
    );
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "GIL101")
        .expect("GIL101 on crunch's dispatch");
    assert_eq!(d["severity"].as_str(), Some("warning"));
    assert_eq!(hotspot(&v, "digest")["measured"]["workload"], "vector");
    let p = &v["profiles"][0];
    assert_eq!(p["format"], "speedscope");
    assert_eq!(p["samples"], 1037);
    assert_eq!(p["measures_waiting"], true);
    assert!((p["mapped"].as_f64().unwrap() - 0.8987).abs() < 1e-9, "{p}");
}

#[test]
fn py_spy_raw_variants_all_join() {
    for (file, first) in [
        ("mixed_threads.pyspy.txt", "crunch"),
        ("mixed_threads.pyspy-threads.txt", "crunch"),
        ("mixed_threads.pyspy-threads-idle.txt", "fetch_and_tally"),
    ] {
        let v = json(&[file], &[MIXED]);
        assert_eq!(order(&v)[0], first, "{file}");
        let p = &v["profiles"][0];
        assert_eq!(p["format"], "collapsed", "{file}");
        // Raw output does not say whether idle threads were sampled.
        assert_eq!(p["measures_waiting"], false, "{file}");
        // Corrected toward waiting: positive evidence, allowed from any
        // sampled profile.
        assert_eq!(hotspot(&v, "fetch_and_tally")["workload"], "io", "{file}");
        assert_eq!(
            hotspot(&v, "crunch")["measured"]["workload"],
            "cpu",
            "{file}"
        );
    }
    // --threads --idle: the idle workers waiting for work map nowhere and
    // are counted; the main thread waiting on futures is `main`, waiting.
    let v = json(&["mixed_threads.pyspy-threads-idle.txt"], &[MIXED]);
    let m = hotspot(&v, "main");
    assert_eq!(m["measured"]["workload"], "io");
    assert!(m["evidence"][0]["detail"]
        .as_str()
        .unwrap()
        .starts_with("measured: 100.0% waiting at line"));
    let mapped = v["profiles"][0]["mapped"].as_f64().unwrap();
    assert!(mapped > 0.8 && mapped < 0.95, "{mapped}");
}

#[test]
fn scalene_gives_the_split_and_corrects_a_cpu_class_to_io() {
    let v = json(
        &["io_bound.scalene.json"],
        &["fixtures/profiles/io_bound.py"],
    );
    // `checksum_reply` has a heavy nested loop, so it is statically cpu;
    // Scalene shows its time as system time in `conn.recv` on an untyped
    // connection.
    let c = hotspot(&v, "checksum_reply");
    assert_eq!(c["measured"]["static_workload"], "cpu");
    assert_eq!(c["workload"], "io");
    assert_eq!(c["recommendation"], "threads");
    assert_eq!(
        c["evidence"][0]["detail"],
        "measured: 96.0% waiting at line 31 (static class: cpu)"
    );
    let m = &c["measured"];
    let split: f64 = ["python", "native", "system"]
        .iter()
        .map(|k| m[k].as_f64().unwrap())
        .sum();
    assert!((split - 1.0).abs() < 1e-3, "{m}");
    assert!(m["system"].as_f64().unwrap() > 0.9, "{m}");
    assert!(m["samples"].is_null());
    // `ask` measures as waiting too, but its static class rests on its
    // callee's loop: its own time cannot overrule that.
    let a = hotspot(&v, "ask");
    assert_eq!(a["measured"]["workload"], "io");
    assert_eq!(a["workload"], "mixed");
    assert_eq!(v["profiles"][0]["format"], "scalene");
    assert_eq!(v["profiles"][0]["measures_waiting"], true);
}

#[test]
fn py_spy_cannot_classify_time_in_a_call_advise_cannot_resolve() {
    // The same program under py-spy --idle: the samples of `checksum_reply`
    // sit on `conn.recv` (a C method on an untyped object, no frame of its
    // own), which may be waiting or computing. Precision first: no class.
    let v = json(
        &["io_bound.pyspy-idle.txt"],
        &["fixtures/profiles/io_bound.py"],
    );
    let c = hotspot(&v, "checksum_reply");
    assert!(share(c) > 0.4, "{c}");
    assert!(c["measured"]["workload"].is_null(), "{c}");
    assert_eq!(c["workload"], "cpu");
    // `serve` waits in `socket.accept` (a library frame the rulebook
    // lists) and `time.sleep`.
    assert_eq!(hotspot(&v, "serve")["measured"]["workload"], "io");
}

#[test]
fn functions_hot_in_the_profile_but_passed_over_statically_become_hotspots() {
    let plain = json(&[], &["fixtures/profiles/cpu_bound.py"]);
    let names = order(&plain);
    assert!(!names.contains(&"Scale.combine".to_string()), "{names:?}");
    assert!(!names.contains(&"weigh".to_string()), "{names:?}");
    // Scalene: `weigh` (reached through getattr, its loop calls a method
    // advise cannot type) and `Scale.combine` are hot and run Python.
    let v = json(
        &["cpu_bound.scalene.json"],
        &["fixtures/profiles/cpu_bound.py"],
    );
    assert_eq!(
        order(&v),
        ["collatz_steps", "weigh", "Scale.combine", "longest_chain"]
    );
    for f in ["weigh", "Scale.combine"] {
        let h = hotspot(&v, f);
        assert_eq!(h["workload"], "cpu", "{h}");
        assert_eq!(h["measured"]["static_workload"], "light", "{h}");
        assert_eq!(h["recommendation"], "processes", "{h}");
    }
    // py-spy sees `weigh` as hot too, but its samples sit on the unresolved
    // `scale.combine(...)` call: listed, not classified.
    let v = json(
        &["cpu_bound.pyspy.txt"],
        &["fixtures/profiles/cpu_bound.py"],
    );
    let w = hotspot(&v, "weigh");
    assert_eq!(w["workload"], "light");
    assert!(w["measured"]["workload"].is_null());
    assert!(w["evidence"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("in calls advise cannot classify"));
}

#[test]
fn vector_work_is_confirmed_by_both_profilers() {
    for p in ["vector_heavy.pyspy.txt", "vector_heavy.scalene.json"] {
        let v = json(&[p], &["fixtures/profiles/vector_heavy.py"]);
        for f in ["digest_blocks", "matrix_power_sum"] {
            let h = hotspot(&v, f);
            assert_eq!(h["measured"]["workload"], "vector", "{p} {h}");
            assert_eq!(h["workload"], "vector", "{p}");
        }
        // Module-level code (importing numpy) is measured, not classified.
        let m = hotspot(&v, "<module>");
        assert!(share(m) > 0.1, "{p}");
        assert!(m["measured"]["workload"].is_null(), "{p}");
    }
}

#[test]
fn cpu_bound_program_in_all_three_formats() {
    for p in [
        "cpu_bound.pyspy.txt",
        // Stacks under `process 123:"python ..."` marker frames.
        "cpu_bound.pyspy-subprocesses.txt",
        "cpu_bound.speedscope.json",
        "cpu_bound.scalene.json",
    ] {
        let v = json(&[p], &["fixtures/profiles/cpu_bound.py"]);
        let h = hotspot(&v, "collatz_steps");
        assert_eq!(order(&v)[0], "collatz_steps", "{p}");
        assert!(share(h) > 0.6, "{p}: {h}");
        assert_eq!(h["measured"]["workload"], "cpu", "{p}");
    }
}

#[test]
fn several_profiles_are_averaged() {
    let a = json(&["mixed_threads.pyspy.txt"], &[MIXED]);
    let b = json(&["mixed_threads.scalene.json"], &[MIXED]);
    let both = json(
        &["mixed_threads.pyspy.txt", "mixed_threads.scalene.json"],
        &[MIXED],
    );
    assert_eq!(both["profiles"].as_array().unwrap().len(), 2);
    for f in ["crunch", "fetch_and_tally", "digest"] {
        let expect = (share(hotspot(&a, f)) + share(hotspot(&b, f))) / 2.0;
        let got = share(hotspot(&both, f));
        assert!((got - expect).abs() < 2e-4, "{f}: {got} vs {expect}");
        // The split comes from Scalene alone.
        assert_eq!(
            hotspot(&both, f)["measured"]["system"],
            hotspot(&b, f)["measured"]["system"]
        );
    }
}

#[test]
fn text_output_leads_with_the_ranked_table() {
    let o = advise(&[
        "--color",
        "never",
        "--profile",
        &fixture("mixed_threads.speedscope.json"),
        MIXED,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let s = stdout(&o);
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines[0], "Profile:");
    assert_eq!(
        lines[1],
        "  fixtures/profiles/mixed_threads.speedscope.json (speedscope, 1,037 samples, idle \
         threads included): 89.9% mapped to analysed code, 10.1% not mapped (--verbose lists it)"
    );
    assert_eq!(
        lines[3],
        "   share  static  measured  advice       function"
    );
    assert_eq!(
        lines[4],
        "   44.2%  mixed   io*       threads      fixtures/profiles/mixed_threads.py:47 `fetch_and_tally`"
    );
    assert_eq!(
        lines[7],
        "   10.8%  cpu     cpu       jit          fixtures/profiles/mixed_threads.py:32 `crunch`"
    );
    assert!(s.contains("* class corrected by the measurement"), "{s}");
    let table_end = s.find("GIL101").unwrap();
    assert!(s[..table_end].contains("`digest`"), "{s}");
    // Nothing on stderr without --verbose.
    assert_eq!(stderr(&o), "");
    // The hot-code summary shows the measured evidence, which names its
    // line itself.
    assert!(
        s.contains("\n      evidence: measured: 100.0% holding the GIL at line 36\n"),
        "{s}"
    );
    // Without profiles, no table.
    let o = advise(&["--color", "never", MIXED]);
    assert!(!stdout(&o).contains("Profile:"));
}

#[test]
fn verbose_lists_unmapped_samples_on_stderr() {
    let o = advise(&[
        "--verbose",
        "--profile",
        &fixture("mixed_threads.pyspy-threads-idle.txt"),
        MIXED,
    ]);
    let e = stderr(&o);
    assert!(
        e.starts_with("profile fixtures/profiles/mixed_threads.pyspy-threads-idle.txt: 12.3% not mapped to analysed code:\n"),
        "{e}"
    );
    // Idle pool workers waiting for work, in library code.
    assert!(
        e.contains("not in an analysed file: _worker (concurrent/futures/thread.py)"),
        "{e}"
    );
    // The unmapped shares add up to what the header says.
    let total: f64 = e
        .lines()
        .skip(1)
        .map(|l| l.trim_start().split('%').next().unwrap())
        .filter_map(|p| p.trim_start_matches('<').parse::<f64>().ok())
        .sum();
    assert!((total - 12.3).abs() < 0.5, "{total}\n{e}");
}

#[test]
fn findings_on_cold_code_drop_one_severity_level() {
    // The mixed program's profile, with the example project analysed too:
    // the example's code never ran in that profile.
    let run = |p: &str| json(&[p], &["fixtures/example", MIXED]);
    let sev = |v: &Value, code: &str, file_part: &str| -> (String, String) {
        let d = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == code && d["filename"].as_str().unwrap().contains(file_part))
            .unwrap();
        (
            d["severity"].as_str().unwrap().to_string(),
            d["message"].as_str().unwrap().to_string(),
        )
    };
    let plain = json(&[], &["fixtures/example", MIXED]);
    assert_eq!(sev(&plain, "GIL101", "example").0, "warning");
    assert_eq!(sev(&plain, "GIL104", "example").0, "error");
    // py-spy raw: CPU work is sampled whatever the flags, so the cold
    // GIL101 drops; waiting may not have been sampled, so GIL102/GIL104 stay.
    let v = run("mixed_threads.pyspy.txt");
    let (s, m) = sev(&v, "GIL101", "example");
    assert_eq!(s, "info");
    assert!(m.ends_with(" [cold in the profile: 0.0%]"), "{m}");
    assert_eq!(sev(&v, "GIL104", "example").0, "error");
    assert_eq!(sev(&v, "GIL102", "example").0, "warning");
    // The hot `crunch` keeps its warning.
    assert_eq!(sev(&v, "GIL101", "mixed_threads").0, "warning");
    // Scalene measures waiting: every cold finding drops.
    let v = run("mixed_threads.scalene.json");
    assert_eq!(sev(&v, "GIL104", "example").0, "warning");
    assert_eq!(sev(&v, "GIL102", "example").0, "info");
    assert_eq!(sev(&v, "GIL101", "example").0, "info");
    assert_eq!(sev(&v, "GIL101", "mixed_threads").0, "warning");
}

#[test]
fn the_cold_threshold_lives_in_the_rulebook() {
    let d = tmpdir("threshold");
    let rules = d.join("rules.yaml");
    // `digest` has 1.4% of the speedscope profile.
    std::fs::write(&rules, "settings:\n  profile_cold_share: 0.5\n").unwrap();
    let o = advise(&[
        "--format",
        "json",
        "--rules",
        rules.to_str().unwrap(),
        "--profile",
        &fixture("mixed_threads.speedscope.json"),
        MIXED,
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    // crunch (10.8%) is now cold: its GIL101 drops, and its measurement is
    // too small to classify.
    assert_eq!(v["diagnostics"][0]["severity"], "info");
    assert!(hotspot(&v, "crunch")["measured"]["workload"].is_null());
    std::fs::write(&rules, "settings:\n  profile_cold_share: 1.5\n").unwrap();
    let o = advise(&["--rules", rules.to_str().unwrap(), MIXED]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("profile_cold_share must be"),
        "{}",
        stderr(&o)
    );
}

/// Copies of the mixed program elsewhere: profile paths map by their
/// longest common suffix with the analysed paths.
#[test]
fn profile_paths_map_by_suffix_and_ambiguity_is_reported() {
    let d = tmpdir("suffix");
    let src = std::fs::read_to_string(MIXED).unwrap();
    let one = d.join("checkout").join("mixed_threads.py");
    std::fs::create_dir_all(one.parent().unwrap()).unwrap();
    std::fs::write(&one, &src).unwrap();
    // The profile says /work/.../fixtures/profiles/mixed_threads.py: the
    // file name is the common suffix.
    let v = json(&["mixed_threads.speedscope.json"], &[one.to_str().unwrap()]);
    assert_eq!(hotspot(&v, "fetch_and_tally")["workload"], "io");
    // Two analysed files share that suffix: not mapped, and said so.
    let two = d.join("other").join("mixed_threads.py");
    std::fs::create_dir_all(two.parent().unwrap()).unwrap();
    std::fs::write(&two, &src).unwrap();
    let o = advise(&[
        "--verbose",
        "--format",
        "json",
        "--profile",
        &fixture("mixed_threads.speedscope.json"),
        d.to_str().unwrap(),
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["profiles"][0]["mapped"], 0.0);
    assert!(
        stderr(&o).contains("path matches several analysed files: "),
        "{}",
        stderr(&o)
    );
    // A relative path in a raw profile (py-spy shortens them) must match
    // whole: `mixed_threads.py` does.
    std::fs::remove_file(&two).unwrap();
    let v = json(&["mixed_threads.pyspy.txt"], &[one.to_str().unwrap()]);
    assert_eq!(order(&v)[0], "crunch");
}

#[test]
fn a_changed_source_is_not_mapped_to_the_wrong_function() {
    let d = tmpdir("stale");
    let src = std::fs::read_to_string(MIXED).unwrap();
    // Twelve lines inserted at the top shift every function down.
    let f = d.join("mixed_threads.py");
    std::fs::write(&f, format!("{}{}", "# moved\n".repeat(12), src)).unwrap();
    let o = advise(&[
        "--verbose",
        "--format",
        "json",
        "--profile",
        &fixture("mixed_threads.speedscope.json"),
        f.to_str().unwrap(),
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let e = stderr(&o);
    assert!(
        e.contains("the analysed file has another function at this line (changed since profiling?): fetch_and_tally ("),
        "{e}"
    );
    // The samples of `fetch_and_tally`, `crunch` and `digest` now fall on
    // lines of other functions: not attributed to them, and not to the
    // three either.
    for f in ["fetch_and_tally", "crunch", "digest"] {
        assert_eq!(share(hotspot(&v, f)), 0.0, "{f}");
    }
    assert!(v["profiles"][0]["mapped"].as_f64().unwrap() < 0.5);
}

#[test]
fn output_is_deterministic() {
    let args = [
        "--format",
        "json",
        "--profile",
        "fixtures/profiles/mixed_threads.pyspy-threads-idle.txt",
        "--profile",
        "fixtures/profiles/mixed_threads.scalene.json",
        "fixtures/profiles",
    ];
    let a = stdout(&advise(&args));
    let b = stdout(&advise(&args));
    assert_eq!(a, b);
}

// ------------------------------------------------------------ bad input

/// A broken profile: exit 2, one clear line naming the file, no panic.
fn rejects(path: &Path, extra: &[&str], expect: &str) {
    let mut args = vec!["--profile", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push(MIXED);
    let o = advise(&args);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{}: {e}", path.display());
    assert!(!e.contains("panicked"), "{e}");
    let want = format!("error: invalid profile: {}", path.display());
    assert!(e.starts_with(&want), "{e}");
    assert!(e.contains(expect), "expected `{expect}` in: {e}");
    assert_eq!(e.lines().count(), 1, "{e}");
    assert_eq!(stdout(&o), "");
}

fn cut(name: &str, dir: &Path, keep: impl Fn(&str) -> String) -> PathBuf {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let out = dir.join(name);
    std::fs::write(&out, keep(&text)).unwrap();
    out
}

#[test]
fn truncated_profiles_of_each_format_are_clear_errors() {
    let d = tmpdir("truncated");
    // Collapsed stacks cut mid-line.
    let p = cut("mixed_threads.pyspy.txt", &d, |t| {
        t[..t.len() / 2].to_string()
    });
    let lines = std::fs::read_to_string(&p).unwrap().lines().count();
    rejects(
        &p,
        &[],
        &format!(":{lines}: the last line does not end with a newline"),
    );
    // speedscope and Scalene JSON cut in half.
    let p = cut("mixed_threads.speedscope.json", &d, |t| {
        t[..t.len() / 2].to_string()
    });
    rejects(&p, &[], "EOF while parsing");
    let p = cut("io_bound.scalene.json", &d, |t| {
        t[..t.len() / 2].to_string()
    });
    rejects(&p, &[], "EOF while parsing");
}

#[test]
fn malformed_profiles_of_each_format_are_clear_errors() {
    let d = tmpdir("malformed");
    // A count that is not a number, on line 3.
    let p = cut("mixed_threads.pyspy.txt", &d, |t| {
        let mut lines: Vec<String> = t.lines().map(String::from).collect();
        lines[2].push('x');
        lines.join("\n") + "\n"
    });
    rejects(&p, &[], ":3:");
    rejects(&p, &[], "expected a sample count after the stack");
    // Not py-spy output at all.
    let p = d.join("notes.txt");
    std::fs::write(&p, "hello world\n").unwrap();
    rejects(&p, &[], "expected a sample count");
    // speedscope: a sample pointing past the frame table.
    let p = cut("mixed_threads.speedscope.json", &d, |t| {
        let mut v: Value = serde_json::from_str(t).unwrap();
        v["profiles"][0]["samples"][0][0] = Value::from(99999);
        v.to_string()
    });
    rejects(&p, &[], "profiles[0].samples[0] refers to frame 99999");
    // speedscope: weights and samples disagree.
    let p = cut("mixed_threads.speedscope.json", &d, |t| {
        let mut v: Value = serde_json::from_str(t).unwrap();
        v["profiles"][1]["weights"].as_array_mut().unwrap().pop();
        v.to_string()
    });
    rejects(&p, &[], "profiles[1] has 174 samples but 173 weights");
    // Scalene: a line without its system time (the position is given).
    let p = cut("io_bound.scalene.json", &d, |t| {
        let mut v: Value = serde_json::from_str(t).unwrap();
        let files = v["files"].as_object_mut().unwrap();
        let f = files.values_mut().next().unwrap();
        f["lines"][3]
            .as_object_mut()
            .unwrap()
            .remove("n_sys_percent");
        serde_json::to_string_pretty(&v).unwrap()
    });
    rejects(&p, &[], "missing field `n_sys_percent`");
    // Scalene: a negative percentage.
    let p = cut("io_bound.scalene.json", &d, |t| {
        let mut v: Value = serde_json::from_str(t).unwrap();
        let files = v["files"].as_object_mut().unwrap();
        let f = files.values_mut().next().unwrap();
        f["lines"][0]["n_cpu_percent_c"] = Value::from(-3.0);
        v.to_string()
    });
    rejects(&p, &[], "n_cpu_percent_c is -3, not a percentage");
    // JSON that is neither format.
    let p = d.join("other.json");
    std::fs::write(&p, "{\"traceEvents\": []}").unwrap();
    rejects(&p, &[], "neither speedscope");
    // Forcing the wrong format is an error too, not a silent misread.
    rejects(
        Path::new("fixtures/profiles/mixed_threads.speedscope.json"),
        &["--profile-format", "scalene"],
        "missing field `files`",
    );
    // Empty, binary, missing.
    let p = d.join("empty.txt");
    std::fs::write(&p, "").unwrap();
    rejects(&p, &[], "the profile is empty");
    let p = d.join("binary.txt");
    std::fs::write(&p, [0x80u8, 0xff, 0x00, 0x41]).unwrap();
    rejects(&p, &[], "not UTF-8 text");
    rejects(&d.join("missing.txt"), &[], "cannot read profile");
}

#[test]
fn profile_format_can_be_given() {
    let o = advise(&[
        "--format",
        "json",
        "--profile-format",
        "raw",
        "--profile",
        "fixtures/profiles/mixed_threads.pyspy.txt",
        MIXED,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["profiles"][0]["format"], "collapsed");
    // --profile-format alone is a usage error.
    let o = advise(&["--profile-format", "scalene", MIXED]);
    assert_eq!(o.status.code(), Some(2));
}

/// Every real profile, cut at many places and with its numbers bent out of
/// range, is read or rejected, and what is read joins: never a panic.
#[test]
fn damaged_real_profiles_never_panic() {
    use advise::profile::{parse, Format};
    use advise::rulebook::Rulebook;
    let rb = Rulebook::default_rules().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(DIR)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt") || n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    let mut read = 0;
    let mut rejected = 0;
    for name in &names {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let mut variants: Vec<Vec<u8>> = (1..48)
            .map(|k| bytes[..bytes.len() * k / 48].to_vec())
            .collect();
        // Whole lines dropped from the end: still well-formed text.
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        for k in 1..8.min(lines.len()) {
            variants.push(lines[..lines.len() * k / 8].concat().into_bytes());
        }
        for (from, to) in [
            ("1", "0"),
            ("2", "99999999999"),
            ("3", "-3"),
            ("4", "1e999"),
            (":", "::"),
            (";", ";;"),
            ("\"", ""),
        ] {
            variants.push(text.replacen(from, to, 40).into_bytes());
        }
        for v in variants {
            let path = Path::new(name);
            match parse(path, &v, Format::Auto) {
                Ok(p) => {
                    read += 1;
                    let resolver = advise::config::Resolver::new(
                        std::env::current_dir().unwrap(),
                        Default::default(),
                        None,
                        true,
                    )
                    .unwrap();
                    let opts = advise::Options {
                        paths: vec![PathBuf::from(DIR)],
                        stdin: None,
                        resolver: std::sync::Arc::new(resolver),
                        force_exclude: false,
                        target: advise::target::TargetChoice::Gil,
                        profiles: vec![p],
                        hotspots: true,
                    };
                    let o = advise::analyse(&opts, &rb).expect("no configuration errors");
                    for h in &o.hotspots {
                        let m = h.measured.as_ref().unwrap();
                        assert!(m.share.is_finite() && m.share >= 0.0, "{name}: {m:?}");
                    }
                }
                Err(e) => {
                    rejected += 1;
                    assert!(e.to_string().starts_with(name.as_str()), "{e}");
                }
            }
        }
    }
    // Both outcomes happen: the variants do test something.
    assert!(
        read > 50 && rejected > 100,
        "read {read}, rejected {rejected}"
    );
}
