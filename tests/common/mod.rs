//! Running the real binary as a user would, in a clean environment.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// `advise` with the variables that change its defaults removed.
pub fn command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_advise"));
    c.env_remove("NO_COLOR")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("ADVISE_OUTPUT_FORMAT")
        .stdin(Stdio::null());
    c
}

pub fn advise(args: &[&str]) -> Output {
    command().args(args).output().expect("run advise")
}

/// Run in `dir`.
pub fn advise_in(dir: &Path, args: &[&str]) -> Output {
    command()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run advise")
}

/// Run in `dir` with `input` on standard input.
pub fn advise_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    let mut child = command()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run advise");
    // advise may exit (on a usage error) before reading it all.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    child.wait_with_output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh directory for one test, removed (with everything in it) when the
/// test ends, whether it passed or not.
pub struct TmpDir(PathBuf);

impl std::ops::Deref for TmpDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TmpDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for TmpDir {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for TmpDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn tmpdir(name: &str) -> TmpDir {
    let d = std::env::temp_dir().join(format!("advise-test-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    TmpDir(d)
}

/// Write files (creating directories) under `root`.
pub fn write(root: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let p = root.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// A coroutine with a blocking call: GIL104 at line 3.
pub const BLOCKING: &str = "import time\nasync def f():\n    time.sleep(1)\n";

/// A function that is CPU-bound and dispatched to threads: GIL101 (warning).
pub const CPU_IN_THREADS: &str = "\
from concurrent.futures import ThreadPoolExecutor


def crunch(n):
    total = 0
    for i in range(n):
        for j in range(n):
            total += i * j
    return total


def main():
    with ThreadPoolExecutor() as pool:
        return list(pool.map(crunch, [1000, 2000]))
";

/// (filename, row, code) of each diagnostic of `--output-format json`.
pub fn diagnostics(o: &Output) -> Vec<(String, u64, String)> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", stdout(o), stderr(o)));
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["filename"].as_str().unwrap().to_string(),
                d["location"]["row"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The codes reported, in order.
pub fn codes(o: &Output) -> Vec<String> {
    diagnostics(o).into_iter().map(|(_, _, c)| c).collect()
}
