//! Source description (SDES) packets: CNAME and other items.

use bytes::{BufMut, Bytes, BytesMut};

use super::{PT_SDES, write_header};
use crate::error::RtcpError;

/// SDES item type of the canonical name.
pub const SDES_CNAME: u8 = 1;

/// One SDES chunk: a source and its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesChunk {
    /// The source described.
    pub ssrc: u32,
    items: Bytes,
}

impl SdesChunk {
    /// The items of this chunk as (type, value) pairs.
    pub fn items(&self) -> impl Iterator<Item = (u8, &[u8])> + '_ {
        let mut rest: &[u8] = &self.items;
        std::iter::from_fn(move || {
            let (&kind, tail) = rest.split_first()?;
            if kind == 0 {
                return None;
            }
            let (&len, tail) = tail.split_first()?;
            let value = tail.get(..usize::from(len))?;
            rest = tail.get(usize::from(len)..)?;
            Some((kind, value))
        })
    }
}

/// A parsed SDES packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDescription {
    /// The chunks, one per source.
    pub chunks: Vec<SdesChunk>,
}

impl SourceDescription {
    pub(super) fn parse(count: u8, body: Bytes) -> Result<SourceDescription, RtcpError> {
        let mut chunks = Vec::with_capacity(usize::from(count));
        let mut offset = 0;
        for _ in 0..count {
            let ssrc = body.get(offset..offset + 4).ok_or(RtcpError::BadSdes)?;
            let ssrc = u32::from_be_bytes([ssrc[0], ssrc[1], ssrc[2], ssrc[3]]);
            let items_start = offset + 4;
            let mut pos = items_start;
            loop {
                match body.get(pos) {
                    None => return Err(RtcpError::BadSdes),
                    Some(0) => break,
                    Some(_) => {
                        let len = usize::from(*body.get(pos + 1).ok_or(RtcpError::BadSdes)?);
                        pos += 2 + len;
                    }
                }
            }
            let items_end = pos;
            // The terminating null and padding to the next 32-bit boundary.
            offset = (pos + 4) & !3;
            if offset > body.len() {
                return Err(RtcpError::BadSdes);
            }
            chunks.push(SdesChunk {
                ssrc,
                items: body.slice(items_start..items_end),
            });
        }
        Ok(SourceDescription { chunks })
    }

    /// The CNAME of `ssrc`, if this packet carries one.
    pub fn cname(&self, ssrc: u32) -> Option<&[u8]> {
        self.chunks.iter().filter(|c| c.ssrc == ssrc).find_map(|c| {
            c.items()
                .find(|(kind, _)| *kind == SDES_CNAME)
                .map(|(_, v)| v)
        })
    }

    /// Appends an SDES packet with one chunk carrying `cname` (truncated to
    /// 255 bytes) to `out`.
    pub fn write_cname(ssrc: u32, cname: &str, out: &mut BytesMut) {
        let name = &cname.as_bytes()[..cname.len().min(255)];
        let items = 2 + name.len() + 1;
        let chunk = (4 + items).div_ceil(4) * 4;
        write_header(1, PT_SDES, chunk, out);
        out.put_u32(ssrc);
        out.put_u8(SDES_CNAME);
        out.put_u8(name.len() as u8);
        out.put_slice(name);
        out.put_bytes(0, chunk - 4 - 2 - name.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_two_chunks_with_several_items() {
        let body = Bytes::from_static(&[
            0, 0, 0, 1, 1, 3, b'a', b'b', b'c', 2, 1, b'x', 0, 0, 0, 0, // chunk 1
            0, 0, 0, 2, 1, 1, b'z', 0, // chunk 2
        ]);
        let sdes = SourceDescription::parse(2, body).unwrap();
        assert_eq!(sdes.cname(1), Some(&b"abc"[..]));
        assert_eq!(sdes.cname(2), Some(&b"z"[..]));
        assert_eq!(sdes.chunks[0].items().count(), 2);
    }

    #[test]
    fn rejects_unterminated_chunks() {
        let body = Bytes::from_static(&[0, 0, 0, 1, 1, 9, b'a']);
        assert_eq!(SourceDescription::parse(1, body), Err(RtcpError::BadSdes));
        let missing = Bytes::from_static(&[0, 0, 0, 1, 0, 0, 0, 0]);
        assert_eq!(
            SourceDescription::parse(2, missing),
            Err(RtcpError::BadSdes)
        );
    }
}
