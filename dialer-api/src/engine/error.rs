//! Errors of the call engine, in words an operator can act on.

use std::net::SocketAddr;
use std::time::Duration;

/// The engine could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The SIP socket could not be bound.
    #[error("cannot bind the SIP socket on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The socket error.
        source: std::io::Error,
    },
    /// Every RTP port pair of the range is in use.
    #[error(
        "no free RTP port pair in {min}-{max}: too many calls at once, or widen [rtp] port_min/port_max"
    )]
    NoRtpPort {
        /// `[rtp] port_min`.
        min: u16,
        /// `[rtp] port_max`.
        max: u16,
    },
    /// No trunk by this name was added.
    #[error("no trunk named '{0}'")]
    UnknownTrunk(String),
    /// The trunk cannot be used.
    #[error(transparent)]
    Trunk(#[from] TrunkError),
    /// The SIP stack refused the call (a bad number, a bad header).
    #[error("cannot place the call: {0}")]
    Invite(#[from] sip_core::endpoint::InputError),
    /// The engine is shutting down (or has stopped).
    #[error("the call engine is shutting down")]
    Stopped,
}

/// A trunk's settings cannot be turned into a working SIP account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrunkError {
    /// A proxy is not `host[:port]`.
    #[error("trunk '{trunk}': proxy '{proxy}': {reason}")]
    BadProxy {
        /// The trunk.
        trunk: String,
        /// The proxy as given.
        proxy: String,
        /// What is wrong.
        reason: String,
    },
    /// No proxy of the trunk resolves to an address of the SIP socket's family.
    #[error("trunk '{trunk}': cannot reach the trunk: {}", .failures.join("; "))]
    Unresolvable {
        /// The trunk.
        trunk: String,
        /// One line per proxy: `sip1.example.com:5060: <resolver message>`.
        failures: Vec<String>,
    },
    /// The account does not make valid SIP (a user name with spaces, ...).
    #[error("trunk '{trunk}': {reason}")]
    Account {
        /// The trunk.
        trunk: String,
        /// What is wrong.
        reason: String,
    },
}

/// Registration did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// Every proxy failed; one entry per attempt, in order.
    #[error("registration failed: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Failed(Vec<ProxyFailure>),
    /// No outcome within the time allowed.
    #[error("no registration outcome within {} s", .0.as_secs())]
    NoOutcome(Duration),
    /// No trunk by this name was added.
    #[error("no trunk named '{0}'")]
    UnknownTrunk(String),
    /// The engine is shutting down.
    #[error("the call engine is shutting down")]
    Stopped,
}

/// One proxy's answer to a REGISTER that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyFailure {
    /// The proxy's host name.
    pub proxy: String,
    /// The SIP status and reason, or `no response (timeout)`.
    pub reason: String,
    /// The failure as the SIP stack reported it (status, timeout, ...).
    pub failure: sip_core::endpoint::RegistrationFailure,
}

impl std::fmt::Display for ProxyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} from {}", self.reason, self.proxy)
    }
}
