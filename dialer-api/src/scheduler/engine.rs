//! The seam to the call engine: what the scheduler asks of it and what it reports back.
//!
//! The engine (SIP registration, dialing, media, handler bridge) implements [`CallEngine`].
//! The scheduler hands it one [`CallJob`] per attempt and awaits a [`CallOutcome`]; progress
//! (`dialing`, `ringing`, `in_progress`) flows back through the job's channel as it happens.

use super::model::{Codec, HandlerSpec, PhoneConfig, Transport};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use utoipa::ToSchema;

/// A boxed future returned by [`CallEngine::place`].
pub type EngineFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// One user's trunk with its password in clear, as the engine needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct TrunkSettings {
    /// Stable key of this trunk (the user id).
    pub name: String,
    /// Proxies in order (`host` or `host:port`): primary, then failover.
    pub proxies: Vec<String>,
    /// SIP transport.
    pub transport: Transport,
    /// Authentication user.
    pub username: String,
    /// Authentication password (never log it: `Debug` hides it).
    pub password: String,
    /// AOR host and realm hint; the first proxy's host when `None`.
    pub domain: Option<String>,
    /// Caller ID, E.164.
    pub caller_id: String,
    /// Display name for the caller ID.
    pub display_name: Option<String>,
    /// Codecs to offer, in order.
    pub codecs: Vec<Codec>,
    /// Whether to REGISTER (false: the trunk authenticates by IP).
    pub register: bool,
}

impl TrunkSettings {
    /// The trunk of user `user_id` as its stored configuration and clear `password` describe it
    /// (the one conversion used when a config is saved, at start and for every dial).
    pub fn from_config(user_id: &str, config: &PhoneConfig, password: String) -> Self {
        Self {
            name: user_id.to_owned(),
            proxies: config.proxies.clone(),
            transport: config.transport,
            username: config.username.clone(),
            password,
            domain: config.domain.clone(),
            caller_id: config.caller_id.clone(),
            display_name: config.display_name.clone(),
            codecs: config.codecs.clone(),
            register: config.register,
        }
    }
}

impl std::fmt::Debug for TrunkSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrunkSettings")
            .field("name", &self.name)
            .field("proxies", &self.proxies)
            .field("transport", &self.transport)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("domain", &self.domain)
            .field("caller_id", &self.caller_id)
            .field("display_name", &self.display_name)
            .field("codecs", &self.codecs)
            .field("register", &self.register)
            .finish()
    }
}

/// Registration state of a trunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationState {
    /// The trunk authenticates by IP; nothing to register.
    NotRequired,
    /// A REGISTER is under way.
    Registering,
    /// Registered.
    Registered,
    /// The last attempt failed (see `last_error`); the engine keeps retrying.
    Failed,
    /// Not registered (not yet applied, or removed).
    Unregistered,
}

/// Registration state with the last error, as `GET /v1/phone-config` and `/health` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RegistrationStatus {
    /// Current state.
    pub state: RegistrationState,
    /// The last failure, in words a person can act on (e.g. `403 Forbidden from sip1.example.com:5060`).
    pub last_error: Option<String>,
    /// When the state last changed.
    pub since: Option<DateTime<Utc>>,
}

/// A progress state of a call being placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressState {
    /// INVITE sent.
    Dialing,
    /// 180/183 received.
    Ringing,
    /// Answered (200 OK); the handler is bridged.
    InProgress,
}

impl ProgressState {
    /// The call status name.
    pub fn as_status(self) -> &'static str {
        match self {
            ProgressState::Dialing => "dialing",
            ProgressState::Ringing => "ringing",
            ProgressState::InProgress => "in_progress",
        }
    }
}

/// A progress report sent through [`CallJob::progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallProgress {
    /// New state.
    pub state: ProgressState,
    /// When it was reached.
    pub at: DateTime<Utc>,
}

/// One attempt to place, with everything the engine needs.
#[derive(Debug, Clone)]
pub struct CallJob {
    /// Trunkline's call id (the key for [`CallEngine::hangup`]).
    pub call_id: String,
    /// Twilio-style call SID (`CA...`), sent to the handler as `callSid`.
    pub call_sid: String,
    /// Twilio-style account SID of the user (`AC...`), sent as `accountSid`.
    pub account_sid: String,
    /// Per-call secret the handler presents (HTTP Basic password) to hang the call up through
    /// `POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`.
    pub hangup_token: String,
    /// Owner.
    pub user_id: String,
    /// Batch.
    pub batch_id: String,
    /// Campaign id (handler `customParameters.campaign_id`).
    pub campaign_id: String,
    /// Prompt id (handler `customParameters.prompt_id`).
    pub prompt_id: String,
    /// Destination, E.164.
    pub phone: String,
    /// Customer name (handler `customParameters.customer_name`).
    pub customer_name: String,
    /// Per-contact parameters, added to `customParameters`.
    pub params: BTreeMap<String, String>,
    /// Attempt number, from 1.
    pub attempt: u32,
    /// The user's trunk.
    pub trunk: TrunkSettings,
    /// The AI handler.
    pub handler: HandlerSpec,
    /// Hang up after this much talk time.
    pub max_duration: Duration,
    /// Progress sink; send each state as it is reached.
    pub progress: UnboundedSender<CallProgress>,
}

/// Final status of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FinalStatus {
    /// Answered and ended.
    Completed,
    /// 486/600 from the callee.
    Busy,
    /// Not answered in time (CANCEL sent) or 408/480.
    NoAnswer,
    /// Not placed or rejected (trunk unreachable, 4xx/5xx, handler unreachable, no codec).
    Failed,
    /// Hung up by Trunkline before it was answered (batch canceled).
    Canceled,
}

impl FinalStatus {
    /// The call status name.
    pub fn as_status(self) -> &'static str {
        match self {
            FinalStatus::Completed => "completed",
            FinalStatus::Busy => "busy",
            FinalStatus::NoAnswer => "no_answer",
            FinalStatus::Failed => "failed",
            FinalStatus::Canceled => "canceled",
        }
    }
}

/// Which side ended an answered call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HangupBy {
    /// The callee sent BYE.
    Callee,
    /// The handler closed its socket, sent `hangup`, or asked through the Twilio route.
    Handler,
    /// Trunkline (max duration, cancel, shutdown, media timeout).
    Trunkline,
}

impl HangupBy {
    /// The name stored in the call log.
    pub fn as_str(self) -> &'static str {
        match self {
            HangupBy::Callee => "callee",
            HangupBy::Handler => "handler",
            HangupBy::Trunkline => "trunkline",
        }
    }
}

/// RTP quality of an answered call.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct CallQuality {
    /// Fraction of packets lost, 0..1.
    pub loss: f64,
    /// Interarrival jitter (ms).
    pub jitter_ms: f64,
    /// Estimated mean opinion score, 1..5.
    pub mos: f64,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub struct CallOutcome {
    /// Final status.
    pub status: FinalStatus,
    /// Final SIP status (e.g. 200, 486, 503), if a final response came.
    pub sip_status: Option<u16>,
    /// Its reason phrase.
    pub sip_reason: Option<String>,
    /// Who ended an answered call.
    pub hangup_by: Option<HangupBy>,
    /// INVITE to first 180/183 (ms).
    pub ring_ms: Option<u64>,
    /// INVITE to 200 OK (ms).
    pub answer_ms: Option<u64>,
    /// 200 OK to hang-up (ms): the billable talk time.
    pub talk_ms: u64,
    /// Negotiated codec (SDP encoding name).
    pub codec: Option<String>,
    /// RTP quality (answered calls).
    pub quality: Option<CallQuality>,
    /// Why it failed, in words a person can act on.
    pub failure_reason: Option<String>,
}

impl CallOutcome {
    /// An outcome for an attempt that never reached the trunk.
    pub fn failed(reason: impl Into<String>) -> Self {
        Self {
            status: FinalStatus::Failed,
            sip_status: None,
            sip_reason: None,
            hangup_by: None,
            ring_ms: None,
            answer_ms: None,
            talk_ms: 0,
            codec: None,
            quality: None,
            failure_reason: Some(reason.into()),
        }
    }
}

/// The call engine as the scheduler and the API use it.
pub trait CallEngine: Send + Sync + 'static {
    /// Applies (or replaces) a user's trunk and (re)registers it when `trunk.register` is set.
    /// Returns at once; registration proceeds in the background and shows in
    /// [`CallEngine::registration`].
    fn apply_trunk(&self, user_id: &str, trunk: TrunkSettings);

    /// Registration state and last error of a user's trunk.
    fn registration(&self, user_id: &str) -> RegistrationStatus;

    /// Places one call and bridges it to the handler; resolves when the call is over. The
    /// engine checks the handler is reachable before dialing and reports progress through
    /// `job.progress`. It must resolve for every job (failure included) so the slot is freed.
    fn place(&self, job: CallJob) -> EngineFuture<CallOutcome>;

    /// Ends a call being placed (CANCEL before answer, BYE after), recording `by` as the side
    /// that hung up. Returns whether the call was known. The outcome still arrives through
    /// [`CallEngine::place`].
    fn hangup(&self, call_id: &str, by: HangupBy) -> bool;

    /// The SIP socket's counters, for `/metrics` (`None`, the default: an engine without one).
    fn sip_stats(&self) -> Option<crate::engine::EngineStats> {
        None
    }
}
