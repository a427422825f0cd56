//! `trunkline serve --config F`: the HTTP API, the queue and the scheduler in one process.

use clap::Args;
use dialer_api::api::ApiPolicy;
use dialer_api::api::server::{ServiceSettings, serve};
use dialer_api::config::Config;
use dialer_api::engine::{Engine, EngineSettings};
use dialer_api::scheduler::{CallEngine, SchedulerSettings};
use dialer_api::store::secrets::SecretBox;
use dialer_api::webhook::WebhookSettings;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use super::logging::init_logging;
use super::stop_signal::StopSignal;

/// Arguments of `trunkline serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Configuration file (TOML); `TRUNKLINE_SECTION__KEY` variables override it.
    #[arg(long)]
    config: PathBuf,
}

/// Runs `trunkline serve`.
pub fn run(args: &ServeArgs) -> ExitCode {
    init_logging("info");
    let config = match Config::load(&args.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(key) = &config.security.secret_key else {
        eprintln!(
            "error: security.secret_key is required by serve (it encrypts stored trunk passwords): \
             set TRUNKLINE_SECURITY__SECRET_KEY to the output of `openssl rand -base64 32`"
        );
        return ExitCode::FAILURE;
    };
    let settings = ServiceSettings {
        bind: config.http.bind,
        storage_url: config.storage.url.clone(),
        admin_token: config
            .auth
            .admin_token
            .as_ref()
            .map(|t| t.expose().to_owned()),
        secrets: SecretBox::from_key_bytes(key.as_bytes()),
        policy: ApiPolicy {
            allow_private_handlers: config.security.allow_private_handlers,
            ..ApiPolicy::default()
        },
        scheduler: SchedulerSettings::default(),
        webhooks: WebhookSettings::default(),
        shutdown_grace: Duration::from_secs(30),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        // From here on SIGTERM and Ctrl-C stop the service gracefully.
        let mut stop = StopSignal::listen();
        // The call engine: one SIP socket for every user's trunk.
        let engine = match Engine::start(EngineSettings::from_config(&config)).await {
            Ok(e) => e,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let dialer: Arc<dyn CallEngine> = Arc::new(engine.clone());
        let stopping = async move {
            stop.recv().await;
            tracing::info!("stopping: finishing calls in flight");
        };
        let result = serve(settings, Some(dialer), stopping).await;
        // Calls were hung up by the scheduler; un-REGISTER every trunk.
        engine.shutdown().await;
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
