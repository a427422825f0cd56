//! LP analysis of the encoder (G.729 section 3.2.1 to 3.2.3): windowed
//! autocorrelation, lag windowing, Levinson-Durbin recursion in double
//! precision, and the LP to LSP conversion by Chebyshev root search.

use super::M;
use super::basic_op::*;
use super::tables::lsp::GRID;
use super::tables::misc::{HAMWINDOW, LAG_H, LAG_L};

/// Length of the analysis window.
pub const L_WINDOW: usize = 240;

/// Autocorrelations r[0..=10] of the windowed signal, normalised, as (hi, lo) pairs.
pub fn autocorrelation(x: &[i16; L_WINDOW]) -> ([i16; M + 1], [i16; M + 1]) {
    let mut y = [0i16; L_WINDOW];
    for i in 0..L_WINDOW {
        y[i] = mult_r(x[i], HAMWINDOW[i]);
    }
    let mut sum;
    loop {
        let acc: i64 = 1 + y.iter().map(|&v| 2 * (v as i64 * v as i64)).sum::<i64>();
        if acc > i32::MAX as i64 {
            for v in y.iter_mut() {
                *v = shr(*v, 2);
            }
        } else {
            sum = acc as i32;
            break;
        }
    }
    let norm = norm_l(sum);
    sum = l_shl(sum, norm);
    let (mut r_h, mut r_l) = ([0i16; M + 1], [0i16; M + 1]);
    (r_h[0], r_l[0]) = l_extract(sum);
    for i in 1..=M {
        // |r[i]| <= r[0] (and so every partial sum), which fits: plain sums are exact.
        let s = l_shl(dot_fast(&y[..L_WINDOW - i], &y[i..]), norm);
        (r_h[i], r_l[i]) = l_extract(s);
    }
    (r_h, r_l)
}

/// Applies the lag window (60 Hz bandwidth expansion) to r[1..=10].
pub fn lag_window(r_h: &mut [i16; M + 1], r_l: &mut [i16; M + 1]) {
    for i in 1..=M {
        let x = mpy_32(r_h[i], r_l[i], LAG_H[i - 1], LAG_L[i - 1]);
        (r_h[i], r_l[i]) = l_extract(x);
    }
}

/// State of the Levinson recursion kept for the unstable-filter fallback.
#[derive(Clone, Debug)]
pub struct Levinson {
    old_a: [i16; M + 1],
}

impl Levinson {
    /// Starts with A(z) = 1.
    pub fn new() -> Self {
        let mut old_a = [0i16; M + 1];
        old_a[0] = 4096;
        Levinson { old_a }
    }

    /// LP coefficients (Q12) from the autocorrelations; on an unstable
    /// result the previous filter is kept.
    pub fn solve(&mut self, r_h: &[i16; M + 1], r_l: &[i16; M + 1]) -> [i16; M + 1] {
        let (mut a_h, mut a_l) = ([0i16; M + 1], [0i16; M + 1]);
        let t1 = l_comp(r_h[1], r_l[1]);
        let t2 = l_abs(t1);
        let mut t0 = div_32(t2, r_h[0], r_l[0]);
        if t1 > 0 {
            t0 = l_negate(t0);
        }
        let (k_h, k_l) = l_extract(t0);
        (a_h[1], a_l[1]) = l_extract(l_shr(t0, 4));
        let t0 = l_sub(i32::MAX, l_abs(mpy_32(k_h, k_l, k_h, k_l)));
        let (hi, lo) = l_extract(t0);
        let t0 = mpy_32(r_h[0], r_l[0], hi, lo);
        let mut alp_exp = norm_l(t0);
        let (mut alp_h, mut alp_l) = l_extract(l_shl(t0, alp_exp));

        for i in 2..=M {
            let mut t0 = 0i32;
            for j in 1..i {
                t0 = l_add(t0, mpy_32(r_h[j], r_l[j], a_h[i - j], a_l[i - j]));
            }
            t0 = l_shl(t0, 4);
            t0 = l_add(t0, l_comp(r_h[i], r_l[i]));
            let t1 = l_abs(t0);
            let mut t2 = div_32(t1, alp_h, alp_l);
            if t0 > 0 {
                t2 = l_negate(t2);
            }
            t2 = l_shl(t2, alp_exp);
            let (k_h, k_l) = l_extract(t2);
            if abs_s(k_h) > 32750 {
                return self.old_a;
            }
            let (mut an_h, mut an_l) = ([0i16; M + 1], [0i16; M + 1]);
            for j in 1..i {
                let t = l_add(
                    mpy_32(k_h, k_l, a_h[i - j], a_l[i - j]),
                    l_comp(a_h[j], a_l[j]),
                );
                (an_h[j], an_l[j]) = l_extract(t);
            }
            (an_h[i], an_l[i]) = l_extract(l_shr(t2, 4));
            let t0 = l_sub(i32::MAX, l_abs(mpy_32(k_h, k_l, k_h, k_l)));
            let (hi, lo) = l_extract(t0);
            let t0 = mpy_32(alp_h, alp_l, hi, lo);
            let j = norm_l(t0);
            (alp_h, alp_l) = l_extract(l_shl(t0, j));
            alp_exp = add(alp_exp, j);
            a_h[1..=i].copy_from_slice(&an_h[1..=i]);
            a_l[1..=i].copy_from_slice(&an_l[1..=i]);
        }
        let mut a = [0i16; M + 1];
        a[0] = 4096;
        for i in 1..=M {
            a[i] = round(l_shl(l_comp(a_h[i], a_l[i]), 1));
        }
        self.old_a = a;
        a
    }
}

impl Default for Levinson {
    fn default() -> Self {
        Self::new()
    }
}

/// Evaluates the Chebyshev series of `f` (5 coefficients plus the
/// leading 1) at `x`, in Q24 (coefficients Q11) or Q23 (Q10).
fn chebyshev(x: i16, f: &[i16; 6], q10: bool) -> i16 {
    let (one_h, two_x_scale, out_shift) = if q10 { (128, 256, 7) } else { (256, 512, 6) };
    let (mut b2_h, mut b2_l) = (one_h, 0i16);
    let mut t0 = l_mult(x, two_x_scale);
    t0 = l_mac(t0, f[1], 4096);
    let (mut b1_h, mut b1_l) = l_extract(t0);
    for &fi in &f[2..5] {
        let mut t0 = l_shl(mpy_32_16(b1_h, b1_l, x), 1);
        t0 = l_mac(t0, b2_h, i16::MIN);
        t0 = l_msu(t0, b2_l, 1);
        t0 = l_mac(t0, fi, 4096);
        let (b0_h, b0_l) = l_extract(t0);
        (b2_h, b2_l) = (b1_h, b1_l);
        (b1_h, b1_l) = (b0_h, b0_l);
    }
    let mut t0 = mpy_32_16(b1_h, b1_l, x);
    t0 = l_mac(t0, b2_h, i16::MIN);
    t0 = l_msu(t0, b2_l, 1);
    t0 = l_mac(t0, f[5], 2048);
    extract_h(l_shl(t0, out_shift))
}

/// Sum and difference polynomials F1, F2 of A(z) divided by (1 +- z^-1).
fn lsp_polynomials(a: &[i16; M + 1], q10: bool) -> ([i16; 6], [i16; 6], bool) {
    let (one, half) = if q10 { (1024, 8192) } else { (2048, 16384) };
    let (mut f1, mut f2) = ([0i16; 6], [0i16; 6]);
    f1[0] = one;
    f2[0] = one;
    let mut overflow = false;
    for i in 0..5 {
        let s = (a[i + 1] as i64 + a[M - i] as i64) * half as i64 * 2;
        let d = (a[i + 1] as i64 - a[M - i] as i64) * half as i64 * 2;
        let x = extract_h(sat32(s));
        let y = extract_h(sat32(d));
        let n1 = x as i32 - f1[i] as i32;
        let n2 = y as i32 + f2[i] as i32;
        if s != sat32(s) as i64
            || d != sat32(d) as i64
            || n1 != sat16(n1) as i32
            || n2 != sat16(n2) as i32
        {
            overflow = true;
        }
        f1[i + 1] = sat16(n1);
        f2[i + 1] = sat16(n2);
    }
    (f1, f2, overflow)
}

/// LSPs (cosine domain, Q15) of the LP filter `a`; `old` is returned when
/// fewer than ten roots are found.
pub fn az_to_lsp(a: &[i16; M + 1], old: &[i16; M]) -> [i16; M] {
    let (mut f1, mut f2, overflow) = lsp_polynomials(a, false);
    let q10 = overflow;
    if q10 {
        (f1, f2, _) = lsp_polynomials(a, true);
    }
    let mut lsp = [0i16; M];
    let mut nf = 0;
    let mut use_f2 = false;
    let mut xlow = GRID[0];
    let mut ylow = chebyshev(xlow, &f1, q10);
    let mut j = 0;
    while nf < M && j < GRID.len() - 1 {
        j += 1;
        let mut xhigh = xlow;
        let mut yhigh = ylow;
        xlow = GRID[j];
        let coef = if use_f2 { &f2 } else { &f1 };
        ylow = chebyshev(xlow, coef, q10);
        if l_mult(ylow, yhigh) <= 0 {
            for _ in 0..2 {
                let xmid = add(shr(xlow, 1), shr(xhigh, 1));
                let ymid = chebyshev(xmid, coef, q10);
                if l_mult(ylow, ymid) <= 0 {
                    yhigh = ymid;
                    xhigh = xmid;
                } else {
                    ylow = ymid;
                    xlow = xmid;
                }
            }
            let x = sub(xhigh, xlow);
            let y = sub(yhigh, ylow);
            let xint = if y == 0 {
                xlow
            } else {
                let sign = y;
                let y = abs_s(y);
                let exp = norm_s(y);
                let y = div_s(16383, shl(y, exp));
                let t0 = l_shr(l_mult(x, y), sub(20, exp));
                let mut y = extract_l(t0);
                if sign < 0 {
                    y = negate(y);
                }
                let t0 = l_shr(l_mult(ylow, y), 11);
                sub(xlow, extract_l(t0))
            };
            lsp[nf] = xint;
            xlow = xint;
            nf += 1;
            use_f2 = !use_f2;
            let coef = if use_f2 { &f2 } else { &f1 };
            ylow = chebyshev(xlow, coef, q10);
        }
    }
    if nf < M { *old } else { lsp }
}
