//! The short-term (LPC) lattice filters (GSM 06.10 section 4.2.10 and
//! 4.3.4), run stretch by stretch with interpolated coefficients.

use super::ops::mult_r_by_coefficient as mult_r;
use crate::fixed_point::{add, sub};

/// Analysis filter memory `u[0..7]` of the encoder.
#[derive(Clone, Debug, Default)]
pub(crate) struct AnalysisFilter {
    u: [i16; 8],
}

impl AnalysisFilter {
    /// Filters `s` in place into the short-term residual `d` with `rp[1..8]`.
    #[inline]
    pub(crate) fn run(&mut self, rp: &[i16; 8], s: &mut [i16]) {
        let mut u = self.u;
        for x in s.iter_mut() {
            let mut di = *x;
            let mut sav = di;
            for (ui, &r) in u.iter_mut().zip(rp) {
                let next = add(*ui, mult_r(r, di));
                di = add(di, mult_r(r, *ui));
                *ui = sav;
                sav = next;
            }
            *x = di;
        }
        self.u = u;
    }
}

/// Synthesis filter memory `v[0..8]` of the decoder.
#[derive(Clone, Debug, Default)]
pub(crate) struct SynthesisFilter {
    v: [i16; 9],
}

impl SynthesisFilter {
    /// Filters the residual `wt` in place into the reconstructed signal `sr` with `rrp[1..8]`.
    #[inline]
    pub(crate) fn run(&mut self, rrp: &[i16; 8], wt: &mut [i16]) {
        let mut v = self.v;
        for x in wt.iter_mut() {
            let mut sri = *x;
            for i in (0..8).rev() {
                sri = sub(sri, mult_r(rrp[i], v[i]));
                v[i + 1] = add(v[i], mult_r(rrp[i], sri));
            }
            *x = sri;
            v[0] = sri;
        }
        self.v = v;
    }
}
