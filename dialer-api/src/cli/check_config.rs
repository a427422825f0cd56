//! `trunkline check-config`: loads and validates a configuration file.

use std::path::PathBuf;
use std::process::ExitCode;

use dialer_api::config::Config;

/// Arguments of `trunkline check-config`.
#[derive(Debug, clap::Args)]
pub struct CheckConfigArgs {
    /// The TOML configuration file; `TRUNKLINE_<SECTION>__<KEY>` variables override it.
    #[arg(long, env = "TRUNKLINE_CONFIG")]
    config: PathBuf,
}

/// Prints the effective configuration (secrets hidden) or the first error; exit 1 on error.
pub fn run(args: &CheckConfigArgs) -> ExitCode {
    match Config::load(&args.config) {
        Ok(config) => {
            println!("{config:#?}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("trunkline: {e}");
            ExitCode::FAILURE
        }
    }
}
