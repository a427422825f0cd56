//! The adaptive post-filter of G.729 Annex A (section A.4.2): long-term
//! (integer-lag) post-filter on the residual, tilt compensation,
//! short-term post-filter and adaptive gain control.

use super::adaptive_codebook::PIT_MAX;
use super::basic_op::*;
use super::filters::{residu, syn_filt, weight_az};
use super::{L_FRAME, L_SUBFR, M};

const GAMMA2_PST: i16 = 18022;
const GAMMA1_PST: i16 = 22938;
const MU: i16 = 26214;
const AGC_FAC: i16 = 29491;
const AGC_FAC1: i16 = 3277;
const GAMMAP: i16 = 16384;
const INV_GAMMAP: i16 = 21845;
const GAMMAP_2: i16 = 10923;
const L_H: usize = 22;
const HIST: usize = PIT_MAX as usize;

/// Post-filter state carried from frame to frame.
#[derive(Clone, Debug)]
pub struct PostFilter {
    res2: [i16; HIST + L_SUBFR],
    scal_res2: [i16; HIST + L_SUBFR],
    mem_syn_pst: [i16; M],
    mem_pre: i16,
    past_gain: i16,
}

impl PostFilter {
    /// A post-filter in its reset state.
    pub fn new() -> Self {
        PostFilter {
            res2: [0; HIST + L_SUBFR],
            scal_res2: [0; HIST + L_SUBFR],
            mem_syn_pst: [0; M],
            mem_pre: 0,
            past_gain: 4096,
        }
    }

    /// Filters one frame. `syn` holds M samples of history and then the
    /// frame; `az` the two subframe filters; `lags` the integer pitch lags;
    /// `voiced` enables the long-term part (off for comfort noise).
    pub fn process(
        &mut self,
        syn: &[i16; L_FRAME + M],
        az: &[[i16; M + 1]; 2],
        lags: [i16; 2],
        voiced: bool,
    ) -> [i16; L_FRAME] {
        let mut out = [0i16; L_FRAME];
        for sf in 0..2 {
            let start = sf * L_SUBFR;
            let mut t0_min = sub(lags[sf], 3);
            let mut t0_max = add(lags[sf], 3);
            if t0_max > PIT_MAX {
                t0_max = PIT_MAX;
                t0_min = sub(t0_max, 6);
            }
            let ap3 = weight_az(&az[sf], GAMMA2_PST);
            let ap4 = weight_az(&az[sf], GAMMA1_PST);
            let mut res = [0i16; L_SUBFR];
            residu(&ap3, &syn[start..start + M + L_SUBFR], &mut res);
            self.res2[HIST..].copy_from_slice(&res);
            for (s, &r) in self.scal_res2[HIST..].iter_mut().zip(&res) {
                *s = shr(r, 2);
            }
            let mut pst = if voiced {
                self.long_term(t0_min, t0_max)
            } else {
                res
            };
            self.tilt_compensation(&ap3, &ap4, &mut pst);
            let mut sub_out = [0i16; L_SUBFR];
            syn_filt(&ap4, &pst, &mut sub_out, &mut self.mem_syn_pst, true);
            let input: &[i16; L_SUBFR] = syn[M + start..M + start + L_SUBFR]
                .try_into()
                .unwrap_or(&[0; L_SUBFR]);
            self.agc(input, &mut sub_out);
            out[start..start + L_SUBFR].copy_from_slice(&sub_out);
            self.res2.copy_within(L_SUBFR.., 0);
            self.scal_res2.copy_within(L_SUBFR.., 0);
        }
        out
    }

    fn long_term(&self, t0_min: i16, t0_max: i16) -> [i16; L_SUBFR] {
        let sig = &self.res2;
        let scal = &self.scal_res2;
        let mut cor_max = i32::MIN;
        let mut t0 = t0_min as usize;
        let fast = sums_fit(
            L_SUBFR,
            peak(&scal[HIST - (t0_max.max(1) as usize).min(HIST)..]),
            peak(&scal[HIST..]),
        );
        for t in t0_min.max(1) as usize..=(t0_max.max(1) as usize).min(HIST) {
            let delayed = &scal[HIST - t..HIST - t + L_SUBFR];
            let corr = if fast {
                dot_fast(&scal[HIST..], delayed)
            } else {
                mac_dot(0, &scal[HIST..], delayed)
            };
            if l_sub(corr, cor_max) > 0 {
                cor_max = corr;
                t0 = t;
            }
        }
        let t0 = t0.clamp(1, HIST);
        let delayed = &scal[HIST - t0..HIST - t0 + L_SUBFR];
        let ener = mac_dot(1, delayed, delayed);
        let ener0 = mac_dot(1, &scal[HIST..], &scal[HIST..]);
        if cor_max < 0 {
            cor_max = 0;
        }
        let temp = cor_max.max(ener).max(ener0);
        let j = norm_l(temp);
        let cmax = round(l_shl(cor_max, j));
        let en = round(l_shl(ener, j));
        let en0 = round(l_shl(ener0, j));
        let l = l_sub(l_mult(cmax, cmax), l_shr(l_mult(en, en0), 1));
        let mut out = [0i16; L_SUBFR];
        if l < 0 {
            out.copy_from_slice(&sig[HIST..]);
            return out;
        }
        let (g0, gain) = if cmax > en {
            (INV_GAMMAP, GAMMAP_2)
        } else {
            let cmax = shr(mult(cmax, GAMMAP), 1);
            let en = shr(en, 1);
            let i = add(cmax, en);
            if i > 0 {
                let gain = div_s(cmax, i);
                (sub(i16::MAX, gain), gain)
            } else {
                (i16::MAX, 0)
            }
        };
        for i in 0..L_SUBFR {
            out[i] = add(mult(g0, sig[HIST + i]), mult(gain, sig[HIST + i - t0]));
        }
        out
    }

    fn tilt_compensation(
        &mut self,
        ap3: &[i16; M + 1],
        ap4: &[i16; M + 1],
        sig: &mut [i16; L_SUBFR],
    ) {
        let mut x = [0i16; L_H];
        x[..=M].copy_from_slice(ap3);
        let mut h = [0i16; L_H];
        syn_filt(ap4, &x, &mut h, &mut [0; M], false);
        let rh0 = extract_h(energy(0, &h));
        let mut rh1 = extract_h(mac_dot(0, &h[..L_H - 1], &h[1..]));
        if rh1 <= 0 {
            rh1 = 0;
        } else {
            rh1 = div_s(mult(rh1, MU), rh0);
        }
        let mut prev = [0i16; L_SUBFR];
        prev[0] = self.mem_pre;
        prev[1..].copy_from_slice(&sig[..L_SUBFR - 1]);
        self.mem_pre = sig[L_SUBFR - 1];
        for (v, &p) in sig.iter_mut().zip(&prev) {
            *v = sub(*v, mult(rh1, p));
        }
    }

    fn agc(&mut self, sig_in: &[i16; L_SUBFR], sig_out: &mut [i16; L_SUBFR]) {
        let s = scaled_energy(sig_out);
        if s == 0 {
            self.past_gain = 0;
            return;
        }
        let mut exp = sub(norm_l(s), 1);
        let gain_out = round(l_shl(s, exp));
        let s = scaled_energy(sig_in);
        let g0 = if s == 0 {
            0
        } else {
            let i = norm_l(s);
            let gain_in = round(l_shl(s, i));
            exp = sub(exp, i);
            let mut s = l_deposit_l(div_s(gain_out, gain_in));
            s = l_shl(s, 7);
            s = l_shr(s, exp);
            s = inv_sqrt(s);
            let i = round(l_shl(s, 9));
            mult(i, AGC_FAC1)
        };
        // |mult(gain, AGC_FAC)| <= 29491 and |g0| <= 3277, so the
        // saturating add(mult(..), g0) of the standard is this exact sum.
        let mut gains = [0i16; L_SUBFR];
        let mut gain = self.past_gain as i32;
        for g in gains.iter_mut() {
            gain = ((gain * AGC_FAC as i32) >> 15) + g0 as i32;
            *g = gain as i16;
        }
        self.past_gain = gain as i16;
        for (v, &g) in sig_out.iter_mut().zip(&gains) {
            *v = extract_h(l_shl(l_mult(*v, g), 3));
        }
    }
}

impl Default for PostFilter {
    fn default() -> Self {
        Self::new()
    }
}

/// Energy of a subframe scaled down by 16 (saturated to 32 bits).
fn scaled_energy(x: &[i16; L_SUBFR]) -> i32 {
    let mut scaled = [0i16; L_SUBFR];
    for (s, &v) in scaled.iter_mut().zip(x) {
        *s = v >> 2;
    }
    energy(0, &scaled)
}
