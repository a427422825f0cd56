//! What goes into an [`Endpoint`](super::Endpoint).

use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::sdp::LocalMedia;

/// Identifies one call in commands and events. The driver chooses it (a
/// database id, a counter) and must not reuse it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallHandle(pub u64);

impl fmt::Display for CallHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call {}", self.0)
    }
}

/// Everything that drives an endpoint.
#[derive(Clone, Debug)]
pub enum Input {
    /// A datagram arrived on the SIP socket.
    Receive {
        /// When it arrived.
        now: Instant,
        /// Its source.
        from: SocketAddr,
        /// Its bytes.
        data: Bytes,
    },
    /// The deadline last returned by `poll_timeout` (or a later time) has come.
    Timeout(Instant),
    /// Sending to `to` failed (ICMP unreachable, no route): transactions
    /// sending there fail at once instead of timing out.
    TransportError {
        /// When the failure was seen.
        now: Instant,
        /// The destination that failed.
        to: SocketAddr,
    },
    /// Something the driver wants done.
    Command {
        /// The current time.
        now: Instant,
        /// What to do.
        command: Command,
    },
}

/// Requests from the driver. Each returns at once; progress and outcome come
/// out of `poll_output` as events.
#[derive(Clone, Debug)]
pub enum Command {
    /// Register with the first proxy (failing over down the list) and keep
    /// the registration refreshed.
    Register,
    /// Remove the registration (REGISTER with Expires: 0) and stop refreshing.
    Unregister,
    /// Place a call.
    Invite {
        /// The handle for this call's commands and events.
        call: CallHandle,
        /// Whom to call and with which media.
        request: InviteRequest,
    },
    /// Cancel a call not answered yet (sent once a provisional response
    /// arrived, as RFC 3261 9.1 requires).
    Cancel {
        /// The call.
        call: CallHandle,
    },
    /// End an answered call with BYE.
    Bye {
        /// The call.
        call: CallHandle,
    },
    /// End a call whatever its state: CANCEL before the answer, BYE after.
    Hangup {
        /// The call.
        call: CallHandle,
    },
}

/// A call to place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InviteRequest {
    /// The number or user to call (`+60123456789`), put in
    /// `sip:<target>@<proxy host>`; or a full `sip:`/`sips:`/`tel:` URI.
    pub target: String,
    /// Our media: address, RTP port, codecs. The address is replaced by our
    /// public address when one is configured or learned.
    pub media: LocalMedia,
    /// Give up (CANCEL) when no one answers within this time.
    pub ring_timeout: Option<Duration>,
    /// Extra headers for the INVITE (name, value), e.g. `P-Asserted-Identity`.
    pub extra_headers: Vec<(String, String)>,
}

impl InviteRequest {
    /// A call to `target` with `media`, no ring timeout, no extra headers.
    pub fn new(target: impl Into<String>, media: LocalMedia) -> InviteRequest {
        InviteRequest {
            target: target.into(),
            media,
            ring_timeout: None,
            extra_headers: Vec::new(),
        }
    }
}
