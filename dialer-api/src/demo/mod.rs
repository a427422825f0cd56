//! `trunkline demo`: a batch of real SIP calls on loopback, with nothing but
//! this binary. The trunk simulator, the echo bot, the call engine and the
//! service run as tasks of one process, each on its own free port, and talk
//! real SIP, RTP, WebSocket and HTTP to each other.
//!
//! ```text
//!  demo ──HTTP (admin: user, credits; user: phone config, batch, watch, call log)──▶ service
//!                                                                                    │ scheduler
//!  sim::SimTrunk ◀──SIP/UDP (REGISTER, INVITE with digest)── engine::Engine ◀───────┘
//!   registrar + callee ◀═══RTP═══▶ media ◀──Twilio Media Streams (ws)──▶ echo_bot::EchoBot
//! ```
//!
//! The simulator's seed decides every call (answered after 0.5-3 s of
//! ringing, busy, unanswered or unavailable), so the demo checks the call
//! log against [`DemoConfig::plan`]'s prediction.
//!
//! ```no_run
//! # async fn demo() -> Result<(), dialer_api::demo::DemoError> {
//! use dialer_api::demo::{DemoConfig, run};
//! let report = run(&DemoConfig::default(), |_step| {}).await?;
//! print!("{}{}", report.table(), report.summary());
//! assert!(report.mismatches().is_empty());
//! # Ok(()) }
//! ```

mod config;
mod error;
mod report;
mod stack;

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::api::batches::{BatchRequest, BatchView, ContactInput};
use crate::api::calls::CallView;
use crate::api::client::ApiClient;
use crate::scheduler::RegistrationState;
use crate::scheduler::model::{
    Codec, HandlerProtocol, HandlerSpec, PhoneConfig, RetryPolicy, Transport,
};

pub use config::DemoConfig;
pub use error::DemoError;
pub use report::{DemoReport, DemoRow, expected_status};

use config::CALLER_ID;
use stack::Stack;

/// How often the batch is polled.
const POLL: Duration = Duration::from_millis(200);
/// How long the trunk gets to register.
const REGISTRATION_LIMIT: Duration = Duration::from_secs(10);

/// What the demo is doing, for a progress display.
#[non_exhaustive]
#[derive(Debug)]
pub enum DemoStep<'a> {
    /// Everything listens.
    Started {
        /// The simulator's SIP address.
        sim: SocketAddr,
        /// The echo bot's WebSocket URL.
        bot: &'a str,
        /// The API's base URL.
        api: &'a str,
        /// The SQLite database file.
        database: &'a Path,
    },
    /// The demo user's trunk registered with the simulator.
    Registered {
        /// The simulator's address.
        proxy: SocketAddr,
    },
    /// The batch was accepted.
    Submitted {
        /// Its id.
        batch_id: &'a str,
        /// Contacts queued.
        accepted: i64,
    },
    /// The batch as last polled.
    Progress(&'a BatchView),
}

/// Runs the demo: starts the stack, creates the user, tops up credits,
/// saves its trunk (the simulator, registering), submits the batch, follows
/// it until every contact is done, reads the call log, stops everything.
/// `observe` sees each step. A batch that differs from the prediction is
/// not an error: the report lists the differences.
pub async fn run(
    config: &DemoConfig,
    mut observe: impl FnMut(DemoStep<'_>),
) -> Result<DemoReport, DemoError> {
    config.validate()?;
    let started = Instant::now();
    let stack = Stack::start(config).await?;
    observe(DemoStep::Started {
        sim: stack.sim.local_addr(),
        bot: &stack.bot.url(),
        api: &stack.api_url,
        database: &stack.database,
    });
    let calls = place_batch(config, &stack, &mut observe).await;
    let peers = stack.stop().await;
    let calls = calls?;
    let peers = peers?;
    Ok(DemoReport::new(config, &calls, &peers, started.elapsed()))
}

/// The demo user's trunk: the simulator, its account, registering.
fn phone_config(config: &DemoConfig, sim: SocketAddr) -> PhoneConfig {
    PhoneConfig {
        proxies: vec![sim.to_string()],
        transport: Transport::Udp,
        username: crate::sim::Account::default().username,
        domain: None,
        caller_id: CALLER_ID.to_owned(),
        display_name: Some("Trunkline demo".to_owned()),
        codecs: vec![Codec::Pcmu, Codec::G729, Codec::Gsm],
        register: true,
        max_concurrent_calls: config.concurrency,
        max_calls_per_second: config.concurrency,
        rate_per_minute: config.trunk_rate_per_minute,
        billing_increment_seconds: config.billing_increment_seconds,
        allowed_prefixes: Vec::new(),
    }
}

/// The batch: every demo number, handled by the echo bot, no retries.
fn batch_request(config: &DemoConfig, bot_url: &str) -> BatchRequest {
    BatchRequest {
        campaign_id: "demo".to_owned(),
        prompt_id: "echo".to_owned(),
        handler: HandlerSpec {
            url: bot_url.to_owned(),
            protocol: HandlerProtocol::Twilio,
            sample_rate: 8000,
        },
        contacts: config
            .numbers()
            .into_iter()
            .enumerate()
            .map(|(i, phone)| ContactInput {
                phone,
                customer_name: format!("Demo contact {}", i + 1),
                params: Default::default(),
            })
            .collect(),
        schedule: None,
        retry: Some(RetryPolicy::default()),
        max_duration_seconds: Some(config.max_duration_seconds()),
        webhook_url: None,
    }
}

async fn place_batch(
    config: &DemoConfig,
    stack: &Stack,
    observe: &mut impl FnMut(DemoStep<'_>),
) -> Result<Vec<CallView>, DemoError> {
    let admin = ApiClient::new(&stack.api_url, &stack.admin_token);
    let user = admin
        .create_user("demo")
        .await
        .map_err(DemoError::api("creating the demo user"))?;
    admin
        .top_up(&user.id, config.credits(), "demo credits")
        .await
        .map_err(DemoError::api("topping up the demo user's credits"))?;
    let client = ApiClient::new(&stack.api_url, &user.api_key);
    let sim = stack.sim.local_addr();
    client
        .put_phone_config(
            &phone_config(config, sim),
            &crate::sim::Account::default().password,
        )
        .await
        .map_err(DemoError::api("saving the demo trunk"))?;
    wait_registered(&client).await?;
    observe(DemoStep::Registered { proxy: sim });
    let view = client
        .submit_batch(&batch_request(config, &stack.bot.url()), None)
        .await
        .map_err(DemoError::api("submitting the batch"))?;
    if let Some(first) = view.rejected.first() {
        return Err(DemoError::ContactsRefused {
            accepted: view.accepted,
            total: config.contacts,
            first_reason: format!("{}: {}", first.phone, first.message),
        });
    }
    observe(DemoStep::Submitted {
        batch_id: &view.id,
        accepted: view.accepted,
    });
    let limit = batch_limit(config);
    let deadline = Instant::now() + limit;
    let mut view = view;
    loop {
        observe(DemoStep::Progress(&view));
        if matches!(view.state.as_str(), "completed" | "canceled") {
            break;
        }
        if Instant::now() >= deadline {
            return Err(DemoError::Timeout {
                limit,
                done: view.progress.done,
                total: config.contacts,
            });
        }
        tokio::time::sleep(POLL).await;
        view = client
            .batch(&view.id)
            .await
            .map_err(DemoError::api("reading the batch"))?;
    }
    client
        .batch_calls(&view.id)
        .await
        .map_err(DemoError::api("reading the call log"))
}

/// Waits until the trunk is registered; a failure gives the registrar's answer.
async fn wait_registered(client: &ApiClient) -> Result<(), DemoError> {
    let deadline = Instant::now() + REGISTRATION_LIMIT;
    loop {
        let view = client
            .phone_config()
            .await
            .map_err(DemoError::api("reading the demo trunk"))?;
        match view.registration.state {
            RegistrationState::Registered => return Ok(()),
            RegistrationState::Failed => {
                return Err(DemoError::Registration(
                    view.registration
                        .last_error
                        .unwrap_or_else(|| "no reason given".to_owned()),
                ));
            }
            _ if Instant::now() >= deadline => {
                return Err(DemoError::Registration(format!(
                    "still {:?} after {} s",
                    view.registration.state,
                    REGISTRATION_LIMIT.as_secs()
                )));
            }
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// How long the batch may take: each wave of calls rings at most the ring
/// timeout and talks the talk time; three times that, plus 30 s.
fn batch_limit(config: &DemoConfig) -> Duration {
    let waves = config.contacts.div_ceil(config.concurrency.max(1) as usize) as u32;
    (config.ring_timeout() + config.talk) * waves * 3 + Duration::from_secs(30)
}
