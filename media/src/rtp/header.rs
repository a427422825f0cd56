//! Writing RTP headers for outgoing packets.

use bytes::{BufMut, BytesMut};

/// The fields of an outgoing RTP header (no CSRCs, no extension, no padding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpHeader {
    /// Marker bit.
    pub marker: bool,
    /// 7-bit payload type.
    pub payload_type: u8,
    /// Sequence number.
    pub sequence: u16,
    /// RTP timestamp.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
}

impl RtpHeader {
    /// Appends the 12-byte header and then `payload` to `out`.
    pub fn write(&self, payload: &[u8], out: &mut BytesMut) {
        out.reserve(super::FIXED_HEADER_LEN + payload.len());
        out.put_u8(0x80);
        out.put_u8(u8::from(self.marker) << 7 | (self.payload_type & 0x7f));
        out.put_u16(self.sequence);
        out.put_u32(self.timestamp);
        out.put_u32(self.ssrc);
        out.put_slice(payload);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtp::RtpPacket;

    #[test]
    fn written_header_parses_back() {
        let header = RtpHeader {
            marker: true,
            payload_type: 101,
            sequence: 65535,
            timestamp: 0xffff_ff00,
            ssrc: 42,
        };
        let mut out = BytesMut::new();
        header.write(&[9, 8, 7], &mut out);
        let p = RtpPacket::parse(out.freeze()).unwrap();
        assert!(p.marker());
        assert_eq!(p.payload_type(), 101);
        assert_eq!(p.sequence(), 65535);
        assert_eq!(p.timestamp(), 0xffff_ff00);
        assert_eq!(p.ssrc(), 42);
        assert_eq!(p.payload_bytes(), &[9, 8, 7]);
    }
}
