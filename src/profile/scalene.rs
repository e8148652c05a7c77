//! Scalene's JSON (`scalene run -o profile.json prog.py`).
//!
//! `files[path].lines[]` gives, per line, the percentages of the run spent
//! there: `n_cpu_percent_python` (bytecode), `n_cpu_percent_c` (native
//! code) and `n_sys_percent`, the time the line was not running on a core
//! (waiting for I/O, a lock or the GIL, or descheduled; Scalene computes it
//! from the process's CPU utilisation over wall-clock samples).
//! `files[path].functions[]` holds the same time summed per function; advise
//! maps lines itself, so those sums are checked for shape only.

use super::{Data, ProfileError, TimedLine};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct File {
    files: BTreeMap<String, SFile>,
}

#[derive(Deserialize)]
struct SFile {
    lines: Vec<SLine>,
    #[serde(default)]
    #[allow(dead_code)]
    functions: Vec<SFunction>,
}

#[derive(Deserialize)]
struct SLine {
    lineno: u32,
    n_cpu_percent_python: f64,
    n_cpu_percent_c: f64,
    n_sys_percent: f64,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct SFunction {
    line: String,
    lineno: u32,
}

pub fn parse(name: &str, text: &str) -> Result<Data, ProfileError> {
    let file: File = serde_json::from_str(text).map_err(|e| ProfileError::json(name, &e))?;
    let mut out = Vec::new();
    for (path, f) in &file.files {
        for (i, l) in f.lines.iter().enumerate() {
            for (what, v) in [
                ("n_cpu_percent_python", l.n_cpu_percent_python),
                ("n_cpu_percent_c", l.n_cpu_percent_c),
                ("n_sys_percent", l.n_sys_percent),
            ] {
                if !(v.is_finite() && (0.0..=100.0 + 1e-6).contains(&v)) {
                    return Err(ProfileError::new(
                        name,
                        format!("files[{path:?}].lines[{i}].{what} is {v}, not a percentage"),
                    ));
                }
            }
            if l.n_cpu_percent_python + l.n_cpu_percent_c + l.n_sys_percent > 0.0 {
                out.push(TimedLine {
                    file: path.clone(),
                    line: l.lineno,
                    python: l.n_cpu_percent_python,
                    native: l.n_cpu_percent_c,
                    system: l.n_sys_percent,
                });
            }
        }
    }
    if out.is_empty() {
        return Err(ProfileError::new(
            name,
            "no line has any time: the profile is empty (did the program run long enough?)",
        ));
    }
    Ok(Data::Lines(out))
}
