//! `skyfence convert`: other tools' files into skyfence's formats, so that their
//! scenarios can be tracked and their trackers scored by `skyfence eval`.
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum From {
    /// `mtt-bench-scenario` JSON Lines (../shared/scenarios): truth and detections.
    MttScenario,
}

#[derive(Args)]
pub struct ConvertArgs {
    /// Format of the input.
    #[arg(long, value_enum)]
    from: From,
    /// Input file.
    input: PathBuf,
    /// Where to write truth lines for `skyfence eval --truth`.
    #[arg(long)]
    truth: Option<PathBuf>,
    /// Where to write detection lines for `skyfence track`.
    #[arg(long)]
    detections: Option<PathBuf>,
}

pub fn run(a: ConvertArgs) -> Result<()> {
    match a.from {
        From::MttScenario => {
            let text = std::fs::read_to_string(&a.input)
                .with_context(|| format!("reading {}", a.input.display()))?;
            let s = formats::MttScenario::parse(&text)
                .with_context(|| format!("in {}", a.input.display()))?;
            if let Some(p) = &a.truth {
                std::fs::write(p, s.truth_lines())
                    .with_context(|| format!("writing {}", p.display()))?;
            }
            if let Some(p) = &a.detections {
                std::fs::write(p, s.detection_lines())
                    .with_context(|| format!("writing {}", p.display()))?;
            }
            if a.truth.is_none() && a.detections.is_none() {
                anyhow::bail!("nothing to do: give --truth and/or --detections");
            }
        }
    }
    Ok(())
}
