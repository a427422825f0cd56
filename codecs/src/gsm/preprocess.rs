//! Encoder preprocessing (GSM 06.10 section 4.2.1 to 4.2.3): downscaling to
//! 13 bits, offset compensation (a DC notch) and pre-emphasis.

use super::FRAME_SAMPLES;
use crate::fixed_point::{add, l_add, mult_r};

/// Filter memories carried from frame to frame.
#[derive(Clone, Debug, Default)]
pub(crate) struct Preprocessor {
    /// Previous downscaled input `z1`.
    z1: i32,
    /// Recursive part of the offset compensation `L_z2`.
    l_z2: i32,
    /// Previous offset-compensated sample `mp` for the pre-emphasis.
    mp: i16,
}

impl Preprocessor {
    /// Turns 16-bit input into the pre-emphasised signal `s[0..159]`.
    pub(crate) fn run(&mut self, input: &[i16; FRAME_SAMPLES], s: &mut [i16; FRAME_SAMPLES]) {
        let (mut z1, mut l_z2, mut mp) = (self.z1, self.l_z2, self.mp);
        for (out, &sop) in s.iter_mut().zip(input) {
            // 4.2.1: keep the 13 most significant bits.
            let so = i32::from((sop >> 3) << 2);
            // 4.2.2: non-recursive part, then the 0.999 pole in 31 x 16 bits.
            let s1 = so - z1;
            z1 = so;
            let mut l_s2 = s1 << 15;
            let msp = l_z2 >> 15;
            let lsp = (l_z2 - (msp << 15)) as i16;
            l_s2 = l_add(l_s2, i32::from(mult_r(lsp, 32735)));
            l_z2 = l_add(msp * 32735, l_s2);
            let sof = (l_add(l_z2, 16384) >> 15) as i16;
            // 4.2.3: pre-emphasis.
            *out = add(sof, mult_r(mp, -28180));
            mp = sof;
        }
        (self.z1, self.l_z2, self.mp) = (z1, l_z2, mp);
    }
}
