//! From coded log-area ratios to the reflection coefficients of each part
//! of the frame (GSM 06.10 section 4.2.8, 4.2.9 and 4.3.3), shared by the
//! encoder and the decoder.

use super::tables::{LAR_B, LAR_INVA, LAR_MIC};
use crate::fixed_point::{abs_s, add, mult_r};

/// The four stretches of a frame with their own interpolated coefficients:
/// samples 0..13, 13..27, 27..40 and 40..160.
pub(crate) const SEGMENTS: [(usize, usize); 4] = [(0, 13), (13, 27), (27, 40), (40, 160)];

/// 4.2.8: decodes `LARc` to `LARpp`.
pub(crate) fn decode(larc: &[u8; 8]) -> [i16; 8] {
    let mut larpp = [0i16; 8];
    for i in 0..8 {
        // |LARc + MIC| <= 32, so the shift fits; B << 1 fits as well.
        let temp1 = (i16::from(larc[i]) + LAR_MIC[i]) << 10;
        let temp1 = temp1.saturating_sub(LAR_B[i] << 1);
        let temp1 = mult_r(LAR_INVA[i], temp1);
        larpp[i] = add(temp1, temp1);
    }
    larpp
}

/// 4.2.9.1 and 4.2.9.2: the reflection coefficients `rp[1..8]` for each of
/// the four [`SEGMENTS`], interpolated between the previous frame's
/// `LARpp` and this frame's.
pub(crate) fn reflection_per_segment(previous: &[i16; 8], current: &[i16; 8]) -> [[i16; 8]; 4] {
    let mut out = [[0i16; 8]; 4];
    for i in 0..8 {
        let (old, new) = (previous[i], current[i]);
        let early = add(add(old >> 2, new >> 2), old >> 1);
        let middle = add(old >> 1, new >> 1);
        let late = add(add(old >> 2, new >> 2), new >> 1);
        out[0][i] = to_reflection(early);
        out[1][i] = to_reflection(middle);
        out[2][i] = to_reflection(late);
        out[3][i] = to_reflection(new);
    }
    out
}

/// 4.2.9.2: one interpolated LAR to a reflection coefficient.
fn to_reflection(larp: i16) -> i16 {
    let a = abs_s(larp);
    let r = if a < 11059 {
        a << 1
    } else if a < 20070 {
        a + 11059
    } else {
        add(a >> 2, 26112)
    };
    if larp < 0 { -r } else { r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflection_coefficients_never_reach_minus_one() {
        // The lattice filters rely on this to skip mult_r's saturation.
        assert!((i16::MIN..=i16::MAX).all(|larp| to_reflection(larp) != i16::MIN));
        assert_eq!(to_reflection(i16::MAX), i16::MAX);
        assert_eq!(to_reflection(i16::MIN), -i16::MAX);
    }
}
