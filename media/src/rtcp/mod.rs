//! RTCP (RFC 3550 §6): zero-copy parsing of compound packets (SR, RR, SDES,
//! BYE, anything else kept opaque), building of the reports this engine
//! sends, and the transmission interval.

mod bye;
mod compound;
mod interval;
mod report;
mod sdes;

pub use bye::Goodbye;
pub use compound::{RtcpPacket, parse_compound, write_header};
pub use interval::RtcpInterval;
pub use report::{ReceiverReport, ReportBlock, SenderInfo, SenderReport};
pub use sdes::{SdesChunk, SourceDescription};

/// Packet type of a sender report.
pub const PT_SR: u8 = 200;
/// Packet type of a receiver report.
pub const PT_RR: u8 = 201;
/// Packet type of source description items.
pub const PT_SDES: u8 = 202;
/// Packet type of a goodbye.
pub const PT_BYE: u8 = 203;
