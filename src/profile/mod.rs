//! Profile-guided advice: profiles that py-spy and Scalene write, joined to
//! the static analysis.
//!
//! A profile knows what is hot; the static analysis knows what each line
//! does. Each format is read into one [`Profile`]: sampled stacks (py-spy's
//! raw collapsed stacks and its speedscope JSON) or timed lines (Scalene's
//! JSON). [`join`] maps profile paths to the analysed files by their longest
//! common path suffix and lines to functions by their definitions' line
//! ranges, then uses the measurement three ways: it ranks the hot spots by
//! measured share, confirms or corrects their workload class, and drops
//! findings about cold code one severity level. What cannot be mapped is
//! counted and reported, never dropped silently.

pub mod collapsed;
pub mod join;
pub mod mapping;
pub mod scalene;
pub mod speedscope;
pub mod text;

pub use join::{apply, Measured, ProfileReport, SourceReport, Unmapped};

use std::fmt;
use std::path::{Path, PathBuf};

/// The profile formats advise reads (`--profile-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Decide from the content.
    Auto,
    /// py-spy's raw collapsed stacks (`py-spy record -f raw`): one line per
    /// stack, frames `name (file:line)` from root to leaf joined by `;`,
    /// then a space and the sample count.
    #[value(alias = "raw", alias = "py-spy")]
    Collapsed,
    /// speedscope JSON with sampled profiles (`py-spy record -f speedscope`).
    Speedscope,
    /// Scalene's JSON (`scalene run -o profile.json`).
    Scalene,
}

impl Format {
    pub fn describe(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Collapsed => "collapsed stacks",
            Format::Speedscope => "speedscope",
            Format::Scalene => "Scalene",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Collapsed => "collapsed",
            Format::Speedscope => "speedscope",
            Format::Scalene => "scalene",
        }
    }
}

/// One code frame of a sampled stack.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Frame {
    /// The function as the profiler names it (`crunch`, `Scale.combine`,
    /// `main.<locals>.<listcomp>`).
    pub name: String,
    /// The path as the profiler wrote it: absolute, or relative to an
    /// import root (py-spy's raw output shortens paths).
    pub file: String,
    /// The line executing in this frame (0 when the profiler did not know).
    pub line: u32,
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}:{})", self.name, self.file, self.line)
    }
}

/// A sampled stack: code frames from root to leaf, and how much it weighs.
#[derive(Debug, Clone)]
pub struct Stack {
    /// Indices into [`Profile::frames`], root first. Pseudo-frames
    /// (`thread (123)`, `process 45:"python x.py"`) are left out.
    pub frames: Vec<u32>,
    /// Samples (collapsed stacks) or the sample's weight (speedscope).
    pub weight: f64,
    /// How many samples this stack stands for.
    pub samples: u64,
}

/// One line of a Scalene profile: the percentages of the run's time spent
/// running Python bytecode, native code, and not running (system time:
/// waiting for I/O, a lock or a core).
#[derive(Debug, Clone)]
pub struct TimedLine {
    pub file: String,
    pub line: u32,
    pub python: f64,
    pub native: f64,
    pub system: f64,
}

#[derive(Debug, Clone)]
pub enum Data {
    Stacks {
        frames: Vec<Frame>,
        stacks: Vec<Stack>,
    },
    Lines(Vec<TimedLine>),
}

/// A profile, read and validated.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The profile file, as named on the command line.
    pub path: PathBuf,
    pub format: Format,
    pub data: Data,
    /// Whether the profile accounts for time spent waiting. A sampling
    /// profiler that skips idle threads (py-spy without `--idle`) sees CPU
    /// work only: it cannot show that a function does not wait, nor that
    /// waiting code is cold.
    pub measures_waiting: bool,
}

impl Profile {
    /// The sum of all weights: the denominator of every share.
    pub fn total(&self) -> f64 {
        match &self.data {
            Data::Stacks { stacks, .. } => stacks.iter().map(|s| s.weight).sum(),
            Data::Lines(lines) => lines.iter().map(|l| l.python + l.native + l.system).sum(),
        }
    }

    /// Samples in the profile (sampled formats only).
    pub fn samples(&self) -> Option<u64> {
        match &self.data {
            Data::Stacks { stacks, .. } => Some(stacks.iter().map(|s| s.samples).sum()),
            Data::Lines(_) => None,
        }
    }
}

/// A profile that cannot be read: the file, the position where known, and
/// what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError {
    pub file: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
}

impl ProfileError {
    pub fn new(file: &str, message: impl Into<String>) -> Self {
        ProfileError {
            file: file.to_string(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn at(file: &str, line: u64, column: Option<u64>, message: impl Into<String>) -> Self {
        ProfileError {
            file: file.to_string(),
            line: Some(line),
            column,
            message: message.into(),
        }
    }

    /// From a serde_json error, with its position and without the
    /// position's repetition in the message.
    pub fn json(file: &str, e: &serde_json::Error) -> Self {
        let mut message = e.to_string();
        if let Some(i) = message.rfind(" at line ") {
            message.truncate(i);
        }
        if e.line() == 0 {
            return ProfileError::new(file, message);
        }
        ProfileError::at(file, e.line() as u64, Some(e.column() as u64), message)
    }
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{}:{}: {}", self.file, l, c, self.message),
            (Some(l), None) => write!(f, "{}:{}: {}", self.file, l, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Read a profile file.
pub fn load(path: &Path, format: Format) -> Result<Profile, ProfileError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        ProfileError::new(
            &name,
            format!("cannot read profile: {}", crate::discover::io_reason(&e)),
        )
    })?;
    parse(path, &bytes, format)
}

/// Parse a profile's bytes; `path` names it in errors.
pub fn parse(path: &Path, bytes: &[u8], format: Format) -> Result<Profile, ProfileError> {
    let name = path.display().to_string();
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ProfileError::new(
            &name,
            format!(
                "not UTF-8 text (invalid byte at offset {}); expected py-spy or Scalene output",
                e.valid_up_to()
            ),
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let format = match format {
        Format::Auto => sniff(&name, text)?,
        f => f,
    };
    let (data, measures_waiting) = match format {
        Format::Collapsed => (collapsed::parse(&name, text)?, false),
        Format::Speedscope => speedscope::parse(&name, text)?,
        Format::Scalene => (scalene::parse(&name, text)?, true),
        Format::Auto => unreachable!("resolved above"),
    };
    let profile = Profile {
        path: path.to_path_buf(),
        format,
        data,
        measures_waiting,
    };
    let total = profile.total();
    if !(total.is_finite() && total > 0.0) {
        return Err(ProfileError::new(
            &name,
            format!("the samples weigh {total} in all: no share of them can be computed"),
        ));
    }
    Ok(profile)
}

/// Decide the format from the content: JSON with `shared` and `profiles`
/// is speedscope, JSON with `files` is Scalene, anything else is read as
/// collapsed stacks.
fn sniff(name: &str, text: &str) -> Result<Format, ProfileError> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(ProfileError::new(name, "the profile is empty"));
    }
    if !trimmed.starts_with('{') {
        return Ok(Format::Collapsed);
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ProfileError::json(name, &e))?;
    let has = |k: &str| value.get(k).is_some();
    if has("shared") && has("profiles") {
        Ok(Format::Speedscope)
    } else if has("files") {
        Ok(Format::Scalene)
    } else {
        Err(ProfileError::new(
            name,
            "a JSON file that is neither speedscope (`shared` and `profiles`) nor Scalene \
             (`files`) output; give --profile-format to say which it is",
        ))
    }
}

/// A share as a percentage for people: `27.9%`, `0.4%`, `<0.1%`.
pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p > 0.0 && p < 0.05 {
        "<0.1%".to_string()
    } else {
        format!("{p:.1}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_must_weigh_something() {
        let e = parse(Path::new("p.txt"), b"main (x.py:1) 0\n", Format::Auto).unwrap_err();
        assert!(e.message.contains("weigh 0 in all"), "{e}");
        assert!(parse(Path::new("p.txt"), b"main (x.py:1) 2\n", Format::Auto).is_ok());
    }

    #[test]
    fn sniffing() {
        let e = parse(Path::new("p.json"), b"{\"x\": 1}", Format::Auto).unwrap_err();
        assert!(e.message.contains("neither speedscope"), "{e}");
        let e = parse(Path::new("p.json"), b"{\"files\": ", Format::Auto).unwrap_err();
        assert_eq!((e.line, e.column), (Some(1), Some(10)), "{e}");
    }
}
