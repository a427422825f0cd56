//! Regular pulse excitation (GSM 06.10 section 4.2.13 to 4.2.17 and
//! 4.3.1): weighting filter, grid selection, APCM quantisation of the 13
//! pulses and its inverse.

use super::long_term::SUBFRAME;
use super::tables::{APCM_FAC, APCM_NRFAC, WEIGHTING_H};
use crate::fixed_point::{abs_s, add, l_add, mult, mult_r};

/// Pulses per sub-frame.
pub(crate) const PULSES: usize = 13;

/// 4.2.13: the weighting filter (a centred 11-tap FIR) on the residual `e`.
pub(crate) fn weighting_filter(e: &[i16; SUBFRAME]) -> [i16; SUBFRAME] {
    let mut padded = [0i16; SUBFRAME + 10];
    padded[5..5 + SUBFRAME].copy_from_slice(e);
    let mut x = [0i16; SUBFRAME];
    for (k, out) in x.iter_mut().enumerate() {
        // The taps sum to less than 2^15 in magnitude: the sum cannot overflow.
        let taps: i32 = padded[k..k + 11]
            .iter()
            .zip(&WEIGHTING_H)
            .map(|(&w, &h)| i32::from(w) * i32::from(h))
            .sum();
        let l_result = 8192 + (taps << 1);
        // Scaling by 4 saturates, as two saturated doublings do.
        let doubled = l_add(l_result, l_result);
        let scaled = l_add(doubled, doubled);
        *out = (scaled >> 16) as i16;
    }
    x
}

/// 4.2.14: picks the grid `Mc` (of four, every third sample) with the most
/// energy and returns it with its 13 samples `xM`.
pub(crate) fn select_grid(x: &[i16; SUBFRAME]) -> (u8, [i16; PULSES]) {
    let mut best = 0i32;
    let mut mc = 0usize;
    for m in 0..4 {
        // 13 squares of 13-bit values: no overflow.
        let energy: i32 = x[m..]
            .iter()
            .step_by(3)
            .take(PULSES)
            .map(|&v| {
                let t = i32::from(v >> 2);
                t * t
            })
            .sum::<i32>()
            << 1;
        if energy > best {
            best = energy;
            mc = m;
        }
    }
    let mut xm = [0i16; PULSES];
    for (i, out) in xm.iter_mut().enumerate() {
        *out = x[mc + 3 * i];
    }
    (mc as u8, xm)
}

/// Exponent and mantissa (`mant` already less 8, so 0..=7) of a coded
/// block maximum `xmaxc` (4.2.15, also used by 4.3.1).
pub(crate) fn exponent_mantissa(xmaxc: u8) -> (i16, usize) {
    let xmaxc = i16::from(xmaxc & 63);
    let mut exp = if xmaxc > 15 { (xmaxc >> 3) - 1 } else { 0 };
    let mut mant = xmaxc - (exp << 3);
    if mant == 0 {
        exp = -4;
        mant = 15;
    } else {
        while mant <= 7 {
            mant = (mant << 1) | 1;
            exp -= 1;
        }
    }
    (exp, (mant - 8) as usize)
}

/// 4.2.15: codes the block maximum and the 13 pulses. Returns `xmaxc`,
/// `xMc[0..12]` and the exponent and mantissa the inverse needs.
pub(crate) fn quantise(xm: &[i16; PULSES]) -> (u8, [u8; PULSES], i16, usize) {
    let xmax = xm.iter().map(|&v| abs_s(v)).max().unwrap_or(0);
    // The exponent is the bit length of xmax >> 9 (at most 6).
    let exp = (16 - ((xmax >> 9) as u16).leading_zeros()) as i16;
    let xmaxc = add(xmax >> (exp + 5), exp << 3) as u8;

    let (exp, mant) = exponent_mantissa(xmaxc);
    let shift = (6 - exp) as u32;
    let nrfac = APCM_NRFAC[mant];
    let mut xmc = [0u8; PULSES];
    for (out, &v) in xmc.iter_mut().zip(xm) {
        let temp = (i32::from(v) << shift) as i16;
        *out = add(mult(temp, nrfac) >> 12, 4) as u8;
    }
    (xmaxc, xmc, exp, mant)
}

/// 4.2.16: the decoded pulses `xMp` from `xMc`, the exponent and mantissa.
pub(crate) fn dequantise(xmc: &[u8; PULSES], exp: i16, mant: usize) -> [i16; PULSES] {
    let fac = APCM_FAC[mant & 7];
    let shift = (6 - exp) as u32;
    let round = if shift > 0 { 1i16 << (shift - 1) } else { 0 };
    xmc.map(|c| {
        let temp = ((i16::from(c & 7) << 1) - 7) << 12;
        add(mult_r(fac, temp), round) >> shift
    })
}

/// 4.2.17: places the 13 pulses on grid `mc` of a silent sub-frame.
pub(crate) fn position(mc: u8, xmp: &[i16; PULSES]) -> [i16; SUBFRAME] {
    let mut ep = [0i16; SUBFRAME];
    for (slot, &v) in ep[usize::from(mc & 3)..].iter_mut().step_by(3).zip(xmp) {
        *slot = v;
    }
    ep
}
