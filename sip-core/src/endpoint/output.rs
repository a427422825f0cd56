//! What comes out of an [`Endpoint`](super::Endpoint).

use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::CallHandle;
use crate::message::{Method, StatusCode};
use crate::sdp::{NegotiatedMedia, SdpError};
use crate::transaction::Transmit;

/// The next thing the driver must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Send a datagram.
    Transmit(Transmit),
    /// Act on an event.
    Event(Event),
    /// Nothing more now: call `handle_input(Input::Timeout(..))` at this time
    /// unless another input comes first.
    Timeout(Instant),
}

/// Something the driver should know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Registration progress.
    Registration(RegistrationEvent),
    /// Progress of one call.
    Call {
        /// The call.
        call: CallHandle,
        /// What happened.
        event: CallEvent,
    },
    /// Our address as the trunk sees it changed (learned from `received` and
    /// `rport`); Contact and SDP use it from now on.
    PublicAddressChanged {
        /// The new address.
        address: SocketAddr,
    },
    /// A request outside any dialog that we refused (we only dial out).
    IncomingRejected {
        /// Its method.
        method: Method,
        /// Its From, as written.
        from: String,
        /// The status we answered.
        status: StatusCode,
    },
}

/// Registration progress; `proxy` is the proxy's host name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistrationEvent {
    /// Registered (first time, after a failure, or with another proxy).
    Registered {
        /// The proxy.
        proxy: String,
        /// The granted lifetime.
        expires: Duration,
    },
    /// A refresh succeeded.
    Refreshed {
        /// The proxy.
        proxy: String,
        /// The granted lifetime.
        expires: Duration,
    },
    /// An attempt failed.
    Failed {
        /// The proxy that failed.
        proxy: String,
        /// Why.
        failure: RegistrationFailure,
        /// When the next attempt starts (`None`: trying the next proxy now).
        retry_in: Option<Duration>,
    },
    /// The proxy failed: now trying the next one. (Returning to the primary
    /// shows as `Registered` with the primary.)
    FailedOver {
        /// The proxy left.
        from: String,
        /// The proxy now tried.
        to: String,
    },
    /// The registration was removed (or the un-REGISTER got no 2xx, given in
    /// `failure`).
    Unregistered {
        /// The proxy.
        proxy: String,
        /// Why the un-REGISTER did not succeed, if it did not.
        failure: Option<RegistrationFailure>,
    },
}

impl fmt::Display for RegistrationEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistrationEvent::Registered { proxy, expires } => {
                write!(f, "registered with {proxy} for {} s", expires.as_secs())
            }
            RegistrationEvent::Refreshed { proxy, expires } => {
                write!(
                    f,
                    "registration refreshed with {proxy} for {} s",
                    expires.as_secs()
                )
            }
            RegistrationEvent::Failed { proxy, failure, .. } => {
                write!(f, "registration failed: {failure} from {proxy}")
            }
            RegistrationEvent::FailedOver { from, to } => {
                write!(f, "registration moved from {from} to {to}")
            }
            RegistrationEvent::Unregistered {
                proxy,
                failure: None,
            } => write!(f, "unregistered from {proxy}"),
            RegistrationEvent::Unregistered {
                proxy,
                failure: Some(e),
            } => write!(f, "un-registration failed: {e} from {proxy}"),
        }
    }
}

/// Why a REGISTER (or an INVITE) did not succeed.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationFailure {
    /// A final error response.
    #[error("{} {reason}", status.as_u16())]
    Rejected {
        /// The status.
        status: StatusCode,
        /// The reason phrase.
        reason: String,
    },
    /// The server challenged our credentials again with the same nonce.
    #[error("{} {reason} (wrong credentials?)", status.as_u16())]
    CredentialsRejected {
        /// 401 or 407.
        status: StatusCode,
        /// The reason phrase.
        reason: String,
    },
    /// A challenge we cannot answer (unknown algorithm, malformed).
    #[error("{} {reason}: cannot answer the challenge: {detail}", status.as_u16())]
    UnusableChallenge {
        /// 401 or 407.
        status: StatusCode,
        /// The reason phrase.
        reason: String,
        /// What is wrong with it.
        detail: String,
    },
    /// No response within Timer F (32 s).
    #[error("no response (timeout)")]
    Timeout,
    /// The transport reported an error sending to the proxy.
    #[error("transport error")]
    TransportError,
}

/// Progress of one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallEvent {
    /// A provisional response (100 Trying, 180 Ringing, 183 Session Progress).
    Progress {
        /// The status.
        status: StatusCode,
        /// The reason phrase.
        reason: String,
    },
    /// A provisional response carried SDP: early media from this address
    /// and codec (reported again when it changes).
    EarlyMedia(NegotiatedMedia),
    /// The call was answered (and acknowledged): the media to use.
    Answered(NegotiatedMedia),
    /// The peer changed the session (hold, resume, new address or codec)
    /// through a re-INVITE or UPDATE that we accepted.
    MediaChanged(NegotiatedMedia),
    /// The call is over; the last event of the call.
    Ended(CallEnd),
}

/// How a call ended.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallEnd {
    /// The trunk or callee refused it (3xx-6xx).
    Rejected {
        /// The status.
        status: StatusCode,
        /// The reason phrase.
        reason: String,
        /// Retry-After in seconds, when given.
        retry_after: Option<u32>,
        /// The proxy's host name.
        proxy: String,
    },
    /// A 401/407 we could not satisfy.
    AuthFailed(RegistrationFailure),
    /// No response from the proxy (Timer B).
    Timeout {
        /// The proxy's host name.
        proxy: String,
    },
    /// The transport failed sending to the proxy.
    TransportError,
    /// Cancelled before the answer (by command, or a 2xx that crossed our
    /// CANCEL, which was then ended with BYE).
    Cancelled {
        /// The INVITE's final response to our CANCEL (normally `487 Request
        /// Terminated`); `None` when none came or a 2xx crossed the CANCEL.
        response: Option<FinalResponse>,
    },
    /// Nobody answered within the ring timeout (we cancelled).
    NoAnswer {
        /// The INVITE's final response to our CANCEL (normally `487 Request
        /// Terminated`); `None` when none came or a 2xx crossed the CANCEL.
        response: Option<FinalResponse>,
    },
    /// The peer hung up with BYE.
    RemoteHangup,
    /// We hung up with BYE.
    LocalHangup,
    /// The session timer ran out without a refresh (we sent BYE).
    SessionExpired,
    /// A session refresh failed with this status (or timed out): the dialog
    /// is gone (we sent BYE).
    RefreshFailed {
        /// The status of the failed refresh, `None` for a timeout.
        status: Option<StatusCode>,
    },
    /// The peer never acknowledged our 2xx to its re-INVITE: we sent BYE.
    AckNotReceived,
    /// The answer's SDP was unusable (no common codec, ...): we sent BYE.
    MediaFailed(SdpError),
}

/// The status line of a final response that ended an unanswered call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalResponse {
    /// The status.
    pub status: StatusCode,
    /// The reason phrase.
    pub reason: String,
}

impl CallEnd {
    /// This end with the INVITE's final response recorded, for the ends that
    /// follow our CANCEL; other ends are returned unchanged.
    pub(crate) fn with_response(self, status: StatusCode, reason: &str) -> CallEnd {
        let response = Some(FinalResponse {
            status,
            reason: reason.to_owned(),
        });
        match self {
            CallEnd::Cancelled { .. } => CallEnd::Cancelled { response },
            CallEnd::NoAnswer { .. } => CallEnd::NoAnswer { response },
            other => other,
        }
    }
}

impl fmt::Display for CallEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallEnd::Rejected {
                status,
                reason,
                retry_after,
                proxy,
            } => {
                write!(
                    f,
                    "call rejected: {} {reason} from {proxy}",
                    status.as_u16()
                )?;
                if let Some(s) = retry_after {
                    write!(f, " (retry after {s} s)")?;
                }
                Ok(())
            }
            CallEnd::AuthFailed(e) => write!(f, "call authentication failed: {e}"),
            CallEnd::Timeout { proxy } => write!(f, "no response from {proxy} (timeout)"),
            CallEnd::TransportError => f.write_str("transport error reaching the trunk"),
            CallEnd::Cancelled { .. } => f.write_str("call cancelled"),
            CallEnd::NoAnswer { .. } => f.write_str("no answer"),
            CallEnd::RemoteHangup => f.write_str("the callee hung up"),
            CallEnd::LocalHangup => f.write_str("we hung up"),
            CallEnd::SessionExpired => f.write_str("session timer expired without a refresh"),
            CallEnd::RefreshFailed { status: Some(s) } => {
                write!(f, "session refresh failed with {}", s.as_u16())
            }
            CallEnd::RefreshFailed { status: None } => {
                f.write_str("session refresh got no response")
            }
            CallEnd::AckNotReceived => f.write_str("the trunk never acknowledged our 2xx"),
            CallEnd::MediaFailed(e) => write!(f, "unusable answer: {e}"),
        }
    }
}

/// Misuse of the endpoint by its driver (peer faults are events, never this).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// No live call has this handle.
    #[error("no {0}")]
    UnknownCall(CallHandle),
    /// A call with this handle exists already.
    #[error("{0} already exists")]
    DuplicateCall(CallHandle),
    /// The command does not fit the call's state.
    #[error("{call}: cannot {command} now: {detail}")]
    WrongState {
        /// The call.
        call: CallHandle,
        /// The command.
        command: &'static str,
        /// Why not.
        detail: &'static str,
    },
    /// The call target is not a user part or a URI.
    #[error("invalid call target {0:?}: give a number, a user or a sip:/tel: URI")]
    InvalidTarget(String),
    /// An extra header name or value is not valid SIP.
    #[error("invalid extra header {0:?}")]
    InvalidHeader(String),
}
