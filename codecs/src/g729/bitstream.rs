//! Packing of the 15 G.729 parameters into 80 bits (RFC 3551 section
//! 4.5.6 order, most significant bit first) and of the Annex B SID frame.

/// The parameters of one speech frame, as transmitted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameParams {
    /// MA predictor switch (1 bit) and first-stage LSF index (7 bits).
    pub l0_l1: i16,
    /// Second-stage LSF indices L2 (5 bits) and L3 (5 bits).
    pub l2_l3: i16,
    /// Lag of the first subframe (8 bits).
    pub p1: i16,
    /// Parity of the first lag (1 bit).
    pub p0: i16,
    /// Pulse positions of the first subframe (13 bits).
    pub c1: i16,
    /// Pulse signs of the first subframe (4 bits).
    pub s1: i16,
    /// Gains of the first subframe: GA (3 bits), GB (4 bits).
    pub g1: i16,
    /// Relative lag of the second subframe (5 bits).
    pub p2: i16,
    /// Pulse positions of the second subframe (13 bits).
    pub c2: i16,
    /// Pulse signs of the second subframe (4 bits).
    pub s2: i16,
    /// Gains of the second subframe (7 bits).
    pub g2: i16,
}

const WIDTHS: [u32; 11] = [8, 10, 8, 1, 13, 4, 7, 5, 13, 4, 7];

impl FrameParams {
    fn as_array(&self) -> [i16; 11] {
        [
            self.l0_l1, self.l2_l3, self.p1, self.p0, self.c1, self.s1, self.g1, self.p2, self.c2,
            self.s2, self.g2,
        ]
    }

    /// Packs the parameters into a 10-byte frame.
    pub fn pack(&self) -> [u8; 10] {
        let mut acc: u128 = 0;
        for (v, w) in self.as_array().iter().zip(WIDTHS) {
            acc = (acc << w) | (*v as u16 as u128 & ((1u128 << w) - 1));
        }
        let bytes = acc.to_be_bytes();
        let mut out = [0u8; 10];
        out.copy_from_slice(&bytes[6..16]);
        out
    }

    /// Unpacks a 10-byte frame.
    pub fn unpack(frame: &[u8; 10]) -> FrameParams {
        let mut bytes = [0u8; 16];
        bytes[6..].copy_from_slice(frame);
        let acc = u128::from_be_bytes(bytes);
        let mut shift = 80u32;
        let mut v = [0i16; 11];
        for (slot, w) in v.iter_mut().zip(WIDTHS) {
            shift -= w;
            *slot = ((acc >> shift) & ((1u128 << w) - 1)) as i16;
        }
        FrameParams {
            l0_l1: v[0],
            l2_l3: v[1],
            p1: v[2],
            p0: v[3],
            c1: v[4],
            s1: v[5],
            g1: v[6],
            p2: v[7],
            c2: v[8],
            s2: v[9],
            g2: v[10],
        }
    }
}

/// The parameters of an Annex B SID frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SidParams {
    /// MA predictor switch (1 bit).
    pub mode: i16,
    /// First-stage LSF index (5 bits).
    pub l1: i16,
    /// Second-stage LSF index (4 bits).
    pub l2: i16,
    /// Energy index (5 bits).
    pub gain: i16,
}

impl SidParams {
    /// Unpacks the first 15 bits of a 2-byte SID frame.
    pub fn unpack(sid: [u8; 2]) -> SidParams {
        let v = u16::from_be_bytes(sid);
        SidParams {
            mode: ((v >> 15) & 1) as i16,
            l1: ((v >> 10) & 31) as i16,
            l2: ((v >> 6) & 15) as i16,
            gain: ((v >> 1) & 31) as i16,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_unpack_round_trip() {
        let frame = [0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x0f, 0xa5];
        assert_eq!(FrameParams::unpack(&frame).pack(), frame);
    }
}
