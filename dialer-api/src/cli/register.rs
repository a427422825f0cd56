//! `trunkline register --config F [--trunk NAME]`: registers with the
//! trunk, prints the outcome, un-registers. Exit 0 when registered; on
//! failure the reason from each proxy (SIP status and reason, or timeout)
//! and exit 1.

use std::path::PathBuf;
use std::process::ExitCode;

use dialer_api::config::Config;
use dialer_api::engine::{Engine, EngineSettings, RegisterError, Trunk};

use super::logging::init_logging;
use super::stop_signal::StopSignal;

/// Arguments of `trunkline register`.
#[derive(Debug, clap::Args)]
pub struct RegisterArgs {
    /// The TOML configuration file; `TRUNKLINE_<SECTION>__<KEY>` variables override it.
    #[arg(long, env = "TRUNKLINE_CONFIG")]
    config: PathBuf,
    /// The trunk to register (`[[trunks]] name`); the first one by default.
    #[arg(long)]
    trunk: Option<String>,
}

/// Runs `trunkline register`.
pub fn run(args: &RegisterArgs) -> ExitCode {
    init_logging("warn");
    let config = match Config::load(&args.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("trunkline: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(trunk) = config.trunk(args.trunk.as_deref()) else {
        match &args.trunk {
            Some(name) => eprintln!(
                "trunkline: no trunk named '{name}' in {}",
                args.config.display()
            ),
            None => eprintln!("trunkline: {} has no [[trunks]]", args.config.display()),
        }
        return ExitCode::FAILURE;
    };
    let mut trunk = Trunk::from(trunk);
    trunk.register = false;
    let settings = EngineSettings::from_config(&config);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("trunkline: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(register(settings, trunk))
}

async fn register(settings: EngineSettings, trunk: Trunk) -> ExitCode {
    let mut stop = StopSignal::listen();
    let engine = match Engine::start(settings).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("trunkline: {e}");
            return ExitCode::FAILURE;
        }
    };
    let name = trunk.name.clone();
    let limit = engine.settings().registration_limit(trunk.proxies.len());
    if let Err(e) = engine.add_trunk(trunk).await {
        eprintln!("trunkline: {e}");
        engine.shutdown().await;
        return ExitCode::FAILURE;
    }
    let outcome = tokio::select! {
        outcome = engine.register(&name, limit) => outcome,
        () = stop.recv() => {
            // Shutting down un-registers whatever the REGISTER achieved.
            eprintln!("trunkline: stopped before the registration finished");
            engine.shutdown().await;
            return ExitCode::FAILURE;
        }
    };
    let code = match outcome {
        Ok(registered) => {
            for f in &registered.failures {
                println!("registration failed: {f}");
            }
            println!(
                "registered with {} for {} s",
                registered.proxy,
                registered.expires.as_secs()
            );
            match engine.unregister(&name, limit).await {
                Ok(()) => println!("unregistered from {}", registered.proxy),
                Err(e) => eprintln!("trunkline: un-REGISTER: {e}"),
            }
            ExitCode::SUCCESS
        }
        Err(RegisterError::Failed(failures)) => {
            for f in &failures {
                eprintln!("registration failed: {f}");
            }
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("trunkline: {e}");
            ExitCode::FAILURE
        }
    };
    engine.shutdown().await;
    code
}
