//! A parsed RTP packet that borrows its bytes from the datagram.

use bytes::Bytes;

use super::FIXED_HEADER_LEN;
use crate::error::RtpError;

/// An RTP packet parsed in place: the header fields are decoded, the CSRC
/// list, header extension and payload are slices of the received datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpPacket {
    data: Bytes,
    marker: bool,
    payload_type: u8,
    sequence: u16,
    timestamp: u32,
    ssrc: u32,
    csrc_count: u8,
    extension: Option<(u16, usize, usize)>,
    payload_start: usize,
    payload_end: usize,
}

/// An RTP header extension (RFC 3550 §5.3.1): the profile-defined word and
/// the extension body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderExtension<'a> {
    /// The 16-bit profile-defined identifier (0xBEDE for RFC 8285 one-byte headers).
    pub profile: u16,
    /// The extension body (a whole number of 32-bit words).
    pub body: &'a [u8],
}

impl RtpPacket {
    /// Parses one RTP packet. CSRC lists, header extensions and padding are
    /// tolerated; anything malformed is a typed error, never a panic.
    pub fn parse(data: Bytes) -> Result<RtpPacket, RtpError> {
        let len = data.len();
        let fixed = data.get(..FIXED_HEADER_LEN).ok_or(RtpError::Truncated {
            needed: FIXED_HEADER_LEN,
            len,
        })?;
        let version = fixed[0] >> 6;
        if version != 2 {
            return Err(RtpError::BadVersion(version));
        }
        let padding = fixed[0] & 0x20 != 0;
        let has_extension = fixed[0] & 0x10 != 0;
        let csrc_count = fixed[0] & 0x0f;
        let marker = fixed[1] & 0x80 != 0;
        let payload_type = fixed[1] & 0x7f;
        let sequence = u16::from_be_bytes([fixed[2], fixed[3]]);
        let timestamp = u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
        let ssrc = u32::from_be_bytes([fixed[8], fixed[9], fixed[10], fixed[11]]);

        let mut offset = FIXED_HEADER_LEN + 4 * usize::from(csrc_count);
        if offset > len {
            return Err(RtpError::Truncated {
                needed: offset,
                len,
            });
        }
        let mut extension = None;
        if has_extension {
            let ext_header = data.get(offset..offset + 4).ok_or(RtpError::Truncated {
                needed: offset + 4,
                len,
            })?;
            let profile = u16::from_be_bytes([ext_header[0], ext_header[1]]);
            let words = usize::from(u16::from_be_bytes([ext_header[2], ext_header[3]]));
            let body_start = offset + 4;
            let body_end = body_start + 4 * words;
            if body_end > len {
                return Err(RtpError::Truncated {
                    needed: body_end,
                    len,
                });
            }
            extension = Some((profile, body_start, body_end));
            offset = body_end;
        }
        let mut payload_end = len;
        if padding {
            let available = len - offset;
            let count = data.last().copied().unwrap_or(0);
            if count == 0 || usize::from(count) > available {
                return Err(RtpError::BadPadding { count, available });
            }
            payload_end -= usize::from(count);
        }
        Ok(RtpPacket {
            data,
            marker,
            payload_type,
            sequence,
            timestamp,
            ssrc,
            csrc_count,
            extension,
            payload_start: offset,
            payload_end,
        })
    }

    /// The marker bit (set on the first packet of a talk spurt for audio).
    pub fn marker(&self) -> bool {
        self.marker
    }

    /// The 7-bit payload type.
    pub fn payload_type(&self) -> u8 {
        self.payload_type
    }

    /// The 16-bit sequence number.
    pub fn sequence(&self) -> u16 {
        self.sequence
    }

    /// The RTP timestamp, in units of the payload's clock rate.
    pub fn timestamp(&self) -> u32 {
        self.timestamp
    }

    /// The synchronisation source.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The contributing sources, in order.
    pub fn csrcs(&self) -> impl Iterator<Item = u32> + '_ {
        let list = self
            .data
            .get(FIXED_HEADER_LEN..FIXED_HEADER_LEN + 4 * usize::from(self.csrc_count))
            .unwrap_or_default();
        list.chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
    }

    /// The header extension, if the packet carries one.
    pub fn extension(&self) -> Option<HeaderExtension<'_>> {
        let (profile, start, end) = self.extension?;
        Some(HeaderExtension {
            profile,
            body: self.data.get(start..end)?,
        })
    }

    /// The payload, without padding, as a slice of the datagram.
    pub fn payload_bytes(&self) -> &[u8] {
        self.data
            .get(self.payload_start..self.payload_end)
            .unwrap_or_default()
    }

    /// The payload, without padding, as a shared handle on the datagram
    /// (no copy).
    pub fn payload(&self) -> Bytes {
        self.data.slice(self.payload_start..self.payload_end)
    }

    /// The whole datagram.
    pub fn as_bytes(&self) -> &Bytes {
        &self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(bytes: &[u8]) -> Result<RtpPacket, RtpError> {
        RtpPacket::parse(Bytes::copy_from_slice(bytes))
    }

    #[test]
    fn parses_a_plain_packet() {
        let mut raw = vec![
            0x80, 0x80, 0x12, 0x34, 0, 0, 0x01, 0x40, 0xde, 0xad, 0xbe, 0xef,
        ];
        raw.extend_from_slice(&[0xff; 160]);
        let p = packet(&raw).unwrap();
        assert!(p.marker());
        assert_eq!(p.payload_type(), 0);
        assert_eq!(p.sequence(), 0x1234);
        assert_eq!(p.timestamp(), 320);
        assert_eq!(p.ssrc(), 0xdead_beef);
        assert_eq!(p.payload_bytes().len(), 160);
        assert_eq!(p.csrcs().count(), 0);
        assert!(p.extension().is_none());
    }

    #[test]
    fn parses_csrcs_extension_and_padding() {
        let mut raw = vec![0xb2, 0x03, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
        raw.extend_from_slice(&[0, 0, 0, 7, 0, 0, 0, 8]); // two CSRCs
        raw.extend_from_slice(&[0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0]); // extension, one word
        raw.extend_from_slice(&[1, 2, 3]); // payload
        raw.extend_from_slice(&[0, 0, 3]); // three bytes of padding
        let p = packet(&raw).unwrap();
        assert_eq!(p.payload_type(), 3);
        assert_eq!(p.csrcs().collect::<Vec<_>>(), vec![7, 8]);
        let ext = p.extension().unwrap();
        assert_eq!(ext.profile, 0xbede);
        assert_eq!(ext.body, &[0x10, 0xaa, 0, 0]);
        assert_eq!(p.payload_bytes(), &[1, 2, 3]);
    }

    #[test]
    fn rejects_malformed_packets() {
        assert_eq!(
            packet(&[0x80, 0]),
            Err(RtpError::Truncated { needed: 12, len: 2 })
        );
        assert_eq!(packet(&[0x40; 12]), Err(RtpError::BadVersion(1)));
        let mut csrc = vec![0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        csrc.extend_from_slice(&[0; 8]);
        assert_eq!(
            packet(&csrc),
            Err(RtpError::Truncated {
                needed: 72,
                len: 20
            })
        );
        let ext = [
            0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 4, 0, 0,
        ];
        assert_eq!(
            packet(&ext),
            Err(RtpError::Truncated {
                needed: 32,
                len: 18
            })
        );
        let zero_pad = [0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0];
        assert_eq!(
            packet(&zero_pad),
            Err(RtpError::BadPadding {
                count: 0,
                available: 2
            })
        );
        let long_pad = [0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9];
        assert_eq!(
            packet(&long_pad),
            Err(RtpError::BadPadding {
                count: 9,
                available: 2
            })
        );
        let header_only_pad = [0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(matches!(
            packet(&header_only_pad),
            Err(RtpError::BadPadding { .. })
        ));
    }
}
