//! Goodbye (BYE) packets.

use bytes::{BufMut, Bytes, BytesMut};

use super::{PT_BYE, write_header};
use crate::error::RtcpError;

/// A parsed BYE: the sources leaving and an optional reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goodbye {
    sources: Bytes,
    /// The reason text, if given.
    pub reason: Option<Bytes>,
}

impl Goodbye {
    pub(super) fn parse(count: u8, body: Bytes) -> Result<Goodbye, RtcpError> {
        let list_len = 4 * usize::from(count);
        if body.len() < list_len {
            return Err(RtcpError::Truncated {
                needed: list_len,
                len: body.len(),
            });
        }
        let reason = match body.get(list_len) {
            Some(&len) => {
                let start = list_len + 1;
                let end = start + usize::from(len);
                if end > body.len() {
                    return Err(RtcpError::Truncated {
                        needed: end,
                        len: body.len(),
                    });
                }
                Some(body.slice(start..end))
            }
            None => None,
        };
        Ok(Goodbye {
            sources: body.slice(..list_len),
            reason,
        })
    }

    /// The sources that are leaving.
    pub fn sources(&self) -> impl Iterator<Item = u32> + '_ {
        self.sources
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
    }

    /// Appends a BYE for up to 31 sources, without a reason, to `out`.
    pub fn write(sources: &[u32], out: &mut BytesMut) {
        let sources = &sources[..sources.len().min(31)];
        write_header(sources.len() as u8, PT_BYE, 4 * sources.len(), out);
        for s in sources {
            out.put_u32(*s);
        }
    }
}
