//! What a bridge tells the call side, and how a call ends.

use std::fmt;

/// An event from the handler for the call side (the media engine).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandlerEvent {
    /// Audio to play to the callee after what is already queued
    /// (`MediaSession::queue_outbound(samples, sample_rate)`).
    Audio {
        /// Mono 16-bit PCM.
        samples: Vec<i16>,
        /// Its sample rate in Hz: 8000, or the pcm handler's rate.
        sample_rate: u32,
    },
    /// A marker after the audio queued so far (`MediaSession::mark`). Once all
    /// that audio has been played, call [`Bridge::mark_played`](super::Bridge::mark_played).
    Mark(String),
    /// Barge-in: drop all queued audio at once (`MediaSession::clear`), then
    /// report every mark that was pending through `Bridge::mark_played`.
    Clear,
    /// The handler ended the call: hang up (BYE) with `hangup_by = handler`.
    /// The bridge has already closed its socket; this is the last event.
    HungUp(HangupCause),
}

/// Why the handler side ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HangupCause {
    /// The handler closed its socket (WebSocket close frame, or TCP end of stream).
    Closed {
        /// The WebSocket close code, when one was sent.
        code: Option<u16>,
        /// The close reason, possibly empty.
        reason: String,
    },
    /// The handler asked to hang up (pcm `hangup`, AudioSocket `0x00`).
    Requested,
    /// AudioSocket error frame (`0xff`) with its first payload byte, if any.
    HandlerError {
        /// The error code byte.
        code: Option<u8>,
    },
    /// The connection failed, or the handler broke the protocol (an
    /// oversized message, invalid UTF-8 text).
    Failed {
        /// What happened.
        reason: String,
    },
}

impl fmt::Display for HangupCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HangupCause::Closed {
                code: Some(code),
                reason,
            } if !reason.is_empty() => {
                write!(
                    f,
                    "handler hung up: closed the connection ({code} {reason})"
                )
            }
            HangupCause::Closed {
                code: Some(code), ..
            } => {
                write!(f, "handler hung up: closed the connection ({code})")
            }
            HangupCause::Closed { code: None, .. } => {
                f.write_str("handler hung up: closed the connection")
            }
            HangupCause::Requested => f.write_str("handler hung up: asked to hang up"),
            HangupCause::HandlerError { code: Some(code) } => {
                write!(f, "handler hung up: sent error 0x{code:02x}")
            }
            HangupCause::HandlerError { code: None } => {
                f.write_str("handler hung up: sent an error")
            }
            HangupCause::Failed { reason } => write!(f, "handler connection failed: {reason}"),
        }
    }
}

/// Why the call side ends the bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FinishReason {
    /// The callee hung up (BYE from the trunk).
    Callee,
    /// Trunkline ended the call: maximum duration, shutdown, an API request,
    /// or the call was never answered.
    Trunkline,
}

impl FinishReason {
    /// The `hangup_by` value: `callee` or `trunkline`.
    pub const fn as_str(self) -> &'static str {
        match self {
            FinishReason::Callee => "callee",
            FinishReason::Trunkline => "trunkline",
        }
    }
}

/// What a bridge makes of one message from the handler.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Inbound {
    /// Something for the call side.
    Event(HandlerEvent),
    /// A message with nothing to do: an unknown event (named here), tolerated.
    Ignored(String),
}
