//! Domain types shared by the API, the scheduler and the store: a user's trunk configuration and
//! an accepted batch's settings. Stored as JSON; validated by the API before they get here.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// SIP transport of a trunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// SIP over UDP.
    Udp,
}

/// Audio codecs a trunk may offer, in preference order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Codec {
    /// G.711 u-law.
    #[serde(rename = "PCMU")]
    Pcmu,
    /// G.711 A-law.
    #[serde(rename = "PCMA")]
    Pcma,
    /// G.729 (Annex A).
    #[serde(rename = "G729")]
    G729,
    /// GSM 06.10 full rate.
    #[serde(rename = "GSM")]
    Gsm,
}

impl Codec {
    /// The SDP encoding name.
    pub fn as_str(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
            Codec::G729 => "G729",
            Codec::Gsm => "GSM",
        }
    }
}

fn default_true() -> bool {
    true
}
fn default_one() -> u32 {
    1
}
fn default_increment() -> u32 {
    60
}
fn default_codecs() -> Vec<Codec> {
    vec![Codec::Pcmu, Codec::G729, Codec::Gsm]
}
fn default_transport() -> Transport {
    Transport::Udp
}

/// A user's own SIP trunk, as stored (the password is kept apart, sealed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneConfig {
    /// Proxies in order: primary, then secondary (`host` or `host:port`, port 5060 by default).
    pub proxies: Vec<String>,
    /// SIP transport.
    #[serde(default = "default_transport")]
    pub transport: Transport,
    /// Authentication user name.
    pub username: String,
    /// AOR host and realm hint; the primary proxy's host when absent.
    #[serde(default)]
    pub domain: Option<String>,
    /// Caller ID in E.164 (`+60123456789`).
    pub caller_id: String,
    /// Display name shown with the caller ID.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Codecs offered, in order.
    #[serde(default = "default_codecs")]
    pub codecs: Vec<Codec>,
    /// Register to the trunk (false for trunks that authenticate by IP).
    #[serde(default = "default_true")]
    pub register: bool,
    /// Calls in flight at once on this trunk.
    #[serde(default = "default_one")]
    pub max_concurrent_calls: u32,
    /// New calls per second on this trunk.
    #[serde(default = "default_one")]
    pub max_calls_per_second: u32,
    /// Credits per minute of talk time.
    pub rate_per_minute: f64,
    /// Talk time is billed in whole multiples of this many seconds.
    #[serde(default = "default_increment")]
    pub billing_increment_seconds: u32,
    /// Destination allowlist (E.164 prefixes such as `+60`); empty allows every number.
    #[serde(default)]
    pub allowed_prefixes: Vec<String>,
}

/// Wire protocol toward the AI handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum HandlerProtocol {
    /// Twilio Media Streams over WebSocket.
    #[default]
    Twilio,
    /// Raw 16-bit PCM over WebSocket.
    Pcm,
    /// Asterisk AudioSocket over TCP.
    Audiosocket,
}

fn default_sample_rate() -> u32 {
    8000
}

/// Where and how to reach the AI handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandlerSpec {
    /// `ws://` or `wss://` URL (`tcp://host:port` for AudioSocket).
    pub url: String,
    /// Protocol.
    #[serde(default)]
    pub protocol: HandlerProtocol,
    /// PCM sample rate: 8000, 16000 or 24000 (pcm only).
    #[serde(default = "default_sample_rate")]
    pub sample_rate: u32,
}

/// Day of the week in a calling window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Day {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

/// Hours during which calls may start, in a time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallingWindow {
    /// Days on which the window opens (all days when empty).
    #[serde(default)]
    pub days: Vec<Day>,
    /// Opening time `HH:MM` (local).
    pub from: String,
    /// Closing time `HH:MM` (local, exclusive); earlier than `from` for a window past midnight.
    pub to: String,
    /// IANA time zone such as `Asia/Kuala_Lumpur`.
    pub time_zone: String,
}

/// When a batch may dial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// No call before this instant (RFC 3339).
    #[serde(default)]
    pub start_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Daily calling window.
    #[serde(default)]
    pub window: Option<CallingWindow>,
}

/// Final statuses that may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetryOn {
    /// The callee was busy.
    Busy,
    /// Nobody answered.
    NoAnswer,
    /// The call failed (trunk error, handler unreachable, interrupted).
    Failed,
}

impl RetryOn {
    /// The call status this matches.
    pub fn as_status(self) -> &'static str {
        match self {
            RetryOn::Busy => "busy",
            RetryOn::NoAnswer => "no_answer",
            RetryOn::Failed => "failed",
        }
    }
}

fn default_max_attempts() -> u32 {
    1
}
fn default_delay() -> u32 {
    300
}

/// How unanswered or failed calls are retried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// Outcomes to retry.
    #[serde(default)]
    pub on: Vec<RetryOn>,
    /// Attempts in total per contact (1 = no retry).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Wait between attempts.
    #[serde(default = "default_delay")]
    pub delay_seconds: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            on: Vec::new(),
            max_attempts: default_max_attempts(),
            delay_seconds: default_delay(),
        }
    }
}

/// An accepted batch's settings, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BatchSpec {
    /// Campaign id passed to the handler.
    pub campaign_id: String,
    /// Prompt id passed to the handler.
    pub prompt_id: String,
    /// The AI handler.
    pub handler: HandlerSpec,
    /// Start time and calling window.
    #[serde(default)]
    pub schedule: Schedule,
    /// Retry policy.
    #[serde(default)]
    pub retry: RetryPolicy,
    /// Longest call; the reservation covers this.
    pub max_duration_seconds: u32,
    /// Receives a signed POST on every call state change.
    #[serde(default)]
    pub webhook_url: Option<String>,
}
