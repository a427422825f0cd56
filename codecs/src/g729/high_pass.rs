//! The second-order high-pass filters around the codec: 140 Hz with a
//! halving gain before the encoder (section 3.1) and 100 Hz with a
//! doubling gain after the decoder (section 4.2.5).

use super::basic_op::*;
use super::tables::misc::{A100, A140, B100, B140};

/// State of one biquad in the double-precision form the standard uses.
#[derive(Clone, Copy, Debug, Default)]
pub struct HighPass {
    y1: (i16, i16),
    y2: (i16, i16),
    x0: i16,
    x1: i16,
}

impl HighPass {
    /// Encoder pre-processing: high-pass at 140 Hz and divide by 2, in place.
    pub fn pre_process(&mut self, signal: &mut [i16]) {
        for s in signal.iter_mut() {
            let x2 = self.x1;
            self.x1 = self.x0;
            self.x0 = *s;
            let mut l = mpy_32_16(self.y1.0, self.y1.1, A140[1]);
            l = l_add(l, mpy_32_16(self.y2.0, self.y2.1, A140[2]));
            l = l_mac(l, self.x0, B140[0]);
            l = l_mac(l, self.x1, B140[1]);
            l = l_mac(l, x2, B140[2]);
            l = l_shl(l, 3);
            *s = round(l);
            self.y2 = self.y1;
            self.y1 = l_extract(l);
        }
    }

    /// Decoder post-processing: high-pass at 100 Hz and multiply by 2, in place.
    pub fn post_process(&mut self, signal: &mut [i16]) {
        for s in signal.iter_mut() {
            let x2 = self.x1;
            self.x1 = self.x0;
            self.x0 = *s;
            let mut l = mpy_32_16(self.y1.0, self.y1.1, A100[1]);
            l = l_add(l, mpy_32_16(self.y2.0, self.y2.1, A100[2]));
            l = l_mac(l, self.x0, B100[0]);
            l = l_mac(l, self.x1, B100[1]);
            l = l_mac(l, x2, B100[2]);
            l = l_shl(l, 2);
            *s = round(l_shl(l, 1));
            self.y2 = self.y1;
            self.y1 = l_extract(l);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_process_removes_dc_and_doubles() {
        let mut hp = HighPass::default();
        let mut x = [1000i16; 400];
        hp.post_process(&mut x);
        assert!(x[399].abs() < 100);
        assert!((1850..=1900).contains(&x[0]));
    }
}
