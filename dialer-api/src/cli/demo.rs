//! `trunkline demo`: a batch of real SIP calls on loopback (trunk
//! simulator, echo bot, engine and service in this process), a progress
//! bar on stderr, then the call table and the cost against Twilio on
//! stdout. Exit 0 when every call ended as the simulator's seed predicts,
//! 1 when one did not or a step failed, 2 for a bad flag.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use dialer_api::demo::{DemoConfig, DemoStep};
use dialer_api::sim::OutcomeWeights;
use indicatif::{ProgressBar, ProgressStyle};

/// Arguments of `trunkline demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Seed of the trunk simulator: with the number it decides each call.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Contacts in the batch.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=1000))]
    contacts: u16,
    /// Calls in flight at once.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
    concurrency: u32,
    /// Seconds the echo bot talks before it hangs up.
    #[arg(long, default_value_t = 5.0, value_parser = talk_seconds)]
    talk_seconds: f64,
    /// Proportion of calls the simulator answers.
    #[arg(long, default_value_t = 0.7, value_parser = non_negative)]
    answer: f64,
    /// Proportion of calls refused with 486 Busy Here.
    #[arg(long, default_value_t = 0.1, value_parser = non_negative)]
    busy: f64,
    /// Proportion of calls left ringing (Trunkline cancels them).
    #[arg(long, default_value_t = 0.1, value_parser = non_negative)]
    no_answer: f64,
    /// Proportion of calls refused with 503 Service Unavailable.
    #[arg(long, default_value_t = 0.1, value_parser = non_negative)]
    unavailable: f64,
    /// The trunk's price per minute in dollars (DESIGN.md: $0.005-0.01).
    #[arg(long, default_value_t = 0.01, value_parser = non_negative)]
    trunk_rate_per_minute: f64,
    /// Twilio's price per minute in dollars (DESIGN.md: about $0.02 out).
    #[arg(long, default_value_t = 0.02, value_parser = non_negative)]
    twilio_rate_per_minute: f64,
    /// Talk time is billed in whole multiples of this many seconds.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=3600))]
    billing_increment: u32,
}

fn non_negative(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=1000.0).contains(&v) => Ok(v),
        _ => Err(format!("'{text}' is not a number from 0 to 1000")),
    }
}

fn talk_seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 600.0 => Ok(v),
        _ => Err(format!(
            "'{text}' is not a number of seconds above 0 and at most 600"
        )),
    }
}

impl DemoArgs {
    fn config(&self) -> DemoConfig {
        DemoConfig {
            seed: self.seed,
            contacts: usize::from(self.contacts),
            concurrency: self.concurrency,
            weights: OutcomeWeights {
                answer: self.answer,
                busy: self.busy,
                no_answer: self.no_answer,
                unavailable: self.unavailable,
            },
            talk: Duration::from_secs_f64(self.talk_seconds),
            trunk_rate_per_minute: self.trunk_rate_per_minute,
            twilio_rate_per_minute: self.twilio_rate_per_minute,
            billing_increment_seconds: self.billing_increment,
        }
    }
}

/// Shows the demo's steps on stderr: a live bar on a terminal, plain lines
/// (one per change) otherwise.
struct Display {
    bar: Option<ProgressBar>,
    last_line: String,
}

impl Display {
    fn new(contacts: usize) -> Display {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(u64::try_from(contacts).unwrap_or(0));
            // The message is cut to the terminal's width, so the bar stays on one line.
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:20.cyan/blue} {pos}/{len} calls done [{elapsed}] {wide_msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Display {
            bar,
            last_line: String::new(),
        }
    }

    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    fn show(&mut self, step: DemoStep<'_>) {
        match step {
            DemoStep::Started {
                sim,
                bot,
                api,
                database,
            } => self.line(&format!(
                "trunk simulator on udp {sim}, echo bot on {bot}, API on {api}, database {}",
                database.display()
            )),
            DemoStep::Registered { proxy } => {
                self.line(&format!("demo trunk registered with {proxy} (digest auth)"));
            }
            DemoStep::Submitted { batch_id, accepted } => {
                self.line(&format!("batch {batch_id}: {accepted} contacts queued"));
                if let Some(bar) = &self.bar {
                    bar.set_length(u64::try_from(accepted).unwrap_or(0));
                }
            }
            DemoStep::Progress(view) => {
                let n = |s: &str| view.counts.get(s).copied().unwrap_or(0);
                let message = format!(
                    "answered {}, busy {}, no answer {}, failed {}, in progress {}, ${:.4}",
                    n("completed"),
                    n("busy"),
                    n("no_answer"),
                    n("failed"),
                    view.progress.in_progress,
                    view.progress.cost
                );
                match &self.bar {
                    Some(bar) => {
                        bar.set_position(u64::try_from(view.progress.done).unwrap_or(0));
                        bar.set_message(message);
                    }
                    None => {
                        let line = format!(
                            "{}/{} calls done: {message}",
                            view.progress.done, view.accepted
                        );
                        if line != self.last_line {
                            eprintln!("{line}");
                            self.last_line = line;
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Runs `trunkline demo`.
pub fn run(args: &DemoArgs) -> ExitCode {
    let config = args.config();
    if let Err(e) = config.validate() {
        eprintln!("trunkline demo: {e}");
        return ExitCode::from(2);
    }
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("trunkline demo: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut display = Display::new(config.contacts);
    let result = runtime.block_on(dialer_api::demo::run(&config, |step| display.show(step)));
    display.finish();
    match result {
        Ok(report) => {
            print!("{}\n{}", report.table(), report.summary());
            let mismatches = report.mismatches().len();
            if mismatches == 0 {
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "trunkline demo: {mismatches} calls differ from what seed {} predicts (listed above)",
                    config.seed
                );
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("trunkline demo: {e}");
            ExitCode::FAILURE
        }
    }
}
