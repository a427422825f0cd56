//! What the simulator reports: one event per thing that happened, printed
//! as a line (`trunkline sim-trunk`) or a JSON object (`--json`).

use std::fmt;
use std::net::SocketAddr;

use serde::Serialize;

use crate::event_line::EventLine;

use super::outcome::CallOutcome;

/// How a call ended, from the simulator's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallEnd {
    /// Answered; the caller sent BYE.
    CallerHungUp,
    /// Answered; the simulator sent BYE after the talk time.
    SimulatorHungUp,
    /// The caller sent CANCEL before an answer (487).
    Canceled,
    /// 486 Busy Here.
    Busy,
    /// 503 Service Unavailable.
    Unavailable,
    /// Nobody answered and the caller never cancelled (480).
    NoAnswerTimeout,
    /// The 200 OK was never acknowledged; the simulator sent BYE.
    NoAck,
    /// No RTP port could be opened (500).
    MediaFailed,
}

/// The media side of an answered call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaReport {
    /// The codec used (`PCMU`, ...).
    pub codec: String,
    /// RTP packets sent.
    pub packets_sent: u64,
    /// RTP packets received.
    pub packets_received: u64,
    /// Packets lost (by sequence numbers).
    pub packets_lost: i64,
    /// Interarrival jitter of the received stream, in ms.
    pub jitter_ms: f64,
    /// Estimated MOS of the received audio.
    pub mos: f64,
    /// RTCP packets received.
    pub rtcp_received: u64,
    /// The longest gap between two RTP packets sent, in ms (20 for a
    /// perfectly steady stream).
    pub max_send_gap_ms: f64,
    /// The greeting was played to the end.
    pub greeting_played: bool,
    /// 20 ms frames sent back to the caller after the greeting.
    pub echoed_frames: u64,
}

/// The summary of one call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallReport {
    /// The SIP Call-ID.
    pub call_id: String,
    /// The dialed number (the Request-URI user part).
    pub number: String,
    /// The outcome chosen for the number.
    pub outcome: CallOutcome,
    /// How the call ended.
    pub end: CallEnd,
    /// The final status the simulator answered the INVITE with.
    pub status: u16,
    /// From the INVITE to the answer or the end of ringing, in ms.
    pub ring_ms: u64,
    /// From the 200 OK to the BYE, in ms.
    pub talk_ms: u64,
    /// Media figures for answered calls.
    pub media: Option<MediaReport>,
}

/// Something the simulator did or saw.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SimEvent {
    /// The SIP socket is open.
    Listening {
        /// Its address.
        sip: SocketAddr,
    },
    /// A REGISTER succeeded.
    Registered {
        /// The user name.
        user: String,
        /// The Contact bound.
        contact: String,
        /// Seconds granted.
        expires: u32,
        /// Where it came from.
        source: SocketAddr,
    },
    /// A REGISTER removed the bindings (expires 0).
    Unregistered {
        /// The user name.
        user: String,
        /// Where it came from.
        source: SocketAddr,
    },
    /// A REGISTER with credentials was refused.
    RegistrationRejected {
        /// The user name given.
        user: String,
        /// The status answered (403, or 401 with a new challenge).
        status: u16,
        /// Where it came from.
        source: SocketAddr,
    },
    /// A request was challenged (401 for REGISTER, 407 for INVITE).
    Challenged {
        /// The method.
        method: String,
        /// 401 or 407.
        status: u16,
        /// Its Call-ID.
        call_id: String,
        /// Where it came from.
        source: SocketAddr,
    },
    /// OPTIONS answered with 200.
    Options {
        /// Where it came from.
        source: SocketAddr,
    },
    /// An authenticated INVITE for a new call arrived.
    Invite {
        /// Its Call-ID.
        call_id: String,
        /// The dialed number.
        number: String,
        /// Where it came from.
        source: SocketAddr,
    },
    /// An INVITE was refused before any outcome (bad password, address not
    /// allowed, no common codec, malformed SDP).
    Rejected {
        /// Its Call-ID.
        call_id: String,
        /// The status answered.
        status: u16,
        /// Why.
        reason: String,
    },
    /// The outcome for a new call.
    Decided {
        /// Its Call-ID.
        call_id: String,
        /// The dialed number.
        number: String,
        /// The outcome.
        outcome: CallOutcome,
        /// How long it will ring before the answer.
        ring_ms: u64,
    },
    /// 180 Ringing sent.
    Ringing {
        /// Its Call-ID.
        call_id: String,
    },
    /// 200 OK with SDP sent; audio starts.
    Answered {
        /// Its Call-ID.
        call_id: String,
        /// The codec chosen.
        codec: String,
        /// The simulator's RTP port.
        rtp_port: u16,
        /// Where RTP goes.
        remote_rtp: SocketAddr,
    },
    /// The ACK of the 200 OK arrived.
    Acked {
        /// Its Call-ID.
        call_id: String,
    },
    /// An in-dialog INVITE (hold, resume, new address) was answered.
    Reinvite {
        /// Its Call-ID.
        call_id: String,
    },
    /// The caller cancelled a ringing call.
    Canceled {
        /// Its Call-ID.
        call_id: String,
    },
    /// The caller sent BYE.
    ByeReceived {
        /// Its Call-ID.
        call_id: String,
    },
    /// The simulator sent BYE.
    ByeSent {
        /// Its Call-ID.
        call_id: String,
    },
    /// The final word on a call.
    CallEnded(CallReport),
    /// A datagram that is not SIP, or a request that cannot be answered.
    Malformed {
        /// Where it came from.
        source: SocketAddr,
        /// What was wrong.
        reason: String,
    },
    /// Something failed inside the simulator (a socket error).
    Error {
        /// What failed.
        message: String,
    },
}

impl EventLine for SimEvent {}

/// `name key=value ...` ([`EventLine::write_line`]).
impl fmt::Display for SimEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_line(f)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    #[test]
    fn lines_and_json() {
        let e = SimEvent::Decided {
            call_id: "c1".into(),
            number: "+601".into(),
            outcome: CallOutcome::NoAnswer,
            ring_ms: 0,
        };
        assert_eq!(
            e.to_json(),
            r#"{"event":"decided","call_id":"c1","number":"+601","outcome":"no_answer","ring_ms":0}"#
        );
        assert_eq!(e.name(), "decided");
        assert_eq!(
            e.to_string(),
            "decided call_id=c1 number=+601 outcome=no_answer ring_ms=0"
        );
        let ended = SimEvent::CallEnded(CallReport {
            call_id: "c2".into(),
            number: "9".into(),
            outcome: CallOutcome::Answer,
            end: CallEnd::CallerHungUp,
            status: 200,
            ring_ms: 700,
            talk_ms: 1000,
            media: Some(MediaReport {
                codec: "PCMU".into(),
                packets_sent: 50,
                packets_received: 49,
                packets_lost: 1,
                jitter_ms: 0.5,
                mos: 4.3,
                rtcp_received: 1,
                max_send_gap_ms: 21.0,
                greeting_played: false,
                echoed_frames: 0,
            }),
        });
        let line = ended.to_string();
        assert!(line.starts_with("call_ended call_id=c2"), "{line}");
        assert!(line.contains(" end=caller_hung_up "), "{line}");
        assert!(line.contains(" media.codec=PCMU "), "{line}");
        let v: Value = serde_json::from_str(&ended.to_json()).unwrap();
        assert_eq!(v["event"], "call_ended");
        assert_eq!(v["media"]["packets_lost"], 1);
        let quiet = SimEvent::Error {
            message: "no such port".into(),
        };
        assert_eq!(quiet.to_string(), "error message=\"no such port\"");
    }
}
