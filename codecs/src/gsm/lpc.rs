//! Encoder LPC analysis (GSM 06.10 section 4.2.4 to 4.2.7): autocorrelation,
//! Schur recursion to reflection coefficients, log-area ratios and their
//! quantisation.

use super::FRAME_SAMPLES;
use super::ops::{div, norm_positive};
use super::tables::{LAR_A, LAR_B, LAR_MAC, LAR_MIC};
use crate::fixed_point::{abs_s, add, mult, mult_r, sub};

/// Analyses `s` and returns the coded log-area ratios `LARc[1..8]`.
///
/// Like the standard, it leaves `s` rounded by the scaling it applied for
/// the autocorrelation; the short-term filter then works on that signal.
pub(crate) fn analyse(s: &mut [i16; FRAME_SAMPLES]) -> [u8; 8] {
    let acf = autocorrelation(s);
    let r = reflection_coefficients(&acf);
    quantise_lars(&to_log_area_ratios(&r))
}

/// 4.2.4: `L_ACF[0..8]` of `s` after dynamic scaling, which is undone in place.
fn autocorrelation(s: &mut [i16; FRAME_SAMPLES]) -> [i32; 9] {
    let smax = s.iter().map(|&x| abs_s(x)).max().unwrap_or(0);
    let scalauto = if smax == 0 {
        0
    } else {
        4 - norm_positive(i32::from(smax) << 16) as i32
    };
    if scalauto > 0 {
        let factor = 16384 >> (scalauto - 1);
        for x in s.iter_mut() {
            *x = mult_r(*x, factor);
        }
    }
    // After scaling |s| < 2^11, so 160 products of 2^23 cannot overflow:
    // plain sums equal the standard's saturated ones.
    let mut acf = [0i32; 9];
    for (k, slot) in acf.iter_mut().enumerate() {
        let sum: i32 = s[k..]
            .iter()
            .zip(s.iter())
            .map(|(&a, &b)| i32::from(a) * i32::from(b))
            .sum();
        *slot = sum << 1;
    }
    if scalauto > 0 {
        for x in s.iter_mut() {
            *x <<= scalauto;
        }
    }
    acf
}

/// 4.2.5: reflection coefficients `r[1..8]` by the Schur recursion.
fn reflection_coefficients(l_acf: &[i32; 9]) -> [i16; 8] {
    let mut r = [0i16; 8];
    if l_acf[0] == 0 {
        return r;
    }
    let shift = norm_positive(l_acf[0]);
    let acf: [i16; 9] = l_acf.map(|v| ((v << shift) >> 16) as i16);
    // p[m] and k[m] for m = 0..8; k[0] is unused.
    let mut p = acf;
    let mut k = acf;
    for (n, rn_slot) in r.iter_mut().enumerate() {
        if p[0] < abs_s(p[1]) {
            break;
        }
        let mut rn = div(abs_s(p[1]), p[0]);
        if p[1] > 0 {
            rn = -rn;
        }
        *rn_slot = rn;
        if n == 7 {
            break;
        }
        p[0] = add(p[0], mult_r(p[1], rn));
        for m in 1..8 - n {
            p[m] = add(p[m + 1], mult_r(k[m], rn));
            k[m] = add(k[m], mult_r(p[m + 1], rn));
        }
    }
    r
}

/// 4.2.6: log-area ratios by the segment approximation.
fn to_log_area_ratios(r: &[i16; 8]) -> [i16; 8] {
    r.map(|ri| {
        let a = abs_s(ri);
        let lar = if a < 22118 {
            a >> 1
        } else if a < 31130 {
            a - 11059
        } else {
            (a - 26112) << 2
        };
        if ri < 0 { -lar } else { lar }
    })
}

/// 4.2.7: quantises and codes the LARs, offset to be non-negative.
fn quantise_lars(lar: &[i16; 8]) -> [u8; 8] {
    let mut larc = [0u8; 8];
    for i in 0..8 {
        let temp = add(add(mult(LAR_A[i], lar[i]), LAR_B[i]), 256) >> 9;
        let coded = temp.clamp(LAR_MIC[i], LAR_MAC[i]);
        larc[i] = sub(coded, LAR_MIC[i]) as u8;
    }
    larc
}
