//! The command line: argument parsing and the headless commands.
//!
//! Each command lives in its own file; this one parses and dispatches.

mod case;
mod case_add;
mod cloud_args;
mod clusters;
mod console;
mod demo;
mod detect;
mod events;
mod fleet;
mod fleet_cost;
mod fleet_status;
mod formats;
mod output;
mod problems;
mod queries;
mod query;
mod rows;
mod source_args;
mod table;
mod tail;
mod tail_args;
mod tail_follow;
mod tail_state;
mod tail_status;
mod time_args;
mod usage;
mod watch;
mod work;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

pub use source_args::SourceArgs;
pub use time_args::TimeArgs;
pub use usage::UsageError;

const EXAMPLES: &str = "\
Examples:
  kaudit                                   the built-in demo incident
  kaudit events --demo | head              the demo's events as a table
  kaudit events audit.log.gz --since 2h    a gzipped API-server audit log, last two hours
  aws logs filter-log-events --log-group-name /aws/eks/prod/cluster \\
      --log-stream-name-prefix kube-apiserver-audit > page.json
  kaudit events page.json --output jsonl   CloudWatch CLI output, as JSON lines
  kaudit formats ./exports/                what each file holds, and what could not be read
  kaudit query --demo 'stats count(*) by verb'
                                           a Logs Insights query, offline
  kaudit query --demo --canned aws-auth-changes
  kaudit watch audit.log -o jsonl          each finding as its event is written
  kaudit demo --events 1000000 > big.log   a million-event demo file";

/// A console for investigating Kubernetes API-server audit logs (Amazon EKS first).
#[derive(Debug, Parser)]
#[command(name = "kaudit", version, about, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// With no command: the console over SOURCE (the demo incident when none is given); when
    /// standard output is not a terminal, the events as a table.
    #[command(flatten)]
    source: SourceArgs,
    /// The console's colour theme: dark, light, high-contrast, solarized-dark, or one of the
    /// user's themes folder (NO_COLOR turns colour off).
    #[arg(long, value_name = "NAME")]
    theme: Option<String>,
    /// With no command: keep reading the files as they grow (or CloudWatch, live), new events
    /// streaming into the console.
    #[arg(long)]
    follow: bool,
    /// With no command: the console over CloudWatch Logs.
    #[command(flatten)]
    cloud: cloud_args::CloudArgs,
    /// With --cluster or --log-group: read this far back (default 1h).
    #[arg(long, value_name = "DURATION")]
    since: Option<String>,
    /// With no command: the console in case NAME (made if new), which keeps the events marked
    /// with their tags and notes, notes, the queries run and the findings opened.
    #[arg(long, value_name = "NAME")]
    case: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print events: a table of what an analyst scans, or the original JSON.
    Events(events::EventsArgs),
    /// Run a Logs Insights query over local events, or in CloudWatch Logs (--cluster,
    /// --log-group).
    Query(query::QueryArgs),
    /// Run every detection of the library over SOURCE; exit 3 when anything fired.
    Detect(detect::DetectArgs),
    /// List the canned queries of the library: name, severity, parameters, tags.
    Queries(queries::QueriesArgs),
    /// List the EKS clusters whose audit log is in CloudWatch Logs.
    Clusters(clusters::ClustersArgs),
    /// Follow a cluster's audit log in CloudWatch Logs as it is written.
    Tail(tail_args::TailArgs),
    /// Every detection over events as they arrive (files followed, or a cluster tailed): each
    /// finding printed when its event comes; exit 3 when anything fired.
    Watch(watch::WatchArgs),
    /// Say what each input holds: its format, counts, and every record that could not be read.
    Formats(formats::FormatsArgs),
    /// Cases: evidence kept for the hand-over (marked events, notes, the queries that found
    /// them).
    Case(case::CaseArgs),
    /// Write the built-in demo incident (a deterministic EKS audit log of a cluster under attack).
    Demo(demo::DemoArgs),
    /// Print a shell completion script.
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
}

/// How a command ended, as an exit status: 0 success, 1 an input or output failed, 2 bad usage
/// (an error that is a [`UsageError`] exits 2 too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    /// A specific status, such as 2 for a query that does not parse.
    Exit(u8),
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Failure => ExitCode::from(1),
            Outcome::Exit(code) => ExitCode::from(code),
        }
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if let Some(mistyped) = mistyped_before(&e) {
                eprintln!("kaudit: {}", crate::text::sanitize(&mistyped.to_string()));
                return ExitCode::from(2);
            }
            e.exit()
        }
    };
    match checked(cli).and_then(dispatch) {
        Ok(outcome) => outcome.into(),
        Err(e) => {
            eprintln!("kaudit: {}", crate::text::sanitize(&format!("{e:#}")));
            ExitCode::from(if usage::is_usage(&e) { 2 } else { 1 })
        }
    }
}

/// `kaudit qeury --demo …`: the parser takes a misspelt command for a file, then refuses the
/// options that follow it ("cannot be used with --demo"); the misspelling is the mistake to name.
fn mistyped_before(e: &clap::Error) -> Option<anyhow::Error> {
    use clap::error::ErrorKind;
    if !matches!(
        e.kind(),
        ErrorKind::ArgumentConflict | ErrorKind::UnknownArgument
    ) {
        return None;
    }
    let first = std::env::args_os().nth(1)?;
    if first.to_str()?.starts_with('-') {
        return None;
    }
    let command = Cli::command();
    let names = command.get_subcommands().map(|c| c.get_name());
    usage::mistyped_command(&[std::path::PathBuf::from(first)], names)
}

/// What the parser cannot see before anything runs: with no command, a first word that is
/// neither a file nor a command, and a theme that does not exist (piped output takes no theme,
/// but a wrong name is a mistake all the same).
fn checked(cli: Cli) -> anyhow::Result<Cli> {
    if cli.command.is_some() && cli.case.is_some() {
        return Err(usage::usage(
            "--case opens the console in a case; a command adds to one with `kaudit case add NAME …` or `kaudit case note NAME TEXT`",
        ));
    }
    if cli.command.is_none() {
        let command = Cli::command();
        let names = command.get_subcommands().map(|c| c.get_name());
        if let Some(e) = usage::mistyped_command(&cli.source.paths, names) {
            return Err(e);
        }
        if let Some(theme) = &cli.theme {
            console::check_theme(theme)?;
        }
        if let Some(name) = &cli.case {
            crate::case::check_name(name).map_err(|e| usage::usage(e.to_string()))?;
        }
    }
    Ok(cli)
}

fn dispatch(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Some(Command::Events(args)) => events::run(&args),
        Some(Command::Formats(args)) => formats::run(&args),
        Some(Command::Query(args)) => query::run(&args),
        Some(Command::Clusters(args)) => clusters::run(&args),
        Some(Command::Queries(args)) => queries::run(&args),
        Some(Command::Detect(args)) => detect::run(&args),
        Some(Command::Tail(args)) => tail::run(&args),
        Some(Command::Watch(args)) => watch::run(&args),
        Some(Command::Case(args)) => case::run(&args),
        Some(Command::Demo(args)) => demo::run(&args),
        Some(Command::Completions { shell }) => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "kaudit", &mut std::io::stdout());
            Ok(Outcome::Success)
        }
        None if std::io::IsTerminal::is_terminal(&std::io::stdout()) => console::run(
            &cli.source,
            cli.theme.as_deref(),
            cli.follow,
            &cli.cloud,
            cli.since.as_deref(),
            cli.case.as_deref(),
        ),
        None if cli.case.is_some() => Err(usage::usage(
            "--case opens the console in a case, and needs a terminal; for scripts, use `kaudit case add NAME …`",
        )),
        None if cli.cloud.is_set()
            || (cli.cloud.connection_only()
                && cli.source.paths.is_empty()
                && cli.source.file.is_empty()
                && !cli.source.demo) =>
        {
            Err(usage::usage(
                "the console needs a terminal; for scripts, use `kaudit query --cluster …` or `kaudit tail --cluster …`",
            ))
        }
        None => {
            let mut args = events::EventsArgs::with_source(cli.source);
            args.follow = cli.follow;
            events::run(&args)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
