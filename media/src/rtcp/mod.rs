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

/// Whether a datagram on a shared RTP/RTCP port (rtcp-mux, RFC 5761 §4) is
/// RTCP: its second byte, read as an RTCP packet type, is 192-223, a range
/// no RTP payload type in use can produce with the marker bit.
pub fn looks_like_rtcp(datagram: &[u8]) -> bool {
    datagram.get(1).is_some_and(|pt| (192..=223).contains(pt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demultiplexes_rtp_and_rtcp() {
        assert!(looks_like_rtcp(&[0x80, PT_SR]));
        assert!(looks_like_rtcp(&[0x81, PT_RR, 0, 7]));
        assert!(!looks_like_rtcp(&[0x80, 0x80])); // PCMU with the marker bit
        assert!(!looks_like_rtcp(&[0x80, 101]));
        assert!(!looks_like_rtcp(&[0x80]));
    }
}
