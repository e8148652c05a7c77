//! The `advise` binary: parse the command line, read the configuration, run
//! the library, map the outcome to an exit code (0 clean, 1 findings at or
//! above `fail-on`, 2 usage or configuration error).

use advise::cli::{Cli, Color, FailOn, OutputFormat, Summary};
use advise::config::{self, Overrides, Resolver};
use advise::rulebook::{Rulebook, Severity};
use advise::select::{self, Layer};
use advise::{report, Options, StdinInput};
use clap::Parser;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

// The analysis allocates many small strings and maps; mimalloc handles
// that far better than the system allocator (as ruff does). It is built
// without transparent huge pages (the crate's `no_thp` feature): with them
// the kernel zeroed 2 MB at a time for memory the run barely touched, which
// cost about 35 MB of peak memory on the standard library.
#[global_allocator]
static GLOBAL: advise::alloc::Allocator = advise::alloc::Allocator;

/// Give freed memory back to the system after 10 ms rather than the
/// vendored mimalloc's default of one second: what a stage frees then stops
/// counting against the run's peak memory (about 15% less on the standard
/// library, at no measurable cost in time). The per-file stage sets its own
/// delay while it runs (see `advise::alloc`).
fn tune_allocator() {
    let _default = advise::alloc::purge_delay(10);
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(msg) => {
            eprintln!(
                "{}: {msg}",
                colored::Colorize::bold(colored::Colorize::red("error"))
            );
            ExitCode::from(2)
        }
    }
}

fn warn(msg: &str) {
    eprintln!(
        "{}: {msg}",
        colored::Colorize::bold(colored::Colorize::yellow("warning"))
    );
}

/// The format asked for: the flag, else `ADVISE_OUTPUT_FORMAT` (both read
/// by clap), else `github` inside GitHub Actions, else `full`.
fn output_format(cli: &Cli) -> OutputFormat {
    cli.output_format.unwrap_or_else(|| {
        if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
            OutputFormat::Github
        } else {
            OutputFormat::Full
        }
    })
}

/// Standard input, when the command line asks for it (`-`, or
/// `--stdin-filename`, as in ruff).
fn stdin_input(cli: &Cli) -> Result<Option<StdinInput>, String> {
    let dash = Path::new("-");
    let has_dash = cli.paths.iter().any(|p| p == dash);
    if cli.stdin_filename.is_none() && !has_dash {
        return Ok(None);
    }
    if cli.stdin_filename.is_none() && cli.paths.len() > 1 {
        return Err("`-` (standard input) cannot be combined with other paths".into());
    }
    if cli.stdin_filename.is_some() {
        for p in cli
            .paths
            .iter()
            .filter(|p| *p != dash && *p != Path::new("."))
        {
            warn(&format!(
                "ignoring `{}`: --stdin-filename analyses standard input",
                p.display()
            ));
        }
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    Ok(Some(StdinInput {
        name: cli.stdin_filename.clone().unwrap_or_else(|| "-".into()),
        bytes,
    }))
}

fn run(cli: Cli) -> Result<u8, String> {
    let to_file = cli.output_file.is_some();
    let color = match cli.color {
        Color::Always => !to_file,
        Color::Never => false,
        Color::Auto => {
            !to_file
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    colored::control::set_override(color);

    if cli.threads == Some(0) {
        return Err("--threads must be at least 1".into());
    }
    // Parsing and walking deeply nested code recurses; give the workers
    // room (virtual memory, committed only as used).
    rayon::ThreadPoolBuilder::new()
        .num_threads(cli.threads.unwrap_or(0))
        .stack_size(64 << 20)
        .build_global()
        .map_err(|e| e.to_string())?;
    if cli.explain.is_some() || cli.list_rules {
        let rules: Vec<&Path> = cli.rules.iter().map(PathBuf::as_path).collect();
        let rb = Rulebook::load(&rules).map_err(|e| format!("invalid rules file: {e}"))?;
        let text = match &cli.explain {
            Some(code) => report::explain(&rb, code)
                .ok_or_else(|| format!("unknown rule code `{code}` (see `advise --list-rules`)"))?,
            None => report::list_rules(&rb),
        };
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        return Ok(0);
    }
    for s in cli
        .select
        .iter()
        .flatten()
        .chain(cli.extend_select.iter())
        .chain(cli.ignore.iter())
    {
        select::validate(s)?;
    }
    let profiles = cli
        .profile
        .iter()
        .map(|p| advise::profile::load(p, cli.profile_format))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("invalid profile: {e}"))?;
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let overrides = Overrides {
        layer: Layer {
            select: cli.select.clone(),
            extend_select: cli.extend_select.clone(),
            ignore: cli.ignore.clone(),
        },
        exclude: cli.exclude.clone(),
        extend_exclude: cli.extend_exclude.clone(),
        fail_on: cli.fail_on.map(|f| match f {
            FailOn::Info => Severity::Info,
            FailOn::Warning => Severity::Warning,
            FailOn::Error => Severity::Error,
        }),
    };
    let resolver = Resolver::new(cwd.clone(), overrides, cli.config.as_deref(), cli.isolated)
        .map_err(|e| e.to_string())?;
    let stdin = stdin_input(&cli)?;
    let mut opts = Options {
        paths: cli.paths.clone(),
        stdin,
        resolver: Arc::new(resolver),
        force_exclude: cli.force_exclude,
        target: advise::target::TargetChoice::Auto,
        profiles,
        hotspots: true,
    };
    let timer = advise::Timer::new();
    let inputs = advise::discover(&opts).map_err(|e| e.to_string())?;
    timer.lap("discover");
    if cli.parse_only {
        let (files, bytes) = advise::parse_only(&inputs);
        println!("{files} files, {bytes} bytes parsed");
        return Ok(0);
    }
    let (run_settings, warnings) =
        advise::run_settings(&opts, &inputs).map_err(|e| e.to_string())?;
    // `--target` wins over the configuration's `target`.
    opts.target = match (cli.target, run_settings.target) {
        (Some(t), _) => t,
        (None, Some(config::Target::Gil)) => advise::target::TargetChoice::Gil,
        (None, Some(config::Target::FreeThreaded)) => advise::target::TargetChoice::FreeThreaded,
        (None, _) => advise::target::TargetChoice::Auto,
    };
    // Rules files are named relative to the current directory, as the user
    // wrote them; the configuration's is resolved against its own file.
    let mut rules: Vec<PathBuf> = Vec::new();
    if let Some(p) = &run_settings.rules {
        rules.push(config::display_path(&cwd, p).into());
    }
    if let Some(p) = &cli.rules {
        rules.push(p.clone());
    }
    let rules: Vec<&Path> = rules.iter().map(PathBuf::as_path).collect();
    let rb = Rulebook::load(&rules).map_err(|e| format!("invalid rules file: {e}"))?;

    let format = output_format(&cli);
    // Each input is one file of the outcome.
    let summary = match cli.summary {
        Summary::Always => true,
        Summary::Never => false,
        Summary::Auto => inputs.len() <= 50,
    };
    opts.hotspots = !cli.statistics
        && match format {
            OutputFormat::Json => true,
            OutputFormat::Full => summary,
            _ => false,
        };
    let outcome = advise::analyse_inputs(inputs, &opts, &rb);
    timer.lap("settings, rules and the stages above");
    if cli.verbose {
        if let Some(r) = &outcome.profile {
            eprint!("{}", advise::profile::text::unmapped(r));
        }
    }
    for w in warnings.iter().chain(outcome.warnings.iter()) {
        warn(w);
    }
    // The report as text, except JSON's, which is streamed to where it
    // goes (`None`): it is the largest, with every hotspot.
    let rendered = if cli.statistics {
        Some(match format {
            OutputFormat::Json | OutputFormat::JsonLines => {
                report::statistics::render_json(&outcome)
            }
            _ => report::statistics::render_text(&outcome),
        })
    } else {
        match format {
            OutputFormat::Full => Some(report::text::render(&outcome, summary)),
            OutputFormat::Concise => Some(report::concise::render(&outcome)),
            OutputFormat::Json => None,
            OutputFormat::JsonLines => Some(report::json::render_lines(&outcome)),
            OutputFormat::Sarif => Some(report::sarif::render(&outcome, &rb, &cwd)),
            OutputFormat::Github => Some(report::github::render(&outcome, &cwd)),
        }
    };
    let code = if cli.exit_zero || !outcome.fails() {
        0
    } else {
        1
    };
    match &cli.output_file {
        Some(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
            }
            let cannot = |e: std::io::Error| format!("cannot write `{}`: {e}", path.display());
            let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(cannot)?);
            emit(&mut file, rendered.as_deref(), &outcome)
                .and_then(|_| file.flush())
                .map_err(cannot)?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            // A closed pipe (`advise | head`) is not an error of ours.
            let _ = emit(&mut out, rendered.as_deref(), &outcome).and_then(|_| out.flush());
        }
    }
    timer.lap("report written");
    Ok(code)
}

/// Write the report: its text, or (`None`) the JSON report streamed.
/// Generic, so that the JSON writer's many small writes reach the buffer
/// without a virtual call each.
fn emit<W: Write>(
    out: &mut W,
    rendered: Option<&str>,
    outcome: &advise::Outcome,
) -> std::io::Result<()> {
    match rendered {
        Some(text) => out.write_all(text.as_bytes()),
        None => report::json::write(outcome, out),
    }
}
