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

/// `mpy_32_16(hi, lo, n)` for the (hi, lo) pairs of `l_extract` (`lo` in
/// 0..32768) and the filters' coefficients (|n| < 16384): no step of it
/// can saturate, so it is this exact sum.
#[inline(always)]
fn mpy_pair(y: (i16, i16), n: i16) -> i32 {
    2 * (y.0 as i32 * n as i32) + 2 * ((y.1 as i32 * n as i32) >> 15)
}

impl HighPass {
    /// Encoder pre-processing: high-pass at 140 Hz and divide by 2, in place.
    pub fn pre_process(&mut self, signal: &mut [i16]) {
        for s in signal.iter_mut() {
            let x2 = self.x1;
            self.x1 = self.x0;
            self.x0 = *s;
            // The terms sum to at most 1.25e9 in magnitude: the chain of
            // saturating additions of the standard never saturates here.
            let l = mpy_pair(self.y1, A140[1])
                + mpy_pair(self.y2, A140[2])
                + 2 * (self.x0 as i32 * B140[0] as i32)
                + 2 * (self.x1 as i32 * B140[1] as i32)
                + 2 * (x2 as i32 * B140[2] as i32);
            let l = l_shl(l, 3);
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
            // The feedback terms and the first input term cannot saturate
            // (at most 2.04e9); the last two additions are checked.
            let head = mpy_pair(self.y1, A100[1])
                + mpy_pair(self.y2, A100[2])
                + 2 * (self.x0 as i32 * B100[0] as i32);
            let sum = head as i64
                + 2 * (self.x1 as i64 * B100[1] as i64)
                + 2 * (x2 as i64 * B100[2] as i64);
            let partial = head as i64 + 2 * (self.x1 as i64 * B100[1] as i64);
            let l = if partial == sat32(partial) as i64 && sum == sat32(sum) as i64 {
                sum as i32
            } else {
                let l = l_mac(head, self.x1, B100[1]);
                l_mac(l, x2, B100[2])
            };
            let l = l_shl(l, 2);
            *s = round(l_shl(l, 1));
            self.y2 = self.y1;
            self.y1 = l_extract(l);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::g729::test_support::scaled;
    use proptest::prelude::*;

    /// Both filters with the standard's chain of saturating operators:
    /// (pre-processing, post-processing) of `x`.
    fn reference(x: &[i16]) -> (Vec<i16>, Vec<i16>) {
        let run = |a: [i16; 3], b: [i16; 3], post: bool| {
            let (mut y1, mut y2, mut x0, mut x1) = ((0i16, 0i16), (0i16, 0i16), 0i16, 0i16);
            x.iter()
                .map(|&s| {
                    let x2 = x1;
                    x1 = x0;
                    x0 = s;
                    let mut l = mpy_32_16(y1.0, y1.1, a[1]);
                    l = l_add(l, mpy_32_16(y2.0, y2.1, a[2]));
                    l = l_mac(l, x0, b[0]);
                    l = l_mac(l, x1, b[1]);
                    l = l_mac(l, x2, b[2]);
                    let (l, out) = if post {
                        let l = l_shl(l, 2);
                        (l, round(l_shl(l, 1)))
                    } else {
                        let l = l_shl(l, 3);
                        (l, round(l))
                    };
                    y2 = y1;
                    y1 = l_extract(l);
                    out
                })
                .collect()
        };
        (run(A140, B140, false), run(A100, B100, true))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn filters_match_the_saturating_definition(x in scaled(240)) {
            let (mut pre, mut post) = (x.clone(), x.clone());
            HighPass::default().pre_process(&mut pre);
            HighPass::default().post_process(&mut post);
            let (want_pre, want_post) = reference(&x);
            prop_assert_eq!(pre, want_pre);
            prop_assert_eq!(post, want_post);
        }
    }

    #[test]
    fn post_process_removes_dc_and_doubles() {
        let mut hp = HighPass::default();
        let mut x = [1000i16; 400];
        hp.post_process(&mut x);
        assert!(x[399].abs() < 100);
        assert!((1850..=1900).contains(&x[0]));
    }
}
