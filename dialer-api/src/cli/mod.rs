//! Command-line interface: one module per subcommand.

mod batch;
mod call;
mod check_config;
mod demo;
mod doctor;
mod echo_bot;
mod logging;
mod register;
mod serve;
mod sim_trunk;
mod stop_signal;
mod transcode;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Trunkline: an AI voice agent dialer speaking SIP and RTP directly to a trunk.
#[derive(Debug, Parser)]
#[command(name = "trunkline", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Place a batch of 20 real SIP calls on loopback (built-in trunk simulator and echo bot)
    /// and print the call table with the cost against Twilio.
    Demo(Box<demo::DemoArgs>),
    /// Validate a configuration file and print it with secrets hidden.
    CheckConfig(check_config::CheckConfigArgs),
    /// Run the HTTP API and the dialing scheduler.
    Serve(serve::ServeArgs),
    /// Submit batches and watch their progress through the API.
    #[command(subcommand)]
    Batch(batch::BatchCommand),
    /// Register with a trunk, print the outcome, un-register.
    Register(register::RegisterArgs),
    /// Place one call through a trunk, bridge it to an AI handler, print a JSON report.
    Call(call::CallArgs),
    /// Convert audio between wav, pcm16, pcmu, pcma, gsm and g729 (prompts, payload dumps).
    Transcode(transcode::TranscodeArgs),
    /// Run a SIP trunk simulator (registrar and answering callee) on loopback.
    SimTrunk(Box<sim_trunk::SimTrunkArgs>),
    /// Run a demo AI handler (Twilio Media Streams): greets, repeats what it hears, hangs up.
    EchoBot(echo_bot::EchoBotArgs),
    /// Check a configuration against the known failures: one PASS/FAIL/SKIP line per check.
    Doctor(doctor::DoctorArgs),
}

/// Parses the command line and runs the chosen subcommand.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::CheckConfig(args) => check_config::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Batch(command) => batch::run(&command),
        Command::Transcode(args) => transcode::run(args),
        Command::SimTrunk(args) => sim_trunk::run(&args),
        Command::EchoBot(args) => echo_bot::run(&args),
        Command::Register(args) => register::run(&args),
        Command::Call(args) => call::run(&args),
        Command::Doctor(args) => doctor::run(&args),
    }
}
