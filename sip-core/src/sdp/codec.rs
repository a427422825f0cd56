//! Audio codecs as SDP names them (RFC 3551 static payload types, rtpmap).

use std::fmt;

/// An RTP audio format: its SDP encoding name, clock rate and payload type,
/// plus the `a=fmtp` parameters it is offered with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Codec {
    /// Encoding name as in `a=rtpmap` (`PCMU`, `G729`, `telephone-event`).
    pub name: String,
    /// Clock rate in Hz.
    pub clock_rate: u32,
    /// Channels, when not 1.
    pub channels: Option<u8>,
    /// Payload type.
    pub payload_type: u8,
    /// `a=fmtp` parameters, if any.
    pub fmtp: Option<String>,
}

/// The RFC 3551 static audio payload types: (payload type, name, clock rate).
const STATIC_AUDIO: &[(u8, &str, u32)] = &[
    (0, "PCMU", 8000),
    (3, "GSM", 8000),
    (4, "G723", 8000),
    (5, "DVI4", 8000),
    (6, "DVI4", 16000),
    (7, "LPC", 8000),
    (8, "PCMA", 8000),
    (9, "G722", 8000),
    (10, "L16", 44100),
    (11, "L16", 44100),
    (12, "QCELP", 8000),
    (13, "CN", 8000),
    (14, "MPA", 90000),
    (15, "G728", 8000),
    (16, "DVI4", 11025),
    (17, "DVI4", 22050),
    (18, "G729", 8000),
];

impl Codec {
    /// A codec with a static or chosen payload type and no fmtp.
    pub fn new(name: &str, clock_rate: u32, payload_type: u8) -> Codec {
        Codec {
            name: name.into(),
            clock_rate,
            channels: None,
            payload_type,
            fmtp: None,
        }
    }

    /// G.711 u-law, payload type 0.
    pub fn pcmu() -> Codec {
        Codec::new("PCMU", 8000, 0)
    }

    /// G.711 A-law, payload type 8.
    pub fn pcma() -> Codec {
        Codec::new("PCMA", 8000, 8)
    }

    /// G.729 (annex A decoding), payload type 18, offered with `annexb=no`
    /// (no silence suppression).
    pub fn g729() -> Codec {
        Codec {
            fmtp: Some("annexb=no".into()),
            ..Codec::new("G729", 8000, 18)
        }
    }

    /// GSM 06.10 full rate, payload type 3.
    pub fn gsm() -> Codec {
        Codec::new("GSM", 8000, 3)
    }

    /// RFC 4733 telephone events at 8 kHz with DTMF events 0-16, on the
    /// given dynamic payload type (101 by convention).
    pub fn telephone_event(payload_type: u8) -> Codec {
        Codec {
            fmtp: Some("0-16".into()),
            ..Codec::new("telephone-event", 8000, payload_type)
        }
    }

    /// The static payload type's codec (RFC 3551), for formats an SDP lists
    /// without `a=rtpmap`.
    pub fn from_static(payload_type: u8) -> Option<Codec> {
        STATIC_AUDIO
            .iter()
            .find(|(pt, ..)| *pt == payload_type)
            .map(|(pt, name, rate)| Codec {
                channels: (*pt == 10).then_some(2),
                ..Codec::new(name, *rate, *pt)
            })
    }

    /// Whether `other` is the same format (name case-insensitively, clock rate),
    /// whatever the payload type.
    pub fn same_format(&self, other: &Codec) -> bool {
        self.name.eq_ignore_ascii_case(&other.name) && self.clock_rate == other.clock_rate
    }

    /// Whether this is RFC 4733 telephone-event.
    pub fn is_telephone_event(&self) -> bool {
        self.name.eq_ignore_ascii_case("telephone-event")
    }

    /// The `a=rtpmap` value (`0 PCMU/8000`).
    pub fn rtpmap(&self) -> String {
        match self.channels {
            Some(c) => format!(
                "{} {}/{}/{c}",
                self.payload_type, self.name, self.clock_rate
            ),
            None => format!("{} {}/{}", self.payload_type, self.name, self.clock_rate),
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}
