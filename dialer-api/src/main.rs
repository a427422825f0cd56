//! `trunkline`: puts AI voice agents on the phone network through a SIP trunk.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
