//! What the echo bot reports.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;

use serde::Serialize;

use crate::event_line::EventLine;

/// Who ended a call, as the bot saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HangupBy {
    /// The bot closed the socket after its hang-up time (or at shutdown).
    Bot,
    /// Trunkline sent `stop` (the callee or Trunkline ended the call).
    Trunkline,
    /// The socket closed or failed without `stop`.
    Closed,
}

/// The summary of one call (one WebSocket connection).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BotCallReport {
    /// Where the connection came from.
    pub peer: SocketAddr,
    /// `streamSid` from `start` (empty if none came).
    pub stream_sid: String,
    /// `callSid` from `start`.
    pub call_sid: String,
    /// `customParameters` from `start`.
    pub custom_parameters: BTreeMap<String, String>,
    /// Who hung up.
    pub hangup_by: HangupBy,
    /// `media` messages received.
    pub media_received: u64,
    /// Received 20 ms frames that held speech.
    pub speech_frames: u64,
    /// Utterances repeated back.
    pub utterances_echoed: u64,
    /// 20 ms frames repeated back.
    pub frames_echoed: u64,
    /// Marks sent (the greeting's and one per utterance).
    pub marks_sent: u64,
    /// Marks Trunkline returned.
    pub marks_returned: u64,
    /// `clear` messages sent.
    pub clears_sent: u64,
    /// Keys pressed, in order.
    pub dtmf: String,
    /// Messages that could not be read.
    pub bad_messages: u64,
    /// From `start` to the end, in ms.
    pub duration_ms: u64,
}

/// Something the bot did or saw.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum BotEvent {
    /// The listener is open.
    Listening {
        /// The URL to give Trunkline.
        url: String,
    },
    /// A WebSocket connection was accepted.
    Connected {
        /// Where it came from.
        peer: SocketAddr,
    },
    /// `start` arrived; the greeting went out.
    Started {
        /// `streamSid`.
        stream_sid: String,
        /// `callSid`.
        call_sid: String,
    },
    /// A mark came back.
    MarkReturned {
        /// `streamSid`.
        stream_sid: String,
        /// Its name.
        name: String,
    },
    /// An utterance was repeated back.
    Echoed {
        /// `streamSid`.
        stream_sid: String,
        /// Its 20 ms frames.
        frames: u64,
        /// The mark after it.
        mark: String,
    },
    /// `clear` was sent (barge-in).
    Cleared {
        /// `streamSid`.
        stream_sid: String,
        /// Why: `dtmf` or `speech`.
        reason: String,
    },
    /// A message could not be read.
    BadMessage {
        /// `streamSid` (empty before `start`).
        stream_sid: String,
        /// What was wrong.
        reason: String,
    },
    /// The call is over.
    Ended(BotCallReport),
    /// Something failed (a handshake, a socket).
    Error {
        /// What failed.
        message: String,
    },
}

impl EventLine for BotEvent {}

/// `name key=value ...` ([`EventLine::write_line`]).
impl fmt::Display for BotEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_line(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_line() {
        let e = BotEvent::Cleared {
            stream_sid: "MZ1".into(),
            reason: "dtmf".into(),
        };
        assert_eq!(
            e.to_json(),
            r#"{"event":"cleared","stream_sid":"MZ1","reason":"dtmf"}"#
        );
        assert_eq!(e.name(), "cleared");
        assert_eq!(e.to_string(), "cleared reason=dtmf stream_sid=MZ1");
    }
}
