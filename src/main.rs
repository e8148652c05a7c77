//! The `advise` binary: parse the command line, run the library, map the
//! outcome to an exit code (0 clean, 1 findings, 2 usage or config error).

use advise::cli::{Cli, Color, Format};
use advise::rulebook::Rulebook;
use advise::{report, select, Options};
use clap::Parser;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

// The analysis allocates many small strings and maps; mimalloc handles
// that far better than the system allocator (as ruff does).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
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

fn run(cli: Cli) -> Result<u8, String> {
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
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
    let rb =
        Rulebook::load(cli.rules.as_deref()).map_err(|e| format!("invalid rules file: {e}"))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if let Some(code) = &cli.explain {
        let text = report::explain(&rb, code)
            .ok_or_else(|| format!("unknown rule code `{code}` (see `advise --list-rules`)"))?;
        let _ = out.write_all(text.as_bytes());
        return Ok(0);
    }
    if cli.list_rules {
        let _ = out.write_all(report::list_rules(&rb).as_bytes());
        return Ok(0);
    }
    if cli.parse_only {
        let (files, bytes) = advise::parse_only(&cli.paths);
        let _ = writeln!(out, "{files} files, {bytes} bytes parsed");
        return Ok(0);
    }
    for s in cli.select.iter().flatten().chain(cli.ignore.iter()) {
        select::validate(s)?;
    }
    let profiles = cli
        .profile
        .iter()
        .map(|p| advise::profile::load(p, cli.profile_format))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("invalid profile: {e}"))?;
    let opts = Options {
        paths: cli.paths.clone(),
        selection: select::Selection {
            select: cli.select.clone(),
            ignore: cli.ignore.clone(),
        },
        profiles,
    };
    let outcome = advise::analyse(&opts, &rb);
    if cli.verbose {
        if let Some(r) = &outcome.profile {
            eprint!("{}", advise::profile::text::unmapped(r));
        }
    }
    let rendered = match cli.format {
        Format::Json => report::json::render(&outcome),
        Format::Text => {
            let summary = match cli.summary {
                advise::cli::Summary::Always => true,
                advise::cli::Summary::Never => false,
                advise::cli::Summary::Auto => outcome.files.len() <= 50,
            };
            report::text::render(&outcome, summary)
        }
    };
    if out
        .write_all(rendered.as_bytes())
        .and_then(|_| out.flush())
        .is_err()
    {
        // A closed pipe (`advise | head`) is not an error of ours.
        return Ok(if outcome.diagnostics.is_empty() { 0 } else { 1 });
    }
    Ok(if outcome.diagnostics.is_empty() { 0 } else { 1 })
}
