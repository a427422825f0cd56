//! `trunkline echo-bot`: runs the Twilio-protocol demo bot until
//! interrupted, printing a line (or a JSON object) per event.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use dialer_api::echo_bot::{BotEvent, EchoBot, EchoBotConfig};
use dialer_api::event_line::EventLine;

/// Arguments of `trunkline echo-bot`.
#[derive(Debug, clap::Args)]
pub struct EchoBotArgs {
    /// TCP address to listen on (port 0 picks a free one; see the first event).
    #[arg(long, default_value = "127.0.0.1:9000")]
    bind: SocketAddr,
    /// Hang up (close the socket) this many seconds after `start`; 0: never.
    #[arg(long, default_value_t = 20.0)]
    hangup_after: f64,
    /// Milliseconds of silence that end an utterance, which is then repeated.
    #[arg(long, default_value_t = 500)]
    pause_ms: u64,
    /// Send `clear` when the callee talks over the bot (not only on `*`).
    #[arg(long)]
    barge_in: bool,
    /// Print events as JSON lines.
    #[arg(long)]
    json: bool,
}

/// Runs the bot until Ctrl-C (or SIGTERM), then hangs up its calls.
pub fn run(args: &EchoBotArgs) -> ExitCode {
    let hangup_after = match Duration::try_from_secs_f64(args.hangup_after) {
        Ok(d) if d.is_zero() => None,
        Ok(d) => Some(d),
        Err(_) => {
            eprintln!(
                "trunkline echo-bot: --hangup-after {}: give a number of seconds of zero or more",
                args.hangup_after
            );
            return ExitCode::FAILURE;
        }
    };
    let config = EchoBotConfig {
        bind: args.bind,
        hangup_after,
        pause: Duration::from_millis(args.pause_ms),
        barge_in_on_speech: args.barge_in,
        ..EchoBotConfig::default()
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("trunkline echo-bot: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(config, args.json))
}

async fn serve(config: EchoBotConfig, json: bool) -> ExitCode {
    let mut bot = match EchoBot::start(config).await {
        Ok(b) => b,
        Err(e) => {
            eprintln!("trunkline echo-bot: {e}");
            return ExitCode::FAILURE;
        }
    };
    let print = |event: &BotEvent| {
        if json {
            println!("{}", event.to_json());
        } else {
            println!("{event}");
        }
    };
    loop {
        tokio::select! {
            event = bot.next_event() => match event {
                Some(e) => print(&e),
                None => break,
            },
            () = super::stop_signal::stop_signal() => break,
        }
    }
    bot.stop().await;
    while let Some(e) = bot.try_next_event() {
        print(&e);
    }
    ExitCode::SUCCESS
}
