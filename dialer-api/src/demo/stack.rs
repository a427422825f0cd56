//! The demo's loopback stack: the trunk simulator, the echo bot, the call
//! engine and the service (SQLite in a temporary directory, scheduler,
//! HTTP API), each on its own free port, talking SIP, RTP, WebSocket and
//! HTTP to each other.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rand::RngCore;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::api::ApiPolicy;
use crate::api::server::{ServeError, ServiceSettings, serve_on};
use crate::echo_bot::{BotCallReport, BotEvent, EchoBot, EchoBotConfig};
use crate::engine::{Engine, EngineSettings};
use crate::scheduler::{CallEngine, SchedulerSettings};
use crate::sim::{CallReport, SimConfig, SimEvent, SimTrunk};
use crate::store::secrets::{SecretBox, random_token};
use crate::webhook::WebhookSettings;

use super::config::{DemoConfig, SIM_GREETING};
use super::error::DemoError;

/// What the simulator and the bot saw, read once everything stopped.
#[derive(Debug, Default)]
pub(super) struct PeerReports {
    /// One per call that reached the simulator.
    pub sim_calls: Vec<CallReport>,
    /// Successful REGISTERs the simulator answered.
    pub sim_registrations: usize,
    /// One per call the bot handled.
    pub bot_calls: Vec<BotCallReport>,
}

/// Everything running.
pub(super) struct Stack {
    pub sim: SimTrunk,
    pub bot: EchoBot,
    engine: Engine,
    /// `http://127.0.0.1:PORT`.
    pub api_url: String,
    /// The admin token the service was started with.
    pub admin_token: String,
    /// The SQLite file.
    pub database: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    service: Option<JoinHandle<Result<(), ServeError>>>,
    // Removed (with the database) when the stack is dropped.
    _dir: TempDir,
}

const LOOPBACK_ANY_PORT: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

impl Stack {
    /// Starts the four parts on the current runtime.
    pub async fn start(config: &DemoConfig) -> Result<Stack, DemoError> {
        let dir = tempfile::Builder::new()
            .prefix("trunkline-demo-")
            .tempdir()
            .map_err(DemoError::TempDir)?;
        let database = dir.path().join("demo.db");
        let sim = SimTrunk::start(SimConfig {
            plan: config.plan(),
            // The bot hangs up first; this only bounds a call if it does not.
            talk_time: config.talk * 2 + Duration::from_secs(5),
            greeting: SIM_GREETING,
            ..SimConfig::loopback()
        })
        .await?;
        let bot = EchoBot::start(EchoBotConfig {
            hangup_after: Some(config.talk),
            pause: Duration::from_millis(400),
            ..EchoBotConfig::loopback()
        })
        .await?;
        let engine = Engine::start(EngineSettings {
            sip_bind: LOOPBACK_ANY_PORT,
            ring_timeout: config.ring_timeout(),
            shutdown_grace: Duration::from_secs(3),
            ..EngineSettings::default()
        })
        .await?;
        let listener = tokio::net::TcpListener::bind(LOOPBACK_ANY_PORT)
            .await
            .map_err(DemoError::HttpBind)?;
        let api_addr = listener.local_addr().map_err(DemoError::HttpBind)?;
        let admin_token = random_token("demo-admin-");
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        let settings = ServiceSettings {
            bind: api_addr,
            storage_url: format!("sqlite://{}", database.display()),
            admin_token: Some(admin_token.clone()),
            secrets: SecretBox::from_key_bytes(&key),
            policy: ApiPolicy {
                // The echo bot listens on loopback.
                allow_private_handlers: true,
                ..ApiPolicy::default()
            },
            scheduler: SchedulerSettings::default(),
            webhooks: WebhookSettings::default(),
            shutdown_grace: Duration::from_secs(5),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let dialer: Arc<dyn CallEngine> = Arc::new(engine.clone());
        let service = tokio::spawn(serve_on(listener, settings, Some(dialer), async {
            let _ = stopped.await;
        }));
        Ok(Stack {
            sim,
            bot,
            engine,
            api_url: format!("http://{api_addr}"),
            admin_token,
            database,
            stop: Some(stop),
            service: Some(service),
            _dir: dir,
        })
    }

    /// Stops the service (its scheduler settles any call in flight), the
    /// engine (un-REGISTER), the bot and the simulator, then reads what the
    /// simulator and the bot reported.
    pub async fn stop(mut self) -> Result<PeerReports, DemoError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let service = match self.service.take() {
            Some(task) => match task.await {
                Ok(result) => result.map_err(DemoError::Service),
                Err(e) => Err(DemoError::ServiceTask(e.to_string())),
            },
            None => Ok(()),
        };
        self.engine.shutdown().await;
        self.bot.stop().await;
        self.sim.stop().await;
        let mut reports = PeerReports::default();
        while let Some(event) = self.sim.try_next_event() {
            match event {
                SimEvent::CallEnded(report) => reports.sim_calls.push(report),
                SimEvent::Registered { .. } => reports.sim_registrations += 1,
                _ => {}
            }
        }
        while let Some(event) = self.bot.try_next_event() {
            if let BotEvent::Ended(report) = event {
                reports.bot_calls.push(report);
            }
        }
        service.map(|()| reports)
    }
}
