//! The arithmetic G.729 is defined with: the 16/32-bit saturating basic
//! operators (shared with GSM 06.10 in [`crate::fixed_point`], re-exported
//! here), plus the double-precision helpers (`hi`/`lo` pairs), the
//! log2/pow2/inverse-square-root functions and the fast dot products.
//!
//! Every function is total: no input panics.

use super::tables::misc::{TABLOG, TABPOW, TABSQR};

pub(crate) use crate::fixed_point::*;

/// Largest magnitude in `x`.
#[inline]
pub fn peak(x: &[i16]) -> u64 {
    x.iter().map(|v| v.unsigned_abs()).max().unwrap_or(0) as u64
}

/// True when `n` products of values bounded by `max_a` and `max_b`, doubled,
/// cannot leave the 32-bit range: plain sums are then exact.
#[inline]
pub fn sums_fit(n: usize, max_a: u64, max_b: u64) -> bool {
    2 * n as u64 * max_a * max_b < i32::MAX as u64
}

/// `sum(2 * a[i] * b[i])` in plain 32-bit arithmetic; only for inputs
/// where [`sums_fit`] holds.
#[inline]
pub fn dot_fast(a: &[i16], b: &[i16]) -> i32 {
    let mut sum = 0i32;
    for (&x, &y) in a.iter().zip(b) {
        sum = sum.wrapping_add(x as i32 * y as i32);
    }
    sum.wrapping_mul(2)
}

/// `init + sum(2 * x[i]^2)` for `init >= 0` with the saturation of a chain
/// of [`l_mac`]s: every term is non-negative, so that is the exact sum
/// clamped to the 32-bit range.
#[inline]
pub fn energy(init: i32, x: &[i16]) -> i32 {
    let mut sum = 0u64;
    for &v in x {
        sum += (v as i32 * v as i32) as u64;
    }
    (init as i64 + 2 * sum as i64).min(i32::MAX as i64) as i32
}

/// `init + sum(2 * a[i] * b[i])` with the saturation of a chain of
/// [`l_mac`]s in index order. When no partial sum can leave the 32-bit
/// range (the sum of absolute values fits) the exact sum is the same, so
/// that case is computed without per-step saturation.
#[inline]
pub fn mac_dot(init: i32, a: &[i16], b: &[i16]) -> i32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    if 2 * n as u64 * peak(a) * peak(b) + init.unsigned_abs() as u64 <= i32::MAX as u64 {
        return init.wrapping_add(dot_fast(a, b));
    }
    let mut sum = init as i64;
    let mut bound = (init as i64).abs();
    for (&x, &y) in a.iter().zip(b) {
        let p = 2 * (x as i64 * y as i64);
        sum += p;
        bound += p.abs();
    }
    if bound <= i32::MAX as i64 {
        return sum as i32;
    }
    let mut s = init;
    for (&x, &y) in a.iter().zip(b) {
        s = l_mac(s, x, y);
    }
    s
}

/// Splits a 32-bit value into the double-precision pair (hi, lo) with
/// `l = hi<<16 + lo<<1`.
#[inline(always)]
pub fn l_extract(l: i32) -> (i16, i16) {
    let hi = extract_h(l);
    let lo = extract_l(l_msu(l >> 1, hi, 16384));
    (hi, lo)
}

/// Rebuilds a 32-bit value from a double-precision pair.
#[inline(always)]
pub fn l_comp(hi: i16, lo: i16) -> i32 {
    l_mac(l_deposit_h(hi), lo, 1)
}

/// Double-precision product of two (hi, lo) pairs.
#[inline(always)]
pub fn mpy_32(hi1: i16, lo1: i16, hi2: i16, lo2: i16) -> i32 {
    let mut l = l_mult(hi1, hi2);
    l = l_mac(l, mult(hi1, lo2), 1);
    l_mac(l, mult(lo1, hi2), 1)
}

/// Double-precision product of a (hi, lo) pair with a 16-bit value.
#[inline(always)]
pub fn mpy_32_16(hi: i16, lo: i16, n: i16) -> i32 {
    l_mac(l_mult(hi, n), mult(lo, n), 1)
}

/// 32-bit fractional division `num / (den_hi, den_lo)` for 0 <= num < den.
pub fn div_32(num: i32, den_hi: i16, den_lo: i16) -> i32 {
    let approx = div_s(0x3fff, den_hi);
    let l = l_sub(i32::MAX, mpy_32_16(den_hi, den_lo, approx));
    let (hi, lo) = l_extract(l);
    let l = mpy_32_16(hi, lo, approx);
    let (hi, lo) = l_extract(l);
    let (nh, nl) = l_extract(num);
    l_shl(mpy_32(nh, nl, hi, lo), 2)
}

/// Base-2 logarithm of a positive 32-bit value: (integer part, fraction Q15).
pub fn log2(x: i32) -> (i16, i16) {
    if x <= 0 {
        return (0, 0);
    }
    let exp = norm_l(x);
    let x = l_shl(x, exp);
    let exponent = 30 - exp;
    let i = ((x >> 25) - 32) as usize;
    let a = ((x >> 10) & 0x7fff) as i16;
    let t0 = TABLOG[i.min(31)];
    let t1 = TABLOG[(i + 1).min(32)];
    let y = l_msu(l_deposit_h(t0), sub(t0, t1), a);
    (exponent, extract_h(y))
}

/// 2^(exponent + fraction) with `fraction` in Q15, as a 32-bit value.
pub fn pow2(exponent: i16, fraction: i16) -> i32 {
    let l = l_mult(fraction, 32);
    let i = extract_h(l).clamp(0, 31) as usize;
    let a = extract_l(l >> 1) & 0x7fff;
    let t = l_deposit_h(TABPOW[i]);
    let d = sub(TABPOW[i], TABPOW[i + 1]);
    let t = l_msu(t, d, a);
    l_shr_r(t, 30 - exponent)
}

/// 1/sqrt(x) for a positive 32-bit value, Q30 result.
pub fn inv_sqrt(x: i32) -> i32 {
    if x <= 0 {
        return 0x3fff_ffff;
    }
    let mut exp = norm_l(x);
    let mut x = l_shl(x, exp);
    exp = 30 - exp;
    if exp & 1 == 0 {
        x >>= 1;
    }
    exp = (exp >> 1) + 1;
    let i = ((x >> 25) - 16).clamp(0, 47) as usize;
    let a = ((x >> 10) & 0x7fff) as i16;
    let y = l_deposit_h(TABSQR[i]);
    let d = sub(TABSQR[i], TABSQR[i + 1]);
    l_shr(l_msu(y, d, a), exp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_precision_round_trips() {
        for x in [0x1234_5678, -0x1234_5678, 1, -1, i32::MAX] {
            let (hi, lo) = l_extract(x);
            assert!((l_comp(hi, lo) - x).abs() <= 1);
        }
    }

    #[test]
    fn log_and_pow_are_inverse() {
        let (e, f) = log2(1 << 20);
        assert_eq!((e, f), (20, 0));
        assert_eq!(pow2(14, 0), 16384);
        assert!((inv_sqrt(1 << 28) - (1 << 16)).abs() < 64);
    }
}
