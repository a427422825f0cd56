//! The call-engine load benchmark (`benches/load/run.sh` runs it; see
//! BENCHMARKS.md, "Call engine under load"). Subcommands:
//!
//! - `run`: the engine under N concurrent calls, measured ([`run`]);
//! - `baseline`: a bare UDP echo (`udp_echo.c`) at the same packet rate ([`baseline`]);
//! - `bot`, `probe`: the peer processes `run` starts ([`bot`], [`probe`]).

mod baseline;
mod bot;
mod children;
mod probe;
mod procfs;
mod run;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Command line of the load benchmark.
#[derive(Debug, Parser)]
#[command(name = "load", about = "Trunkline call engine under load")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// N concurrent calls through the engine; prints one JSON object.
    Run(run::RunOptions),
    /// A bare UDP echo at the same packet rate; prints one JSON object.
    Baseline(baseline::BaselineOptions),
    /// The Twilio Media Streams bot that echoes every frame (used by run).
    Bot,
    /// The RTP echo that measures packet gaps (used by run).
    Probe,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Probe => probe::run(),
        command => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            if let Command::Run(run::RunOptions {
                worker_threads: Some(n),
                ..
            }) = &command
            {
                builder.worker_threads(*n);
            }
            builder.enable_all().build()
        }
        .map_err(|e| format!("tokio runtime: {e}"))
        .and_then(|rt| {
            rt.block_on(async {
                match command {
                    Command::Run(o) => run::run(&o).await.map(|v| println!("{v}")),
                    Command::Baseline(o) => baseline::run(&o).await.map(|v| println!("{v}")),
                    Command::Bot => bot::run().await,
                    Command::Probe => probe::run(),
                }
            })
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("load: {e}");
            ExitCode::FAILURE
        }
    }
}
