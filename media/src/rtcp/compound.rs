//! Splitting a compound RTCP datagram into its packets.

use bytes::{BufMut, Bytes, BytesMut};

use super::{
    Goodbye, PT_BYE, PT_RR, PT_SDES, PT_SR, ReceiverReport, SenderReport, SourceDescription,
};
use crate::error::RtcpError;

/// One RTCP packet of a compound datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtcpPacket {
    /// A sender report (PT 200).
    SenderReport(SenderReport),
    /// A receiver report (PT 201).
    ReceiverReport(ReceiverReport),
    /// Source description items (PT 202).
    SourceDescription(SourceDescription),
    /// A goodbye (PT 203).
    Goodbye(Goodbye),
    /// Any other packet type (APP, feedback, XR...), kept as its body.
    Other {
        /// The packet type.
        packet_type: u8,
        /// The 5-bit count / format field.
        count: u8,
        /// The body after the 4-byte common header, without padding.
        body: Bytes,
    },
}

/// Parses every packet of a compound RTCP datagram. Each packet's length
/// must fit the datagram exactly; padding is allowed on the last packet only.
pub fn parse_compound(data: &Bytes) -> Result<Vec<RtcpPacket>, RtcpError> {
    let mut packets = Vec::with_capacity(3);
    let mut offset = 0;
    while offset < data.len() {
        let header = data.get(offset..offset + 4).ok_or(RtcpError::Truncated {
            needed: offset + 4,
            len: data.len(),
        })?;
        let version = header[0] >> 6;
        if version != 2 {
            return Err(RtcpError::BadVersion(version));
        }
        let padding = header[0] & 0x20 != 0;
        let count = header[0] & 0x1f;
        let packet_type = header[1];
        let words = usize::from(u16::from_be_bytes([header[2], header[3]]));
        let end = offset + 4 + 4 * words;
        if end > data.len() {
            return Err(RtcpError::Truncated {
                needed: end,
                len: data.len(),
            });
        }
        let mut body_end = end;
        if padding {
            if end != data.len() {
                return Err(RtcpError::BadPadding);
            }
            let pad = usize::from(data[end - 1]);
            if pad == 0 || pad > end - offset - 4 {
                return Err(RtcpError::BadPadding);
            }
            body_end -= pad;
        }
        let body = data.slice(offset + 4..body_end);
        packets.push(match packet_type {
            PT_SR => RtcpPacket::SenderReport(SenderReport::parse(count, &body)?),
            PT_RR => RtcpPacket::ReceiverReport(ReceiverReport::parse(count, &body)?),
            PT_SDES => RtcpPacket::SourceDescription(SourceDescription::parse(count, body)?),
            PT_BYE => RtcpPacket::Goodbye(Goodbye::parse(count, body)?),
            _ => RtcpPacket::Other {
                packet_type,
                count,
                body,
            },
        });
        offset = end;
    }
    if packets.is_empty() {
        return Err(RtcpError::Empty);
    }
    Ok(packets)
}

/// Appends an RTCP common header announcing `body_len` bytes of body
/// (a multiple of 4) to `out`.
pub fn write_header(count: u8, packet_type: u8, body_len: usize, out: &mut BytesMut) {
    out.put_u8(0x80 | (count & 0x1f));
    out.put_u8(packet_type);
    out.put_u16(u16::try_from(body_len / 4).unwrap_or(u16::MAX));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtcp::{ReportBlock, SenderInfo};

    #[test]
    fn compound_sr_sdes_bye_round_trips() {
        let mut out = BytesMut::new();
        let info = SenderInfo {
            ssrc: 0x1111,
            ntp_timestamp: 0x0102_0304_0506_0708,
            rtp_timestamp: 8000,
            packet_count: 50,
            octet_count: 8000,
        };
        let block = ReportBlock {
            ssrc: 0x2222,
            fraction_lost: 12,
            cumulative_lost: -3,
            highest_sequence: 70000,
            jitter: 40,
            last_sr: 0xabcd_ef01,
            delay_since_last_sr: 65536,
        };
        SenderReport::write(&info, &[block], &mut out);
        SourceDescription::write_cname(0x1111, "trunkline@host", &mut out);
        Goodbye::write(&[0x1111], &mut out);
        let data = out.freeze();
        let packets = parse_compound(&data).unwrap();
        assert_eq!(packets.len(), 3);
        let RtcpPacket::SenderReport(sr) = &packets[0] else {
            panic!("expected SR, got {:?}", packets[0]);
        };
        assert_eq!(sr.info, info);
        assert_eq!(sr.reports().collect::<Vec<_>>(), vec![block]);
        let RtcpPacket::SourceDescription(sdes) = &packets[1] else {
            panic!("expected SDES");
        };
        assert_eq!(sdes.cname(0x1111), Some(&b"trunkline@host"[..]));
        let RtcpPacket::Goodbye(bye) = &packets[2] else {
            panic!("expected BYE");
        };
        assert_eq!(bye.sources().collect::<Vec<_>>(), vec![0x1111]);
    }

    #[test]
    fn rejects_bad_compounds() {
        assert_eq!(parse_compound(&Bytes::new()), Err(RtcpError::Empty));
        let short = Bytes::from_static(&[0x80, 201, 0, 7, 0, 0, 0, 1]);
        assert!(matches!(
            parse_compound(&short),
            Err(RtcpError::Truncated { .. })
        ));
        let v1 = Bytes::from_static(&[0x40, 201, 0, 1, 0, 0, 0, 1]);
        assert_eq!(parse_compound(&v1), Err(RtcpError::BadVersion(1)));
        let pad_not_last =
            Bytes::from_static(&[0xa0, 201, 0, 1, 0, 0, 0, 4, 0x80, 201, 0, 1, 0, 0, 0, 1]);
        assert_eq!(parse_compound(&pad_not_last), Err(RtcpError::BadPadding));
        let rr_count_too_big = Bytes::from_static(&[0x81, 201, 0, 1, 0, 0, 0, 1]);
        assert!(matches!(
            parse_compound(&rr_count_too_big),
            Err(RtcpError::Truncated { .. })
        ));
    }

    #[test]
    fn unknown_packet_types_are_kept() {
        let app = Bytes::from_static(&[0x81, 204, 0, 2, 0, 0, 0, 1, b'n', b'a', b'm', b'e']);
        let packets = parse_compound(&app).unwrap();
        assert!(matches!(
            &packets[0],
            RtcpPacket::Other { packet_type: 204, count: 1, body } if body.len() == 8
        ));
    }
}
