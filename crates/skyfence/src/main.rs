//! The `skyfence` binary: command line, configuration files, logging and progress.
//! All domain work happens in the library crates; this is the only place that uses
//! `anyhow` and touches the terminal.

/// `println!` for the command's report on standard output, without its panic when the
/// reader has gone (`skyfence sim --list | head`): a closed pipe ends the process
/// quietly, as it does other Unix tools; any other write error ends it with a message.
/// Only for printing at the end of a command, since nothing after it runs.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            $crate::stdout_failed(&e)
        }
    }};
}

mod convert;
mod decode;
mod demo;
mod eval;
mod plan;
mod plot;
mod serve;
mod sim;
mod track;

use clap::{Parser, Subcommand};

/// skyfence: one trusted air picture from many cheap sensors. Surveillance,
/// identification and warning only.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Track detections (JSON Lines) into confirmed tracks (JSON Lines).
    Track(track::TrackArgs),
    /// Simulate a border scenario into detections, truth and a sensors file.
    Sim(sim::SimArgs),
    /// Score tracks against truth: GOSPA, OSPA, continuity, warning times.
    Eval(eval::EvalArgs),
    /// Plan a sensor network along a border for a budget or a required warning.
    Plan(plan::PlanArgs),
    /// Run the live service: inputs, tracking, alerts, outputs and the HTTP API.
    Serve(serve::ServeArgs),
    /// Convert other tools' files (mtt-bench scenarios) into skyfence's formats.
    Convert(convert::ConvertArgs),
    /// Show the live map on a simulated border: the service with a built-in scenario.
    Demo(demo::DemoArgs),
    /// Decode a sensor protocol (recording or stream) into detections or messages.
    Decode(decode::DecodeArgs),
    /// Hash a map-page password (read from standard input) for a `[[web.user]]`.
    HashPassword,
}

/// Reads one line from standard input and prints its Argon2id hash.
fn hash_password() -> anyhow::Result<()> {
    use anyhow::Context;
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let pw = line.trim_end_matches(['\n', '\r']);
    let min = server::auth::MIN_PASSWORD_CHARS;
    if pw.chars().count() < min {
        anyhow::bail!("the password is shorter than {min} characters");
    }
    outln!("{}", server::auth::hash_password(pw)?);
    Ok(())
}

fn main() -> std::process::ExitCode {
    let logs = tracing_subscriber::fmt().with_writer(std::io::stderr);
    // Parsing filter directives compiles regular expressions (a noticeable share of
    // the start-up time of a short run), so only do it when RUST_LOG asks for it.
    match std::env::var_os("RUST_LOG") {
        Some(_) => logs
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .init(),
        None => logs.with_max_level(tracing::Level::WARN).init(),
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Track(args) => track::run(args),
        Command::Sim(args) => sim::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Decode(args) => decode::run(args),
        Command::HashPassword => hash_password(),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // The reader of a streamed output (`skyfence track -o - | head`) has all it
        // wanted: not an error.
        Err(e) if closed_pipe(&e) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Whether an error comes from writing to a pipe whose reader has closed it.
fn closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Ends the process after a failed write to standard output (see `outln!`).
fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: writing to standard output: {e}");
    std::process::exit(1);
}
