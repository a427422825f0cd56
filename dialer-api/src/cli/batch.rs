//! `trunkline batch submit` and `trunkline batch watch`: API client commands with a live
//! progress bar (done, in progress, failed, cost so far).

use clap::{Args, Subcommand};
use dialer_api::api::batches::{BatchRequest, BatchView};
use dialer_api::api::client::{ApiClient, ClientError, contacts_from_csv};
use dialer_api::scheduler::model::{HandlerProtocol, HandlerSpec, RetryOn, RetryPolicy};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Where the API is and whose key to use.
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// Base URL of the API.
    #[arg(
        long,
        env = "TRUNKLINE_API_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    api: String,
    /// Your API key.
    #[arg(long, env = "TRUNKLINE_API_KEY", hide_env_values = true)]
    token: String,
}

/// Arguments of `trunkline batch submit`.
#[derive(Debug, Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    api: ApiArgs,
    /// CSV with a `phone` column, optional `customer_name`, other columns become parameters.
    #[arg(long)]
    file: PathBuf,
    /// Campaign id.
    #[arg(long)]
    campaign_id: String,
    /// Prompt id.
    #[arg(long)]
    prompt_id: String,
    /// Handler URL (`ws://`, `wss://`; `tcp://` for AudioSocket).
    #[arg(long)]
    handler_url: String,
    /// Handler protocol: twilio, pcm or audiosocket.
    #[arg(long, default_value = "twilio", value_parser = ["twilio", "pcm", "audiosocket"])]
    protocol: String,
    /// PCM sample rate (pcm only).
    #[arg(long, default_value_t = 8000)]
    sample_rate: u32,
    /// Longest call in seconds.
    #[arg(long)]
    max_duration: Option<u32>,
    /// Outcomes to retry, comma-separated: busy, no_answer, failed.
    #[arg(long, value_delimiter = ',', value_parser = ["busy", "no_answer", "failed"])]
    retry_on: Vec<String>,
    /// Attempts per contact in total.
    #[arg(long, default_value_t = 1)]
    max_attempts: u32,
    /// Seconds between attempts.
    #[arg(long, default_value_t = 300)]
    retry_delay: u32,
    /// Receives signed call state webhooks.
    #[arg(long)]
    webhook_url: Option<String>,
    /// Makes re-running this command safe (the API returns the first batch).
    #[arg(long)]
    idempotency_key: Option<String>,
    /// Follow the batch with a progress bar after submitting it.
    #[arg(long)]
    watch: bool,
}

/// Arguments of `trunkline batch watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    api: ApiArgs,
    /// Batch id.
    id: String,
    /// Poll interval in milliseconds.
    #[arg(long, default_value_t = 1000)]
    interval_ms: u64,
}

/// `trunkline batch ...`.
#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Submit a batch from a CSV file of contacts.
    Submit(Box<SubmitArgs>),
    /// Follow a batch with a live progress bar until it ends.
    Watch(WatchArgs),
}

fn protocol(name: &str) -> HandlerProtocol {
    match name {
        "pcm" => HandlerProtocol::Pcm,
        "audiosocket" => HandlerProtocol::Audiosocket,
        _ => HandlerProtocol::Twilio,
    }
}

fn retry_on(name: &str) -> RetryOn {
    match name {
        "busy" => RetryOn::Busy,
        "no_answer" => RetryOn::NoAnswer,
        _ => RetryOn::Failed,
    }
}

fn summary(view: &BatchView) -> String {
    format!(
        "{} · in progress {} · failed {} · cost {:.4} credits",
        view.state, view.progress.in_progress, view.progress.failed, view.progress.cost
    )
}

async fn watch(client: &ApiClient, id: &str, interval: Duration) -> Result<BatchView, ClientError> {
    let first = client.batch(id).await?;
    let bar = ProgressBar::new(u64::try_from(first.accepted).unwrap_or(0));
    bar.set_style(
        ProgressStyle::with_template("{bar:40.cyan/blue} {pos}/{len} done · {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut view = first;
    loop {
        bar.set_position(u64::try_from(view.progress.done).unwrap_or(0));
        bar.set_message(summary(&view));
        if matches!(view.state.as_str(), "completed" | "canceled") {
            bar.finish();
            return Ok(view);
        }
        tokio::time::sleep(interval).await;
        view = client.batch(id).await?;
    }
}

async fn submit(args: &SubmitArgs) -> Result<BatchView, ClientError> {
    let file = std::fs::File::open(&args.file)
        .map_err(|e| ClientError::Csv(format!("{}: {e}", args.file.display())))?;
    let request = BatchRequest {
        campaign_id: args.campaign_id.clone(),
        prompt_id: args.prompt_id.clone(),
        handler: HandlerSpec {
            url: args.handler_url.clone(),
            protocol: protocol(&args.protocol),
            sample_rate: args.sample_rate,
        },
        contacts: contacts_from_csv(file)?,
        schedule: None,
        retry: Some(RetryPolicy {
            on: args.retry_on.iter().map(|r| retry_on(r)).collect(),
            max_attempts: args.max_attempts,
            delay_seconds: args.retry_delay,
        }),
        max_duration_seconds: args.max_duration,
        webhook_url: args.webhook_url.clone(),
    };
    let client = ApiClient::new(&args.api.api, &args.api.token);
    let view = client
        .submit_batch(&request, args.idempotency_key.as_deref())
        .await?;
    println!(
        "batch {} accepted: {} queued, {} rejected",
        view.id,
        view.accepted,
        view.rejected.len()
    );
    for r in &view.rejected {
        println!(
            "  row {}: {} ({}): {}",
            r.index + 2,
            r.phone,
            r.reason,
            r.message
        );
    }
    if args.watch {
        return watch(&client, &view.id, Duration::from_secs(1)).await;
    }
    Ok(view)
}

/// Runs `trunkline batch ...`.
pub fn run(command: &BatchCommand) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match command {
            BatchCommand::Submit(args) => submit(args).await,
            BatchCommand::Watch(args) => {
                let client = ApiClient::new(&args.api.api, &args.api.token);
                let view =
                    watch(&client, &args.id, Duration::from_millis(args.interval_ms)).await?;
                println!("{}", summary(&view));
                Ok(view)
            }
        }
    });
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
