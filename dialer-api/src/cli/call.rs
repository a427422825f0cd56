//! `trunkline call --config F --to NUMBER ...`: places one call through the
//! trunk, bridges it to the AI handler, then prints one JSON object (the
//! call report) on stdout. Exit 0 when the call was answered and completed
//! normally, 1 otherwise.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use dialer_api::config::{Config, HandlerConfig, HandlerProtocol, normalize_e164, region_of};
use dialer_api::engine::{
    CallReport, CallRequest, Engine, EngineSettings, HangupTarget, Trunk, hangup_router,
};
use dialer_api::handler::CallMetadata;
use dialer_api::scheduler::HangupBy;

use super::logging::init_logging;
use super::stop_signal::StopSignal;

/// Arguments of `trunkline call`.
#[derive(Debug, clap::Args)]
pub struct CallArgs {
    /// The TOML configuration file; `TRUNKLINE_<SECTION>__<KEY>` variables override it.
    #[arg(long, env = "TRUNKLINE_CONFIG")]
    config: PathBuf,
    /// The number to call: E.164 (`+60123456789`) or national in the caller ID's country.
    #[arg(long)]
    to: String,
    /// The trunk to dial through (`[[trunks]] name`); the first one by default.
    #[arg(long)]
    trunk: Option<String>,
    /// The AI handler's URL (`ws://`, `wss://`; `tcp://host:port` for audiosocket); default `[handler] url`.
    #[arg(long)]
    handler: Option<String>,
    /// twilio, pcm or audiosocket; default `[handler] protocol`, else twilio.
    #[arg(long)]
    protocol: Option<String>,
    /// The pcm handler's sample rate (8000, 16000 or 24000); default `[handler] sample_rate`.
    #[arg(long)]
    sample_rate: Option<u32>,
    /// A parameter for the handler's `customParameters` (repeatable). `user_id`,
    /// `campaign_id`, `prompt_id` and `customer_name` fill the standard keys;
    /// `from_number` and `to_number` come from the trunk's caller ID and `--to`.
    #[arg(long = "param", value_name = "KEY=VALUE", value_parser = parse_param)]
    params: Vec<(String, String)>,
    /// Hang up after this many seconds of talk (1 to 86400).
    #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    max_duration: u64,
    /// Give up (CANCEL) when nobody answers within this many seconds (1 to 600);
    /// default `[sip] ring_timeout`.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=600))]
    ring_timeout: Option<u64>,
    /// Serve the Twilio hang-up route (`POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`) here.
    #[arg(long, value_name = "ADDR")]
    http: Option<SocketAddr>,
}

fn parse_param(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        _ => Err(format!("'{text}' is not KEY=VALUE")),
    }
}

/// Puts `--param` values in the call's metadata: the standard keys that a
/// caller may choose go to their own fields (else the handler would see them
/// overwritten with ""), the numbers may not be overridden, the rest are
/// per-call parameters.
fn apply_params(metadata: &mut CallMetadata, params: &[(String, String)]) -> Result<(), String> {
    for (key, value) in params {
        let field = match key.as_str() {
            "user_id" => &mut metadata.user_id,
            "campaign_id" => &mut metadata.campaign_id,
            "prompt_id" => &mut metadata.prompt_id,
            "customer_name" => &mut metadata.customer_name,
            "from_number" | "to_number" => {
                return Err(format!(
                    "--param {key}: set by Trunkline (from the trunk's caller_id and --to), not by a parameter"
                ));
            }
            _ => {
                metadata.params.insert(key.clone(), value.clone());
                continue;
            }
        };
        value.clone_into(field);
    }
    Ok(())
}

/// Everything checked before anything is dialled.
struct Plan {
    settings: EngineSettings,
    trunk: Trunk,
    request: CallRequest,
    http: Option<SocketAddr>,
}

fn plan(args: &CallArgs) -> Result<Plan, String> {
    let config = Config::load(&args.config).map_err(|e| e.to_string())?;
    let trunk = config
        .trunk(args.trunk.as_deref())
        .ok_or_else(|| match &args.trunk {
            Some(name) => format!("no trunk named '{name}' in {}", args.config.display()),
            None => format!("{} has no [[trunks]]", args.config.display()),
        })?;
    let region = region_of(&trunk.caller_id);
    let to = normalize_e164(&args.to, region.as_deref()).map_err(|e| format!("--to: {e}"))?;
    let configured = config.handler.as_ref();
    let url = args
        .handler
        .clone()
        .or_else(|| configured.map(|h| h.url().to_owned()))
        .ok_or("no handler: give --handler URL or [handler] url")?;
    let protocol = match &args.protocol {
        Some(p) => p
            .parse::<HandlerProtocol>()
            .map_err(|e| format!("--protocol: {e}"))?,
        None => configured.map_or(HandlerProtocol::Twilio, HandlerConfig::protocol),
    };
    let rate = args
        .sample_rate
        .or_else(|| configured.map(HandlerConfig::sample_rate));
    let handler = HandlerConfig::new(&url, protocol, rate).map_err(|e| format!("handler {e}"))?;
    let trunk = Trunk::from(trunk);
    let mut request = CallRequest::new(&trunk.name, &to, &trunk.caller_id, handler);
    apply_params(&mut request.metadata, &args.params)?;
    request.max_duration = Duration::from_secs(args.max_duration);
    request.ring_timeout = args.ring_timeout.map(Duration::from_secs);
    Ok(Plan {
        settings: EngineSettings::from_config(&config),
        trunk,
        request,
        http: args.http,
    })
}

/// Runs `trunkline call`.
pub fn run(args: &CallArgs) -> ExitCode {
    init_logging("warn");
    let plan = match plan(args) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("trunkline: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("trunkline: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(call(plan))
}

async fn call(plan: Plan) -> ExitCode {
    // Listen from the start: a signal during registration still un-registers
    // and prints the report.
    let mut stop = StopSignal::listen();
    let engine = match Engine::start(plan.settings).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("trunkline: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut trunk = plan.trunk;
    let name = trunk.name.clone();
    let registers = std::mem::replace(&mut trunk.register, false);
    let limit = engine.settings().registration_limit(trunk.proxies.len());
    if let Err(e) = engine.add_trunk(trunk).await {
        eprintln!("trunkline: {e}");
        engine.shutdown().await;
        return ExitCode::FAILURE;
    }
    let request = plan.request;
    if registers {
        // Register first and wait for the outcome, then dial.
        tokio::select! {
            outcome = engine.register(&name, limit) => {
                if let Err(e) = outcome {
                    eprintln!("trunkline: {e}; dialling anyway");
                }
            }
            () = stop.recv() => {
                eprintln!("trunkline: stopping: not dialling");
                let report = CallReport::not_placed(&request, "stopped before dialling (SIGTERM or Ctrl-C)");
                return finish(&engine, &report).await;
            }
        }
    }
    if let Some(addr) = plan.http {
        let target = HangupTarget {
            engine: engine.clone(),
            key: request.key.clone(),
            account_sid: request.metadata.account_sid.clone(),
            call_sid: request.metadata.call_sid.clone(),
        };
        match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => {
                tokio::spawn(async move {
                    if let Err(e) = axum::serve(listener, hangup_router(target)).await {
                        tracing::warn!(error = %e, "hang-up route stopped");
                    }
                });
            }
            Err(e) => {
                eprintln!("trunkline: --http {addr}: {e}");
                engine.shutdown().await;
                return ExitCode::FAILURE;
            }
        }
    }
    let key = request.key.clone();
    let placing = engine.call(request);
    tokio::pin!(placing);
    let report = tokio::select! {
        report = &mut placing => report,
        () = stop.recv() => {
            eprintln!("trunkline: stopping: hanging up");
            engine.hangup(&key, HangupBy::Trunkline);
            placing.await
        }
    };
    finish(&engine, &report).await
}

/// Prints the report, stops the engine (un-REGISTER) and picks the exit status.
async fn finish(engine: &Engine, report: &CallReport) -> ExitCode {
    match serde_json::to_string(report) {
        Ok(json) => println!("{json}"),
        Err(e) => eprintln!("trunkline: cannot print the report: {e}"),
    }
    engine.shutdown().await;
    if report.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn standard_keys_fill_the_metadata_and_the_rest_are_parameters() {
        let mut m = CallMetadata::new(uuid::Uuid::nil(), "+60123456789", "+60198765432");
        let given = pairs(&[
            ("customer_name", "Ana"),
            ("user_id", "7"),
            ("campaign_id", "c1"),
            ("prompt_id", "p1"),
            ("order", "A-1"),
        ]);
        apply_params(&mut m, &given).unwrap();
        let p = m.custom_parameters();
        assert_eq!(p["customer_name"], "Ana");
        assert_eq!(p["user_id"], "7");
        assert_eq!(p["campaign_id"], "c1");
        assert_eq!(p["prompt_id"], "p1");
        assert_eq!(p["order"], "A-1");
        assert_eq!(p["to_number"], "+60198765432");
    }

    #[test]
    fn the_numbers_cannot_be_overridden() {
        let mut m = CallMetadata::new(uuid::Uuid::nil(), "+60123456789", "+60198765432");
        let e = apply_params(&mut m, &pairs(&[("to_number", "+1")])).unwrap_err();
        assert!(e.starts_with("--param to_number: set by Trunkline"), "{e}");
        assert_eq!(m.to_number, "+60198765432");
    }
}
