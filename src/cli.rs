//! Command-line definitions.

use clap::{Parser, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Summary {
    /// Shown for one-off runs: text output of at most 50 files.
    Auto,
    Always,
    Never,
}

/// advise: how your Python hot code behaves under CPython's GIL, and what
/// to do about it.
#[derive(Debug, Parser)]
#[command(name = "advise", version, about, long_about = None)]
pub struct Cli {
    /// Files or directories to analyse. Directories are walked for *.py and
    /// *.pyi, respecting .gitignore and the usual excludes.
    #[arg(value_name = "PATHS", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// A rules file layered over the embedded default rulebook.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Rule codes or prefixes to enable (comma-separated or repeated), e.g.
    /// `GIL1` or `GIL104`. `ALL` enables every rule.
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub select: Option<Vec<String>>,

    /// Rule codes or prefixes to disable (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub ignore: Vec<String>,

    /// Show the documentation of a rule and exit.
    #[arg(long, value_name = "CODE")]
    pub explain: Option<String>,

    /// List every rule and exit.
    #[arg(long)]
    pub list_rules: bool,

    /// When to colour output. `NO_COLOR` in the environment turns `auto` off.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,

    /// Whether text output ends with the hot-code summary.
    #[arg(long, value_enum, default_value_t = Summary::Auto)]
    pub summary: Summary,

    /// Worker threads for the per-file stages (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// A profile to join to the analysis (repeatable): py-spy's raw
    /// collapsed stacks or speedscope JSON, or Scalene's JSON. Measured hot
    /// spots are ranked, their classes confirmed or corrected, and findings
    /// about cold code drop one severity level.
    #[arg(long, value_name = "FILE")]
    pub profile: Vec<PathBuf>,

    /// The format of the --profile files (default: decided from the content).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = crate::profile::Format::Auto, requires = "profile")]
    pub profile_format: crate::profile::Format,

    /// List on stderr what could not be mapped from the profiles.
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// Only read and parse the files, then print how many files and bytes
    /// (for bench/compare.sh: the parser's throughput is the floor).
    #[arg(long, hide = true)]
    pub parse_only: bool,
}
