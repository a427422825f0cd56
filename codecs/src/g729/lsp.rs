//! Line spectral pairs: reconstruction of quantised LSFs with the MA
//! predictor, stability, LSF/LSP conversion, interpolation and LSP to LP
//! coefficients (G.729 sections 3.2.4 to 3.2.6).

use super::M;
use super::basic_op::*;
use super::tables::lsp::{COS_TABLE, FG, FG_SUM, FG_SUM_INV, LSPCB1, LSPCB2, SLOPE_ACOS};

/// Split point between the low and high halves of the LSF vector.
pub const NC: usize = 5;
/// Minimum gaps used when rearranging the codebook sum (Q13).
pub const GAP1: i16 = 10;
/// Second, smaller rearrangement gap (Q13).
pub const GAP2: i16 = 5;
const L_LIMIT: i16 = 40;
const M_LIMIT: i16 = 25681;
const GAP3: i16 = 321;

/// The LSF MA predictor memory: the last four codebook vectors (Q13).
pub type FreqPrev = [[i16; M]; 4];

/// Pushes pairs apart so consecutive LSFs in `range` differ by at least `gap`.
pub fn expand(buf: &mut [i16; M], gap: i16, range: std::ops::Range<usize>) {
    for j in range {
        let diff = sub(buf[j - 1], buf[j]);
        let tmp = shr(add(diff, gap), 1);
        if tmp > 0 {
            buf[j - 1] = sub(buf[j - 1], tmp);
            buf[j] = add(buf[j], tmp);
        }
    }
}

/// Sum of the two codebook stages for indices (l1, l2, l3), before rearrangement.
pub fn codebook_sum(l1: usize, l2: usize, l3: usize) -> [i16; M] {
    let mut buf = [0i16; M];
    let c1 = &LSPCB1[l1 & 127];
    let (lo, hi) = (&LSPCB2[l2 & 31], &LSPCB2[l3 & 31]);
    for j in 0..NC {
        buf[j] = add(c1[j], lo[j]);
    }
    for j in NC..M {
        buf[j] = add(c1[j], hi[j]);
    }
    buf
}

/// Predicted LSFs: `fg_sum * buf + sum_k fg[k] * freq_prev[k]`.
pub fn prev_compose(
    buf: &[i16; M],
    fg: &[[i16; M]; 4],
    fg_sum: &[i16; M],
    freq_prev: &FreqPrev,
) -> [i16; M] {
    let mut out = [0i16; M];
    for j in 0..M {
        let mut l = l_mult(buf[j], fg_sum[j]);
        for k in 0..4 {
            l = l_mac(l, freq_prev[k][j], fg[k][j]);
        }
        out[j] = round(l);
    }
    out
}

/// Inverse of [`prev_compose`]: the codebook vector that would give `lsf`.
pub fn prev_extract(
    lsf: &[i16; M],
    fg: &[[i16; M]; 4],
    fg_sum_inv: &[i16; M],
    freq_prev: &FreqPrev,
) -> [i16; M] {
    let mut out = [0i16; M];
    for j in 0..M {
        let mut l = l_deposit_h(lsf[j]);
        for k in 0..4 {
            l = l_msu(l, freq_prev[k][j], fg[k][j]);
        }
        let t = extract_h(l);
        out[j] = extract_h(l_shl(l_mult(t, fg_sum_inv[j]), 3));
    }
    out
}

/// Shifts the predictor memory and stores `buf` as the newest entry.
pub fn prev_update(buf: &[i16; M], freq_prev: &mut FreqPrev) {
    freq_prev.copy_within(0..3, 1);
    freq_prev[0] = *buf;
}

/// Orders the LSFs and enforces the limits and minimum distance.
pub fn stability(buf: &mut [i16; M]) {
    for j in 0..M - 1 {
        if (buf[j + 1] as i32) - (buf[j] as i32) < 0 {
            buf.swap(j, j + 1);
        }
    }
    if buf[0] < L_LIMIT {
        buf[0] = L_LIMIT;
    }
    for j in 0..M - 1 {
        if (buf[j + 1] as i32) - (buf[j] as i32) < GAP3 as i32 {
            buf[j + 1] = add(buf[j], GAP3);
        }
    }
    if buf[M - 1] > M_LIMIT {
        buf[M - 1] = M_LIMIT;
    }
}

/// Decodes the quantised LSFs of indices (mode, l1, l2, l3) and updates the predictor.
pub fn decode_lsf(
    mode: usize,
    l1: usize,
    l2: usize,
    l3: usize,
    freq_prev: &mut FreqPrev,
) -> [i16; M] {
    let mode = mode & 1;
    let mut buf = codebook_sum(l1, l2, l3);
    expand(&mut buf, GAP1, 1..M);
    expand(&mut buf, GAP2, 1..M);
    let mut lsf = prev_compose(&buf, &FG[mode], &FG_SUM[mode], freq_prev);
    prev_update(&buf, freq_prev);
    stability(&mut lsf);
    lsf
}

/// Updates the predictor for an erased frame that repeats `lsf`.
pub fn erased_update(lsf: &[i16; M], mode: usize, freq_prev: &mut FreqPrev) {
    let mode = mode & 1;
    let buf = prev_extract(lsf, &FG[mode], &FG_SUM_INV[mode], freq_prev);
    prev_update(&buf, freq_prev);
}

/// LSF (radians, Q13) to LSP (cosine, Q15).
pub fn lsf_to_lsp(lsf: &[i16; M]) -> [i16; M] {
    let mut lsp = [0i16; M];
    for (q, &w) in lsp.iter_mut().zip(lsf) {
        *q = cos_q13(w);
    }
    lsp
}

/// pi/4, pi/2 and 3pi/4 in Q13.
const QUARTER_PI: i32 = 6434;
const HALF_PI: i32 = 12868;
const THREE_QUARTER_PI: i32 = 19302;
const PI: i32 = 25736;

/// cos(x) for an angle in Q13 radians (0 to pi), Q15 result: a Taylor
/// polynomial in x^2 up to x^6 on [0, pi/4), the sine series of
/// pi/2 - x up to its 7th power on [pi/4, 3pi/4) and -cos(pi - x) above,
/// evaluated in Q15 with rounded products.
pub fn cos_q13(x: i16) -> i16 {
    let x = (x as i32).clamp(0, PI);
    if x < QUARTER_PI {
        cos_poly(x) as i16
    } else if x < THREE_QUARTER_PI {
        sin_poly(HALF_PI - x) as i16
    } else {
        (-cos_poly(PI - x)) as i16
    }
}

/// Rounded Q15 product for the polynomial steps.
#[inline(always)]
fn mul_q15(a: i32, b: i32) -> i32 {
    (a * b + 16384) >> 15
}

/// 1 - x^2/2 + x^4/24 - x^6/720 for 0 <= x < pi/4 (Q13), Q15, at most 32767.
fn cos_poly(x: i32) -> i32 {
    let x2 = (x * x + 1024) >> 11;
    let mut acc = -46;
    for c in [1365, -16384, 32768] {
        acc = c + mul_q15(acc, x2);
    }
    acc.min(i16::MAX as i32)
}

/// u - u^3/6 + u^5/120 - u^7/5040 for |u| <= pi/4 (Q13), Q15.
fn sin_poly(u: i32) -> i32 {
    let u2 = (u * u + 1024) >> 11;
    let mut acc = -7;
    for c in [273, -5461, 32768] {
        acc = c + mul_q15(acc, u2);
    }
    ((acc * u + 4096) >> 13).min(i16::MAX as i32)
}

/// LSP (cosine, Q15) to LSF (radians, Q13).
pub fn lsp_to_lsf(lsp: &[i16; M]) -> [i16; M] {
    let mut lsf = [0i16; M];
    let mut ind: usize = 63;
    for i in (0..M).rev() {
        while COS_TABLE[ind] < lsp[i] {
            ind -= 1;
            if ind == 0 {
                break;
            }
        }
        let offset = sub(lsp[i], COS_TABLE[ind]);
        let l = l_mult(SLOPE_ACOS[ind], offset);
        let freq = add((ind as i16) << 9, extract_l(l_shr(l, 12)));
        lsf[i] = mult(freq, 25736);
    }
    lsf
}

fn lsp_polynomial(lsp: &[i16; M], offset: usize) -> [i32; 6] {
    let mut f = [0i32; 6];
    f[0] = l_mult(4096, 2048);
    f[1] = l_msu(0, lsp[offset], 512);
    for i in 2..=5 {
        let x = lsp[offset + 2 * i - 2];
        f[i] = f[i - 2];
        for j in (2..=i).rev() {
            let (hi, lo) = l_extract(f[j - 1]);
            let t = l_shl(mpy_32_16(hi, lo, x), 1);
            f[j] = l_sub(l_add(f[j], f[j - 2]), t);
        }
        f[1] = l_msu(f[1], x, 512);
    }
    f
}

/// LP coefficients (Q12, `a[0] = 4096`) of the LSPs.
pub fn lsp_to_az(lsp: &[i16; M]) -> [i16; M + 1] {
    let mut f1 = lsp_polynomial(lsp, 0);
    let mut f2 = lsp_polynomial(lsp, 1);
    for i in (1..=5).rev() {
        f1[i] = l_add(f1[i], f1[i - 1]);
        f2[i] = l_sub(f2[i], f2[i - 1]);
    }
    let mut a = [0i16; M + 1];
    a[0] = 4096;
    for i in 1..=5 {
        a[i] = extract_l(l_shr_r(l_add(f1[i], f2[i]), 13));
        a[M + 1 - i] = extract_l(l_shr_r(l_sub(f1[i], f2[i]), 13));
    }
    a
}

/// LP filters of both subframes: interpolated (midpoint) and new LSPs.
pub fn interpolate_az(lsp_old: &[i16; M], lsp_new: &[i16; M]) -> [[i16; M + 1]; 2] {
    let mut mid = [0i16; M];
    for i in 0..M {
        mid[i] = add(shr(lsp_old[i], 1), shr(lsp_new[i], 1));
    }
    [lsp_to_az(&mid), lsp_to_az(lsp_new)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float_az(lsp: &[i16; M]) -> [f64; M + 1] {
        let q: Vec<f64> = lsp.iter().map(|&v| v as f64 / 32768.0).collect();
        let poly = |start: usize| {
            let mut f = vec![1.0f64];
            for k in 0..5 {
                let x = q[start + 2 * k];
                let mut g = vec![0.0; f.len() + 2];
                for (i, &c) in f.iter().enumerate() {
                    g[i] += c;
                    g[i + 1] -= 2.0 * x * c;
                    g[i + 2] += c;
                }
                f = g;
            }
            f
        };
        let f1 = poly(0);
        let f2 = poly(1);
        let mut a = [0.0; M + 1];
        for i in 0..=M {
            let p = f1[i] + if i > 0 { f1[i - 1] } else { 0.0 };
            let m = f2[i] - if i > 0 { f2[i - 1] } else { 0.0 };
            a[i] = (p + m) / 2.0;
        }
        a
    }

    #[test]
    fn az_matches_float() {
        let lsf = [
            2339, 4679, 7018, 9358, 11698, 14037, 16377, 18717, 21056, 23396,
        ];
        let lsp = lsf_to_lsp(&lsf);
        for (i, &v) in lsp.iter().enumerate() {
            let want = (lsf[i] as f64 / 8192.0).cos() * 32768.0;
            assert!((v as f64 - want).abs() < 12.0, "lsp {i}: {v} vs {want}");
        }
        let a = lsp_to_az(&lsp);
        let fa = float_az(&lsp);
        for i in 0..=M {
            assert!(
                (a[i] as f64 - fa[i] * 4096.0).abs() < 2.0,
                "a{i}: {} vs {}",
                a[i],
                fa[i] * 4096.0
            );
        }
        let back = lsp_to_lsf(&lsp);
        for i in 0..M {
            assert!(
                (back[i] - lsf[i]).abs() < 8,
                "lsf {i}: {} vs {}",
                back[i],
                lsf[i]
            );
        }
    }
}
