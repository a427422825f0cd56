//! The 33-byte frame layout of RFC 3551 section 4.5.8 (the one `toast`
//! writes): the 0xD signature nibble, then every parameter MSB first.
//!
//! ```text
//!  4 bits  0xD
//! 36 bits  LARc[1..8] in 6 6 5 5 4 4 3 3 bits
//! 4 x 56   Nc 7, bc 2, Mc 2, xmaxc 6, xMc[0..12] 3 each
//! ```

use super::params::{FrameParams, SubframeParams};
use crate::CodecError;

/// Bytes in one coded frame.
pub const FRAME_BYTES: usize = 33;
/// The signature in the top nibble of the first byte.
pub(crate) const MAGIC: u8 = 0xD;
/// Bit widths of `LARc[1..8]`.
const LAR_BITS: [u32; 8] = [6, 6, 5, 5, 4, 4, 3, 3];

/// Writes values MSB first into a fixed frame.
struct BitWriter {
    frame: [u8; FRAME_BYTES],
    /// Bits not yet flushed, right-aligned.
    acc: u32,
    /// How many bits `acc` holds (< 8 between calls).
    held: u32,
    /// Next byte to fill.
    pos: usize,
}

impl BitWriter {
    fn new() -> Self {
        BitWriter {
            frame: [0; FRAME_BYTES],
            acc: 0,
            held: 0,
            pos: 0,
        }
    }

    #[inline(always)]
    fn put(&mut self, value: u8, bits: u32) {
        self.acc = (self.acc << bits) | (u32::from(value) & ((1 << bits) - 1));
        self.held += bits;
        while self.held >= 8 {
            self.held -= 8;
            if let Some(byte) = self.frame.get_mut(self.pos) {
                *byte = (self.acc >> self.held) as u8;
            }
            self.pos += 1;
        }
    }
}

/// Reads values MSB first from a fixed frame.
struct BitReader<'a> {
    frame: &'a [u8; FRAME_BYTES],
    acc: u32,
    held: u32,
    pos: usize,
}

impl<'a> BitReader<'a> {
    fn new(frame: &'a [u8; FRAME_BYTES]) -> Self {
        BitReader {
            frame,
            acc: 0,
            held: 0,
            pos: 0,
        }
    }

    #[inline(always)]
    fn get(&mut self, bits: u32) -> u8 {
        while self.held < bits {
            let byte = self.frame.get(self.pos).copied().unwrap_or(0);
            self.acc = (self.acc << 8) | u32::from(byte);
            self.held += 8;
            self.pos += 1;
        }
        self.held -= bits;
        ((self.acc >> self.held) & ((1 << bits) - 1)) as u8
    }
}

/// Packs `params` into a frame.
pub(crate) fn pack(params: &FrameParams) -> [u8; FRAME_BYTES] {
    let mut w = BitWriter::new();
    w.put(MAGIC, 4);
    for (&larc, &bits) in params.larc.iter().zip(&LAR_BITS) {
        w.put(larc, bits);
    }
    for sub in &params.subframes {
        w.put(sub.nc, 7);
        w.put(sub.bc, 2);
        w.put(sub.mc, 2);
        w.put(sub.xmaxc, 6);
        for &x in &sub.xmc {
            w.put(x, 3);
        }
    }
    debug_assert_eq!((w.pos, w.held), (FRAME_BYTES, 0));
    w.frame
}

/// Unpacks a frame; fails when the signature nibble is not 0xD.
pub(crate) fn unpack(frame: &[u8; FRAME_BYTES]) -> Result<FrameParams, CodecError> {
    let mut r = BitReader::new(frame);
    let magic = r.get(4);
    if magic != MAGIC {
        return Err(CodecError::BadGsmMagic { found: magic });
    }
    let mut params = FrameParams::default();
    for (larc, &bits) in params.larc.iter_mut().zip(&LAR_BITS) {
        *larc = r.get(bits);
    }
    for sub in &mut params.subframes {
        *sub = SubframeParams {
            nc: r.get(7),
            bc: r.get(2),
            mc: r.get(2),
            xmaxc: r.get(6),
            xmc: [0; 13],
        };
        for x in &mut sub.xmc {
            *x = r.get(3);
        }
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame whose fields count up, each wrapped to its width.
    fn counting_params() -> FrameParams {
        let mut n = 0u8;
        let mut next = |bits: u32| {
            n = n.wrapping_add(37);
            n & ((1u16 << bits) - 1) as u8
        };
        let mut p = FrameParams::default();
        for (larc, &bits) in p.larc.iter_mut().zip(&LAR_BITS) {
            *larc = next(bits);
        }
        for sub in &mut p.subframes {
            sub.nc = next(7);
            sub.bc = next(2);
            sub.mc = next(2);
            sub.xmaxc = next(6);
            for x in &mut sub.xmc {
                *x = next(3);
            }
        }
        p
    }

    #[test]
    fn pack_then_unpack_is_identity() {
        let p = counting_params();
        assert_eq!(unpack(&pack(&p)), Ok(p));
    }

    #[test]
    fn layout_of_the_first_and_last_fields() {
        let mut p = FrameParams {
            larc: [0b101010, 0b010101, 0b11111, 0, 0, 0, 0, 0b111],
            ..FrameParams::default()
        };
        p.subframes[3].xmc[12] = 0b101;
        p.subframes[0].nc = 0b1000001;
        let f = pack(&p);
        // 1101 1010 | 1001 0101 | 1111 1000 ...
        assert_eq!(f[0], 0xDA);
        assert_eq!(f[1], 0b1001_0101);
        assert_eq!(f[2], 0b1111_1000);
        // LARc[8] (3 bits) ends at bit 40, in the low bits of byte 4, and
        // Nc starts right after: byte 5 is Nc = 1000001 then bc's top bit.
        assert_eq!(f[3], 0);
        assert_eq!(f[4], 0b111);
        assert_eq!(f[5], 0b1000_0010);
        // The last xMc sits in the last three bits.
        assert_eq!(f[32] & 0b111, 0b101);
    }

    #[test]
    fn every_signature_but_0xd_is_refused() {
        let mut f = pack(&counting_params());
        for nibble in 0..16u8 {
            f[0] = (f[0] & 0x0F) | (nibble << 4);
            let result = unpack(&f);
            if nibble == MAGIC {
                assert!(result.is_ok());
            } else {
                assert_eq!(result, Err(CodecError::BadGsmMagic { found: nibble }));
            }
        }
    }
}
