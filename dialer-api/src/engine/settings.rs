//! How the engine runs: sockets, port range, timeouts.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::config::Config;
use crate::handler::ConnectOptions;

/// Settings of one engine (one SIP socket, one RTP port range).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineSettings {
    /// Where the SIP UDP socket binds (`[sip] bind`; port 0 picks a free one).
    pub sip_bind: SocketAddr,
    /// Our public IP when behind a port-forwarding NAT (`[sip] external_address`).
    pub external_address: Option<IpAddr>,
    /// User-Agent header (`[sip] user_agent`).
    pub user_agent: String,
    /// Lowest RTP port (`[rtp] port_min`).
    pub rtp_port_min: u16,
    /// Highest RTP port (`[rtp] port_max`).
    pub rtp_port_max: u16,
    /// Hang up an answered call after this long without RTP ("no audio").
    pub no_audio_timeout: Duration,
    /// Cancel a call nobody answers within this time (no answer).
    pub ring_timeout: Duration,
    /// SIP T1 (500 ms); every SIP timer scales with it.
    pub sip_t1: Duration,
    /// How long to wait for each step of a graceful shutdown (calls to end,
    /// then un-REGISTERs to be answered).
    pub shutdown_grace: Duration,
    /// Connecting to the AI handler.
    pub handler: ConnectOptions,
}

impl Default for EngineSettings {
    fn default() -> EngineSettings {
        EngineSettings::from_config(&Config::default())
    }
}

impl EngineSettings {
    /// The settings from `[sip]` and `[rtp]` (ringing: `[sip] ring_timeout`),
    /// with default timeouts: 10 s of no audio, T1 500 ms, 5 s per shutdown step.
    pub fn from_config(config: &Config) -> EngineSettings {
        EngineSettings {
            sip_bind: config.sip.bind,
            external_address: config.sip.external_address,
            user_agent: config.sip.user_agent.clone(),
            rtp_port_min: config.rtp.port_min,
            rtp_port_max: config.rtp.port_max,
            no_audio_timeout: Duration::from_secs(10),
            ring_timeout: config.sip.ring_timeout,
            sip_t1: Duration::from_millis(500),
            shutdown_grace: Duration::from_secs(5),
            handler: ConnectOptions::default(),
        }
    }

    /// How long registering through `proxies` proxies may take: each may
    /// use a whole transaction timeout (64 * T1) before the next is tried,
    /// plus 5 s of slack.
    pub fn registration_limit(&self, proxies: usize) -> Duration {
        self.sip_t1 * 64 * proxies.max(1) as u32 + Duration::from_secs(5)
    }
}
