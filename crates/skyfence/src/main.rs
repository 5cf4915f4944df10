//! The `skyfence` binary: command line, configuration files, logging and progress.
//! All domain work happens in the library crates; this is the only place that uses
//! `anyhow` and touches the terminal.

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
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Track(args) => track::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
