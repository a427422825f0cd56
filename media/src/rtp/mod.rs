//! RTP (RFC 3550 §5): zero-copy parsing, header building and sequence
//! number extension.

mod header;
mod packet;
mod sequence;

pub use header::RtpHeader;
pub use packet::{HeaderExtension, RtpPacket};
pub use sequence::{SequenceTracker, SequenceVerdict};

/// Size of the fixed RTP header in bytes.
pub const FIXED_HEADER_LEN: usize = 12;
