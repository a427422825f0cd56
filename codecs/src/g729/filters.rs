//! LP filters shared by encoder and decoder: synthesis 1/A(z), inverse
//! filter A(z), bandwidth expansion A(z/g) and convolution.

use super::M;
use super::basic_op::*;

/// All-pole synthesis `y = x / A(z)` over `x.len()` samples (at most 80);
/// `mem` holds the last M outputs (oldest first). Returns `true` when a
/// 32-bit accumulation saturated. `mem` is updated only when `update` is set.
pub fn syn_filt(
    a: &[i16; M + 1],
    x: &[i16],
    y: &mut [i16],
    mem: &mut [i16; M],
    update: bool,
) -> bool {
    let n = x.len().min(y.len()).min(80);
    let mut buf = [0i16; 80 + M];
    buf[..M].copy_from_slice(mem);
    let mut overflow = false;
    // While |a0| * peak(x) + sum(|a1..aM|) * peak(history) (doubled) stays
    // within 32 bits no accumulation can saturate; the history peak grows
    // as outputs are written.
    let feedback: i64 = a[1..].iter().map(|&c| (c as i64).abs()).sum();
    let input_peak = x[..n]
        .iter()
        .map(|v| v.unsigned_abs() as i64)
        .max()
        .unwrap_or(0);
    let direct = (a[0] as i64).abs() * input_peak;
    let mut hist_peak = mem
        .iter()
        .map(|v| v.unsigned_abs() as i64)
        .max()
        .unwrap_or(0);
    let mut fast = 2 * (direct + feedback * hist_peak) <= i32::MAX as i64;
    // The feedback taps reversed, to pair with the history oldest first.
    let mut rev = [0i32; M];
    for j in 0..M {
        rev[j] = a[M - j] as i32;
    }
    for i in 0..n {
        let hist = <&[i16; M]>::try_from(&buf[i..i + M]);
        let acc = if let (true, Ok(hist)) = (fast, hist) {
            let mut fb = 0i32;
            for j in 0..M {
                fb += rev[j] * hist[j] as i32;
            }
            2 * (a[0] as i32 * x[i] as i32) - 2 * fb
        } else {
            let mut acc = l_mult(a[0], x[i]);
            for j in 1..=M {
                let s = acc as i64 - 2 * (a[j] as i64 * buf[M + i - j] as i64);
                overflow |= s != sat32(s) as i64;
                acc = sat32(s);
            }
            acc
        };
        let shifted = (acc as i64) << 3;
        overflow |= shifted != sat32(shifted) as i64;
        let v = round(sat32(shifted));
        buf[M + i] = v;
        y[i] = v;
        if v.unsigned_abs() as i64 > hist_peak {
            hist_peak = v.unsigned_abs() as i64;
            fast = 2 * (direct + feedback * hist_peak) <= i32::MAX as i64;
        }
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
    let coef_abs: i64 = a.iter().map(|&c| (c as i64).abs()).sum();
    let fast = sums_fit(1, coef_abs as u64, peak(&x[..M + len]));
    let mut rev = [0i32; M + 1];
    for (r, &c) in rev.iter_mut().zip(a.iter().rev()) {
        *r = c as i32;
    }
    for (i, win) in x.windows(M + 1).take(len).enumerate() {
        let s = match <&[i16; M + 1]>::try_from(win) {
            Ok(w) if fast => {
                let mut s = 0i32;
                for j in 0..=M {
                    s += rev[j] * w[j] as i32;
                }
                2 * s
            }
            _ => {
                let mut s = l_mult(x[M + i], a[0]);
                for j in 1..=M {
                    s = l_mac(s, a[j], x[M + i - j]);
                }
                s
            }
        };
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
    let mut h_rev = [0i16; 40];
    for (d, &v) in h_rev.iter_mut().rev().zip(h) {
        *d = v;
    }
    let fast = sums_fit(40, peak(&x[..40.min(x.len())]), peak(h));
    for n in 0..40 {
        let s = if fast {
            dot_fast(&x[..=n], &h_rev[39 - n..])
        } else {
            mac_dot(0, &x[..=n], &h_rev[39 - n..])
        };
        y[n] = extract_h(l_shl(s, 3));
    }
}
