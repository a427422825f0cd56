//! Pitch analysis of the encoder: the decimated open-loop search of
//! Annex A (section A.3.4), the closed-loop fractional search of section
//! A.3.7, lag coding and the adaptive-codebook gain (section 3.7.3).

use super::L_SUBFR;
use super::adaptive_codebook::{PIT_MAX, PIT_MIN, pred_lt3};
use super::basic_op::*;

/// Correlation of the target with the impulse response, scaled to fit 16 bits.
pub fn cor_h_x(h: &[i16; L_SUBFR], x: &[i16; L_SUBFR]) -> [i16; L_SUBFR] {
    let y32 = if sums_fit(L_SUBFR, peak(x), peak(h)) {
        correlate_exact(h, x)
    } else {
        let mut y32 = [0i32; L_SUBFR];
        for (i, y) in y32.iter_mut().enumerate() {
            *y = mac_dot(0, &x[i..], h);
        }
        y32
    };
    let max = y32.iter().map(|&s| l_abs(s)).max().unwrap_or(0).max(0);
    let j = sub(18, norm_l(max).min(16));
    let mut d = [0i16; L_SUBFR];
    for (d, &y) in d.iter_mut().zip(&y32) {
        *d = extract_l(l_shr(y, j));
    }
    d
}

/// `sum(2 * x[n] * h[n - i])` over n >= i for every i, for inputs where
/// no sum can leave 32 bits: eight outputs at a time, in registers.
fn correlate_exact(h: &[i16; L_SUBFR], x: &[i16; L_SUBFR]) -> [i32; L_SUBFR] {
    let mut padded = [0i16; L_SUBFR + 8];
    padded[..L_SUBFR].copy_from_slice(x);
    let mut y32 = [0i32; L_SUBFR];
    for (c, out) in y32.chunks_exact_mut(8).enumerate() {
        let mut sum = [0i32; 8];
        for (k, &hk) in h[..L_SUBFR - 8 * c].iter().enumerate() {
            let w = &padded[8 * c + k..8 * c + k + 8];
            for (s, &v) in sum.iter_mut().zip(w) {
                *s += hk as i32 * v as i32;
            }
        }
        for (o, s) in out.iter_mut().zip(sum) {
            *o = 2 * s;
        }
    }
    y32
}

fn dot(a: &[i16], b: &[i16]) -> i32 {
    mac_dot(0, a, b)
}

/// Open-loop pitch lag of the frame from the weighted speech `wsp`
/// (`PIT_MAX` samples of history, then the 80-sample frame).
pub fn open_loop(wsp: &[i16]) -> i16 {
    let pm = PIT_MAX as usize;
    let n = wsp.len().saturating_sub(pm).min(80);
    let mut acc: i64 = 0;
    let mut overflow = false;
    let mut i = 0;
    while i < pm + n {
        acc += 2 * wsp[i] as i64 * wsp[i] as i64;
        if acc > i32::MAX as i64 {
            overflow = true;
        }
        i += 2;
    }
    let mut scal = [0i16; PIT_MAX as usize + 80];
    for (d, &v) in scal.iter_mut().zip(wsp) {
        *d = if overflow {
            shr(v, 3)
        } else if acc < 1_048_576 {
            shl(v, 3)
        } else {
            v
        };
    }
    // The search works on every other sample: split into even and odd samples.
    let half = (pm + 80) / 2 + 1;
    let mut even = [0i16; (PIT_MAX as usize + 80) / 2 + 1];
    let mut odd = [0i16; (PIT_MAX as usize + 80) / 2 + 1];
    for (k, &v) in scal.iter().enumerate() {
        if k % 2 == 0 {
            even[k / 2] = v
        } else {
            odd[k / 2] = v
        }
    }
    let terms = n.div_ceil(2);
    // Samples pm + j (j even) and pm + j - t, as slices of the split arrays.
    let delayed = |t: usize| -> &[i16] {
        let first = pm - t;
        let (arr, at) = if first % 2 == 0 {
            (&even, first / 2)
        } else {
            (&odd, first / 2)
        };
        &arr[at.min(half)..(at + terms).min(half)]
    };
    let current = delayed(0);
    let fast = sums_fit(terms, peak(&scal), peak(&scal));
    let corr = |t: usize| {
        if fast {
            dot_fast(current, delayed(t))
        } else {
            mac_dot(0, current, delayed(t))
        }
    };
    let normalised = |max: i32, t: usize| {
        let s = mac_dot(1, delayed(t), delayed(t));
        let s = inv_sqrt(s);
        let (mh, ml) = l_extract(max);
        let (eh, el) = l_extract(s);
        extract_l(mpy_32(mh, ml, eh, el))
    };
    let section = |lo: usize, hi: usize, step: usize| {
        let mut max = i32::MIN;
        let mut best = lo;
        let mut t = lo;
        while t < hi {
            let c = corr(t);
            if l_sub(c, max) > 0 {
                max = c;
                best = t;
            }
            t += step;
        }
        (max, best)
    };
    let (m1, t1) = section(20, 40, 1);
    let mut max1 = normalised(m1, t1);
    let (m2, t2) = section(40, 80, 1);
    let mut max2 = normalised(m2, t2);
    let (mut m3, mut t3) = section(80, 143, 2);
    let center = t3;
    let c = corr(center + 1);
    if l_sub(c, m3) > 0 {
        m3 = c;
        t3 = center + 1;
    }
    let c = corr(center - 1);
    if l_sub(c, m3) > 0 {
        m3 = c;
        t3 = center - 1;
    }
    let max3 = normalised(m3, t3);
    let (t1, t2, t3) = (t1 as i16, t2 as i16, t3 as i16);
    let i = sub(shl(t2, 1), t3);
    if abs_s(i) < 5 {
        max2 = add(max2, shr(max3, 2));
    }
    let i = add(i, t2);
    if abs_s(i) < 7 {
        max2 = add(max2, shr(max3, 2));
    }
    let i = sub(shl(t1, 1), t2);
    if abs_s(i) < 5 {
        max1 = add(max1, mult(max2, 6554));
    }
    let i = add(i, t1);
    if abs_s(i) < 7 {
        max1 = add(max1, mult(max2, 6554));
    }
    let (mut best_max, mut best_t) = (max1, t1);
    if best_max < max2 {
        best_max = max2;
        best_t = t2;
    }
    if best_max < max3 {
        best_t = t3;
    }
    best_t
}

/// Search range of the first subframe around the open-loop lag.
pub fn first_range(t_op: i16) -> (i16, i16) {
    let mut t0_min = sub(t_op, 3).max(PIT_MIN);
    let mut t0_max = add(t0_min, 6);
    if t0_max > PIT_MAX {
        t0_max = PIT_MAX;
        t0_min = sub(t0_max, 6);
    }
    (t0_min, t0_max)
}

/// Closed-loop fractional pitch search; leaves the chosen adaptive
/// codebook vector in `exc[start..start + 40]` and returns (lag, fraction).
pub fn closed_loop(
    exc: &mut [i16],
    start: usize,
    xn: &[i16; L_SUBFR],
    h: &[i16; L_SUBFR],
    t0_min: i16,
    t0_max: i16,
    first: bool,
) -> (i16, i16) {
    let dn = cor_h_x(h, xn);
    let mut max = i32::MIN;
    let mut t0 = t0_min;
    for t in t0_min..=t0_max {
        let from = start - t as usize;
        let c = dot(&dn, &exc[from..from + L_SUBFR]);
        if l_sub(c, max) > 0 {
            max = c;
            t0 = t;
        }
    }
    pred_lt3(exc, start, t0, 0);
    let mut max = dot(&dn, &exc[start..start + L_SUBFR]);
    let mut frac = 0;
    if first && t0 > 84 {
        return (t0, 0);
    }
    let mut best = [0i16; L_SUBFR];
    best.copy_from_slice(&exc[start..start + L_SUBFR]);
    pred_lt3(exc, start, t0, -1);
    let c = dot(&dn, &exc[start..start + L_SUBFR]);
    if l_sub(c, max) > 0 {
        max = c;
        frac = -1;
        best.copy_from_slice(&exc[start..start + L_SUBFR]);
    }
    pred_lt3(exc, start, t0, 1);
    let c = dot(&dn, &exc[start..start + L_SUBFR]);
    if l_sub(c, max) > 0 {
        frac = 1;
    } else {
        exc[start..start + L_SUBFR].copy_from_slice(&best);
    }
    (t0, frac)
}

/// Codes the lag of a subframe; for the first one also returns the
/// search range of the second.
pub fn encode_lag(t0: i16, frac: i16, first: bool, t0_min: i16) -> i16 {
    if first {
        if t0 <= 85 {
            add(sub(add(add(t0, t0), t0), 58), frac)
        } else {
            add(t0, 112)
        }
    } else {
        let i = sub(t0, t0_min);
        add(add(add(add(i, i), i), 2), frac)
    }
}

/// The adaptive-codebook gain (Q14, at most 1.2) of the filtered vector
/// `y1` for the target `xn`, plus the correlation terms the gain
/// quantiser needs: (<y1,y1>, its exponent, <xn,y1>, its exponent).
pub fn pitch_gain(xn: &[i16; L_SUBFR], y1: &[i16; L_SUBFR]) -> (i16, [i16; 4]) {
    let exact = |a: &[i16; L_SUBFR], b: &[i16; L_SUBFR], init: i64| {
        let mut s = init;
        let mut overflow = false;
        for i in 0..L_SUBFR {
            s += 2 * a[i] as i64 * b[i] as i64;
            if s > i32::MAX as i64 || s < i32::MIN as i64 {
                overflow = true;
                s = s.clamp(i32::MIN as i64, i32::MAX as i64);
            }
        }
        (s as i32, overflow)
    };
    let mut scaled = [0i16; L_SUBFR];
    for i in 0..L_SUBFR {
        scaled[i] = shr(y1[i], 2);
    }
    let (s, ovf) = exact(y1, y1, 1);
    let (yy, exp_yy) = if !ovf {
        let e = norm_l(s);
        (round(l_shl(s, e)), e)
    } else {
        let (s, _) = exact(&scaled, &scaled, 1);
        let e = norm_l(s);
        (round(l_shl(s, e)), sub(e, 4))
    };
    let (s, ovf) = exact(xn, y1, 0);
    let (xy, exp_xy) = if !ovf {
        let e = norm_l(s);
        (round(l_shl(s, e)), e)
    } else {
        let (s, _) = exact(xn, &scaled, 0);
        let e = norm_l(s);
        (round(l_shl(s, e)), sub(e, 2))
    };
    let mut coeff = [yy, sub(15, exp_yy), xy, sub(15, exp_xy)];
    if xy <= 0 {
        coeff[3] = -15;
        return (0, coeff);
    }
    let gain = div_s(shr(xy, 1), yy);
    let gain = shr(gain, sub(exp_xy, exp_yy));
    (gain.min(19661), coeff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::g729::test_support::scaled_array;
    use proptest::prelude::*;

    /// The backward correlation with a chain of saturating
    /// multiply-accumulates per output, then scaled to 16 bits.
    fn cor_h_x_reference(h: &[i16; L_SUBFR], x: &[i16; L_SUBFR]) -> [i16; L_SUBFR] {
        let mut y32 = [0i32; L_SUBFR];
        let mut max = 0i32;
        for i in 0..L_SUBFR {
            let mut s = 0i32;
            for n in i..L_SUBFR {
                s = l_mac(s, x[n], h[n - i]);
            }
            y32[i] = s;
            if l_sub(l_abs(s), max) > 0 {
                max = l_abs(s);
            }
        }
        let j = sub(18, norm_l(max).min(16));
        y32.map(|y| extract_l(l_shr(y, j)))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn cor_h_x_matches_the_saturating_definition(
            h in scaled_array::<L_SUBFR>(),
            x in scaled_array::<L_SUBFR>(),
        ) {
            prop_assert_eq!(cor_h_x(&h, &x), cor_h_x_reference(&h, &x));
        }
    }
}
