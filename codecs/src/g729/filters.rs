//! LP filters shared by encoder and decoder: synthesis 1/A(z), inverse
//! filter A(z), bandwidth expansion A(z/g) and convolution.

use super::M;
use super::basic_op::*;

/// All-pole synthesis `y = x / A(z)` over `x.len()` samples; `mem` holds
/// the last M outputs (oldest first). Returns `true` when a 32-bit
/// accumulation saturated. `mem` is updated only when `update` is set.
pub fn syn_filt(
    a: &[i16; M + 1],
    x: &[i16],
    y: &mut [i16],
    mem: &mut [i16; M],
    update: bool,
) -> bool {
    let n = x.len().min(y.len());
    let mut buf = [0i16; 80 + M];
    buf[..M].copy_from_slice(mem);
    let mut overflow = false;
    for i in 0..n.min(80) {
        let mut s: i64 = a[0] as i64 * x[i] as i64 * 2;
        let mut acc = s as i32;
        for j in 1..=M {
            s = acc as i64 - a[j] as i64 * buf[M + i - j] as i64 * 2;
            if s > i32::MAX as i64 || s < i32::MIN as i64 {
                overflow = true;
            }
            acc = sat32(s);
        }
        let shifted = (acc as i64) << 3;
        if shifted > i32::MAX as i64 || shifted < i32::MIN as i64 {
            overflow = true;
        }
        let v = round(sat32(shifted));
        buf[M + i] = v;
        y[i] = v;
    }
    if update && n >= M {
        mem.copy_from_slice(&buf[n..n + M]);
    }
    overflow
}

/// Inverse filter `y = A(z) x`; `x` holds M samples of history before the
/// `len` samples to filter (so `x.len() == M + len`).
pub fn residu(a: &[i16; M + 1], x: &[i16], y: &mut [i16]) {
    let len = y.len().min(x.len().saturating_sub(M));
    for i in 0..len {
        let mut s = l_mult(x[M + i], a[0]);
        for j in 1..=M {
            s = l_mac(s, a[j], x[M + i - j]);
        }
        y[i] = round(l_shl(s, 3));
    }
}

/// Bandwidth expansion: `ap[i] = a[i] * gamma^i`.
pub fn weight_az(a: &[i16; M + 1], gamma: i16) -> [i16; M + 1] {
    let mut ap = [0i16; M + 1];
    ap[0] = a[0];
    let mut fac = gamma;
    for i in 1..M {
        ap[i] = round(l_mult(a[i], fac));
        fac = round(l_mult(fac, gamma));
    }
    ap[M] = round(l_mult(a[M], fac));
    ap
}

/// Convolution of `x` (Q0) with the impulse response `h` (Q12) over 40 samples.
pub fn convolve(x: &[i16], h: &[i16; 40], y: &mut [i16; 40]) {
    for n in 0..40 {
        let mut s = 0i32;
        for i in 0..=n {
            s = l_mac(s, x[i], h[n - i]);
        }
        y[n] = extract_h(l_shl(s, 3));
    }
}
