//! `trunkline doctor --config F [--trunk NAME] [--test-number N]`: checks a
//! configuration against the known failures (trunk unreachable,
//! registration refused, no common codec, RTP ports, handler) and prints
//! one line per check. Exit 0 when nothing failed, 1 otherwise.

use std::path::PathBuf;
use std::process::ExitCode;

use dialer_api::config::Config;
use dialer_api::doctor::{self, DoctorOptions};

/// Arguments of `trunkline doctor`.
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// The TOML configuration file; `TRUNKLINE_<SECTION>__<KEY>` variables override it.
    #[arg(long, env = "TRUNKLINE_CONFIG")]
    config: PathBuf,
    /// The trunk to check (`[[trunks]] name`); the first one by default.
    #[arg(long)]
    trunk: Option<String>,
    /// A number that answers at once (an echo test) for the codec check;
    /// overrides `[doctor] test_number`.
    #[arg(long)]
    test_number: Option<String>,
}

/// Runs `trunkline doctor`.
pub fn run(args: &DoctorArgs) -> ExitCode {
    super::logging::init_logging("warn");
    let loaded = Config::load(&args.config);
    let first = doctor::config_check(&args.config, &loaded);
    println!("{first}");
    let Ok(config) = loaded else {
        println!("doctor: stopped at the configuration");
        return ExitCode::FAILURE;
    };
    let options = DoctorOptions {
        trunk: args.trunk.clone(),
        test_number: args
            .test_number
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
        ..DoctorOptions::default()
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("trunkline: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut report = runtime.block_on(doctor::run(&config, &options, &mut |check| {
        println!("{check}");
    }));
    report.checks.insert(0, first);
    println!("{}", report.summary());
    if report.healthy() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
