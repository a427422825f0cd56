//! Errors of the trunk simulator.

use std::net::SocketAddr;
use std::time::Duration;

use super::outcome::CallOutcome;

/// A simulator setting that cannot work.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimConfigError {
    /// An outcome name that is not answer, busy, no-answer or unavailable.
    #[error("unknown outcome '{0}': use answer, busy, no-answer or unavailable")]
    UnknownOutcome(String),
    /// A weight that is negative or not a number.
    #[error("the {outcome} proportion {value} must be a number of zero or more")]
    BadWeight {
        /// Whose weight.
        outcome: CallOutcome,
        /// The value given.
        value: String,
    },
    /// Every weight is zero.
    #[error("the answer, busy, no-answer and unavailable proportions are all zero")]
    AllWeightsZero,
    /// A number rule that cannot be read.
    #[error("outcome rule {0}")]
    BadRule(String),
    /// The ring range is upside down.
    #[error("--ring-min ({min:?}) is longer than --ring-max ({max:?})")]
    RingRange {
        /// The minimum.
        min: Duration,
        /// The maximum.
        max: Duration,
    },
    /// An RTP port range that cannot hold a port pair.
    #[error("RTP port range '{0}': give FIRST-LAST with 1024 <= FIRST < LAST <= 65535")]
    BadPortRange(String),
    /// A codec name the simulator does not speak.
    #[error("unknown codec '{0}': use PCMU, PCMA, GSM or G729")]
    UnknownCodec(String),
    /// No codec to answer with.
    #[error("the simulator needs at least one codec")]
    NoCodecs,
    /// The registrar needs a user name.
    #[error("the username must not be empty")]
    EmptyUsername,
    /// IP authentication with no address allowed.
    #[error("--invite-auth ip needs at least one --allow-ip address")]
    NoAllowedAddress,
}

/// Why the simulator could not start.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A bad setting.
    #[error(transparent)]
    Config(#[from] SimConfigError),
    /// The SIP socket could not be bound.
    #[error("cannot bind the SIP socket to {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
}
