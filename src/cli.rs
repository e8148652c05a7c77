//! Command-line definitions. Flag names follow ruff's where ruff has one.

use clap::{Parser, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// ruff-like, with the source line, a caret and help (`text` is an alias).
    #[value(alias = "text")]
    Full,
    /// One line per diagnostic: `path:row:col: CODE message`.
    Concise,
    /// One JSON object with the diagnostics and the hot code.
    Json,
    /// One JSON object per diagnostic, one per line.
    JsonLines,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands, which annotate the pull request.
    Github,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Info,
    Warning,
    Error,
}

/// advise: how your Python hot code behaves under CPython's GIL, and what
/// to do about it.
#[derive(Debug, Parser)]
#[command(name = "advise", version, about, long_about = None)]
pub struct Cli {
    /// Files or directories to analyse (`-` for standard input). Directories
    /// are walked for *.py and *.pyi, respecting .gitignore and `exclude`.
    #[arg(value_name = "PATHS", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format. Default: `full`, or `github` when GITHUB_ACTIONS=true.
    #[arg(
        long = "output-format",
        visible_alias = "format",
        value_enum,
        env = "ADVISE_OUTPUT_FORMAT",
        value_name = "FORMAT"
    )]
    pub output_format: Option<OutputFormat>,

    /// Write the output to this file instead of standard output.
    #[arg(short = 'o', long, value_name = "PATH")]
    pub output_file: Option<PathBuf>,

    /// Show how many diagnostics each rule reported instead of the
    /// diagnostics (JSON with `--output-format json`).
    #[arg(long)]
    pub statistics: bool,

    /// Use this configuration file (`pyproject.toml`, `advise.toml`) for
    /// every file instead of the nearest one to each.
    #[arg(long, value_name = "PATH", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,

    /// Ignore all configuration files.
    #[arg(long)]
    pub isolated: bool,

    /// A rules file layered over the default rulebook and the
    /// configuration's `rules`.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Rule codes or prefixes to enable instead of the configured ones
    /// (comma-separated or repeated), e.g. `GIL1` or `GIL104`. `ALL` enables
    /// every rule.
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub select: Option<Vec<String>>,

    /// Rule codes or prefixes to enable on top of the selected ones.
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub extend_select: Vec<String>,

    /// Rule codes or prefixes to disable (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub ignore: Vec<String>,

    /// Globs of files and directories to skip, replacing the `exclude` of
    /// the configuration and the defaults (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "GLOB")]
    pub exclude: Option<Vec<String>>,

    /// Globs to skip on top of `exclude`.
    #[arg(long, value_delimiter = ',', value_name = "GLOB")]
    pub extend_exclude: Vec<String>,

    /// Apply `exclude` even to paths named on the command line (as
    /// pre-commit passes them).
    #[arg(long)]
    pub force_exclude: bool,

    /// The name to report standard input under, and to look up its
    /// configuration and per-file ignores with.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,

    /// Exit with 0 even when diagnostics are reported.
    #[arg(short = 'e', long)]
    pub exit_zero: bool,

    /// The lowest severity that makes the exit code 1 (default: info, i.e.
    /// any diagnostic).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,

    /// Show the documentation of a rule and exit.
    #[arg(long, value_name = "CODE")]
    pub explain: Option<String>,

    /// List every rule and exit.
    #[arg(long)]
    pub list_rules: bool,

    /// When to colour output. `NO_COLOR` in the environment turns `auto` off.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,

    /// Whether `full` output ends with the hot-code summary.
    #[arg(long, value_enum, default_value_t = Summary::Auto)]
    pub summary: Summary,

    /// The interpreter the code runs on: `auto` reads the nearest
    /// pyproject.toml (free-threaded classifiers, requires-python) and
    /// defaults to `gil`.
    #[arg(long, value_enum)]
    pub target: Option<crate::target::TargetChoice>,

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
