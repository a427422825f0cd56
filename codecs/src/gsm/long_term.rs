//! The long-term (pitch) predictor (GSM 06.10 section 4.2.11, 4.2.12 and
//! 4.3.2): lag and gain search, analysis and synthesis filtering.
//!
//! Both sides keep the reconstructed residual in one array: 120 samples of
//! history followed by the current frame's 160, so sub-frame `j` reads
//! its past at `HISTORY + 40 j - lag ..` without shifting anything.

use super::ops::norm_positive;
use super::tables::{LTP_DLB, LTP_QLB};
use crate::fixed_point::{abs_s, add, mult, mult_r};

/// Samples of past residual the predictor can reach (the largest lag).
pub(crate) const HISTORY: usize = 120;
/// Samples in one sub-frame.
pub(crate) const SUBFRAME: usize = 40;
/// Smallest and largest lags.
const MIN_LAG: usize = 40;
const MAX_LAG: usize = 120;

/// Reconstructed residual: history, then the frame being coded.
pub(crate) type Residual = [i16; HISTORY + 160];

/// The 40 residual samples starting `lag` before sub-frame position `base`.
#[inline(always)]
fn past(dp: &Residual, base: usize, lag: usize) -> &[i16; SUBFRAME] {
    let start = base - lag;
    dp[start..start + SUBFRAME]
        .try_into()
        .unwrap_or(&[0; SUBFRAME])
}

/// Dot product of two sub-frames in 32 bits (callers keep it from overflowing).
#[inline(always)]
fn dot(a: &[i16; SUBFRAME], b: &[i16; SUBFRAME]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum()
}

/// 4.2.11: the lag `Nc` and gain index `bc` for sub-frame `d`, whose past
/// residual ends at `dp[base - 1]`.
pub(crate) fn parameters(d: &[i16; SUBFRAME], dp: &Residual, base: usize) -> (u8, u8) {
    let dmax = d.iter().map(|&x| abs_s(x)).max().unwrap_or(0);
    let scal = if dmax == 0 {
        0
    } else {
        let temp = norm_positive(i32::from(dmax) << 16);
        6u32.saturating_sub(temp)
    };
    let wt: [i16; SUBFRAME] = d.map(|x| x >> scal);

    // |wt| < 2^9 and |dp| <= 2^15: 40 products stay far inside 32 bits, so
    // the plain sums equal the standard's saturated L_mult/L_add chain.
    let mut best = 0i32;
    let mut nc = MIN_LAG;
    for lag in MIN_LAG..=MAX_LAG {
        let sum = dot(&wt, past(dp, base, lag));
        if sum > best {
            best = sum;
            nc = lag;
        }
    }
    let l_max = (best << 1) >> (6 - scal);

    let scaled: [i16; SUBFRAME] = past(dp, base, nc).map(|x| x >> 3);
    let l_power = dot(&scaled, &scaled) << 1;

    let bc = if l_max <= 0 {
        0
    } else if l_max >= l_power {
        3
    } else {
        let shift = norm_positive(l_power);
        let r = ((l_max << shift) >> 16) as i16;
        let s = ((l_power << shift) >> 16) as i16;
        LTP_DLB[..3]
            .iter()
            .position(|&dlb| r <= mult(s, dlb))
            .unwrap_or(3)
    };
    (nc as u8, bc as u8)
}

/// 4.2.12: removes the prediction from `d`, giving the long-term residual
/// `e`; returns the prediction `dpp` (needed to rebuild `dp`).
pub(crate) fn analysis_filter(
    d: &[i16; SUBFRAME],
    dp: &Residual,
    base: usize,
    nc: u8,
    bc: u8,
    e: &mut [i16; SUBFRAME],
) -> [i16; SUBFRAME] {
    let bp = LTP_QLB[usize::from(bc & 3)];
    let mut dpp = [0i16; SUBFRAME];
    let history = past(dp, base, usize::from(nc));
    for k in 0..SUBFRAME {
        dpp[k] = mult_r(bp, history[k]);
        e[k] = d[k].saturating_sub(dpp[k]);
    }
    dpp
}

/// 4.2.18: stores the reconstructed residual `ep + dpp` of the sub-frame at `base`.
pub(crate) fn update(dp: &mut Residual, base: usize, ep: &[i16; SUBFRAME], dpp: &[i16; SUBFRAME]) {
    if let Some(out) = dp.get_mut(base..base + SUBFRAME) {
        for ((o, &a), &b) in out.iter_mut().zip(ep).zip(dpp) {
            *o = add(a, b);
        }
    }
}

/// Moves the last [`HISTORY`] samples of the frame to the front for the next one.
pub(crate) fn roll(dp: &mut Residual) {
    dp.copy_within(160.., 0);
}

/// Decoder-side long-term synthesis state: the last valid lag `nrp`.
#[derive(Clone, Debug)]
pub(crate) struct Synthesis {
    nrp: usize,
}

impl Default for Synthesis {
    fn default() -> Self {
        Synthesis { nrp: MIN_LAG }
    }
}

impl Synthesis {
    /// 4.3.2: rebuilds the residual of the sub-frame at `base` from the
    /// RPE excitation `erp`, with lag `ncr` (out-of-range lags reuse the
    /// previous one) and gain index `bcr`.
    pub(crate) fn run(
        &mut self,
        drp: &mut Residual,
        base: usize,
        ncr: u8,
        bcr: u8,
        erp: &[i16; SUBFRAME],
    ) {
        let ncr = usize::from(ncr);
        let nr = if (MIN_LAG..=MAX_LAG).contains(&ncr) {
            ncr
        } else {
            self.nrp
        };
        self.nrp = nr;
        let brp = LTP_QLB[usize::from(bcr & 3)];
        // Lags >= 40 never reach into the sub-frame being written.
        let mut out = [0i16; SUBFRAME];
        let history = past(drp, base, nr);
        for k in 0..SUBFRAME {
            out[k] = add(erp[k], mult_r(brp, history[k]));
        }
        if let Some(dst) = drp.get_mut(base..base + SUBFRAME) {
            dst.copy_from_slice(&out);
        }
    }
}
