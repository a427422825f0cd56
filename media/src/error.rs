//! Typed errors for every layer of the media engine.

use thiserror::Error;

/// Why an RTP packet was rejected by [`crate::rtp::RtpPacket::parse`].
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtpError {
    /// Fewer bytes than the fixed 12-byte header, the CSRC list or the
    /// header extension need.
    #[error("RTP packet truncated: {needed} bytes needed, {len} received")]
    Truncated {
        /// Bytes the header claims.
        needed: usize,
        /// Bytes actually received.
        len: usize,
    },
    /// The version field is not 2.
    #[error("RTP version {0} is not supported (only version 2)")]
    BadVersion(u8),
    /// The padding flag is set but the padding count is zero or longer than the payload.
    #[error("RTP padding count {count} is invalid for a {available}-byte payload")]
    BadPadding {
        /// The padding count from the last byte.
        count: u8,
        /// Bytes available after the header.
        available: usize,
    },
}

/// Why an RTCP packet was rejected.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtcpError {
    /// The datagram ends before the packet or item it announces.
    #[error("RTCP packet truncated: {needed} bytes needed, {len} available")]
    Truncated {
        /// Bytes the header claims.
        needed: usize,
        /// Bytes available.
        len: usize,
    },
    /// The version field is not 2.
    #[error("RTCP version {0} is not supported (only version 2)")]
    BadVersion(u8),
    /// The padding flag is set on a packet that is not the last of the
    /// compound, or the padding count is invalid.
    #[error("RTCP padding is invalid")]
    BadPadding,
    /// An SDES chunk is malformed (an item runs past its chunk or the chunk
    /// is not terminated).
    #[error("RTCP SDES chunk is malformed")]
    BadSdes,
    /// The datagram holds no RTCP packet at all.
    #[error("empty RTCP datagram")]
    Empty,
}

/// Why an RFC 4733 telephone-event payload was rejected.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DtmfError {
    /// The payload is shorter than the 4-byte event block.
    #[error("telephone-event payload is {0} bytes, at least 4 are needed")]
    Truncated(usize),
    /// The character cannot be sent as DTMF.
    #[error("{0:?} is not a DTMF digit (0-9, *, #, A-D)")]
    BadDigit(char),
    /// Too many digits already wait to be sent.
    #[error("{queued} DTMF digits already wait to be sent; wait before queueing more")]
    QueueFull {
        /// Digits waiting.
        queued: usize,
    },
}

/// A command to the media engine that cannot be carried out.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaError {
    /// The codec could not be set up or rejected its input.
    #[error("codec: {0}")]
    Codec(#[from] codecs::CodecError),
    /// A DTMF digit or payload is invalid.
    #[error("DTMF: {0}")]
    Dtmf(#[from] DtmfError),
    /// The outbound queue already holds as much audio as it may.
    #[error(
        "outbound audio queue is full ({queued_ms} ms queued); wait for marks before sending more"
    )]
    QueueFull {
        /// Audio already queued, in milliseconds.
        queued_ms: u64,
    },
    /// Too many marks wait for their audio to be sent.
    #[error("{pending} marks already wait for their audio; wait for MarkDone before placing more")]
    TooManyMarks {
        /// Marks waiting.
        pending: usize,
    },
    /// A mark's name is longer than allowed.
    #[error("mark name is {len} bytes long; at most {max} are allowed")]
    MarkNameTooLong {
        /// The name's length in bytes.
        len: usize,
        /// The longest name allowed.
        max: usize,
    },
    /// The configuration is inconsistent.
    #[error("invalid media configuration: {0}")]
    Config(&'static str),
}
