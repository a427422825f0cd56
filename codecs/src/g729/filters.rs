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
    let (x, y) = (&x[..n], &mut y[..n]);
    // While |a0| * peak(x) + sum(|a1..aM|) * peak(history) (doubled) stays
    // within 32 bits no accumulation can saturate: the plain sum is exact.
    // The history peak grows as outputs are written: the bound is checked
    // again whenever it does.
    let feedback: i64 = a[1..].iter().map(|&c| (c as i64).abs()).sum();
    let direct = (a[0] as i64).abs() * peak(x) as i64;
    let room = (i32::MAX as i64) / 2 - direct;
    let mut hist_peak = peak(mem) as i64;
    let mut fast = feedback * hist_peak <= room;
    // The history and the outputs in one buffer, oldest first.
    let mut buf = [0i16; 80 + M];
    buf[..M].copy_from_slice(mem);
    // `older[k]` multiplies `buf[i + k]` for output i: the taps a[M]..a[2].
    // Only a[1] waits for the newest output.
    let mut older = [0i16; M - 1];
    for (k, r) in older.iter_mut().enumerate() {
        *r = a[M - k];
    }
    let (a0, a1) = (a[0] as i32, a[1] as i32);
    // Everything of output i but the a[1] term, plus the rounding constant
    // (wrapping: only used when the bound holds, and then exact).
    let part = |buf: &[i16; 80 + M], i: usize| -> i32 {
        let window: &[i16; M - 1] = buf[i..i + M - 1].try_into().unwrap_or(&[0; M - 1]);
        let mut fb = 0i32;
        for k in 0..M - 1 {
            fb = fb.wrapping_add(older[k] as i32 * window[k] as i32);
        }
        a0.wrapping_mul(x.get(i).copied().unwrap_or(0) as i32)
            .wrapping_sub(fb)
            .wrapping_add(1 << 11)
    };
    let mut y1 = mem[M - 1] as i32;
    let mut next = part(&buf, 0);
    let mut overflow = false;
    for i in 0..n {
        // Computed a step ahead, so only the a[1] product is on the
        // sample-to-sample path.
        let this = next;
        next = part(&buf, i + 1);
        let v = if fast {
            // Exact without saturation: acc = 2 * full. Shifting left by 3
            // and rounding to the high half is then (full + 2^11) >> 12,
            // saturated to 16 bits; the 32-bit shift saturates when
            // 16 * full leaves the 32-bit range.
            let full = this - a1 * y1;
            overflow |= !(-(1 << 27) + (1 << 11)..(1 << 27) + (1 << 11)).contains(&full);
            sat16(full >> 12)
        } else {
            let mut acc = l_mult(a[0], x[i]);
            for j in 1..=M {
                let s = acc as i64 - 2 * (a[j] as i64 * buf[M + i - j] as i64);
                overflow |= s != sat32(s) as i64;
                acc = sat32(s);
            }
            let shifted = (acc as i64) << 3;
            let clamped = sat32(shifted);
            overflow |= shifted != clamped as i64;
            round(clamped)
        };
        y1 = v as i32;
        buf[M + i] = v;
        y[i] = v;
        if v.unsigned_abs() as i64 > hist_peak {
            hist_peak = v.unsigned_abs() as i64;
            fast = feedback * hist_peak <= room;
        }
    }
    if update && n >= M {
        mem.copy_from_slice(&y[n - M..]);
    }
    overflow
}

/// Inverse filter `y = A(z) x` over 40 samples; `x` holds M samples of
/// history before the 40 samples to filter (so `x.len() == M + 40`).
pub fn residu(a: &[i16; M + 1], x: &[i16], y: &mut [i16]) {
    let (Some(x), Some(y)) = (x.get(..M + 40), y.get_mut(..40)) else {
        return;
    };
    let coef_abs: u64 = a.iter().map(|&c| c.unsigned_abs() as u64).sum();
    if sums_fit(1, coef_abs, peak(x)) {
        // No partial sum can saturate: accumulate tap by tap over all
        // outputs (a loop the compiler vectorises).
        let mut acc = [0i32; 40];
        for (j, &c) in a.iter().enumerate() {
            let c = c as i32;
            for (s, &v) in acc.iter_mut().zip(&x[M - j..M - j + 40]) {
                *s += c * v as i32;
            }
        }
        for (o, s) in y.iter_mut().zip(acc) {
            *o = round(l_shl(2 * s, 3));
        }
    } else {
        for i in 0..40 {
            let mut s = l_mult(x[M + i], a[0]);
            for j in 1..=M {
                s = l_mac(s, a[j], x[M + i - j]);
            }
            y[i] = round(l_shl(s, 3));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::g729::test_support::{scaled, scaled_array};
    use proptest::prelude::*;

    /// 1/A(z) step by step with saturation: outputs and the overflow flag.
    fn syn_filt_reference(a: &[i16; M + 1], x: &[i16], mem: &[i16; M]) -> (Vec<i16>, bool) {
        let mut hist = mem.to_vec();
        let mut overflow = false;
        for &xi in x {
            let mut acc = l_mult(a[0], xi);
            for j in 1..=M {
                let s = acc as i64 - 2 * (a[j] as i64 * hist[hist.len() - j] as i64);
                overflow |= s != sat32(s) as i64;
                acc = sat32(s);
            }
            let shifted = (acc as i64) << 3;
            overflow |= shifted != sat32(shifted) as i64;
            hist.push(round(sat32(shifted)));
        }
        (hist.split_off(M), overflow)
    }

    /// A(z) step by step with saturation.
    fn residu_reference(a: &[i16; M + 1], x: &[i16]) -> Vec<i16> {
        (0..40)
            .map(|i| {
                let mut s = l_mult(x[M + i], a[0]);
                for j in 1..=M {
                    s = l_mac(s, a[j], x[M + i - j]);
                }
                round(l_shl(s, 3))
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn syn_filt_matches_the_saturating_definition(
            a in scaled_array::<{ M + 1 }>(),
            x in (1usize..=80).prop_flat_map(scaled),
            mem in scaled_array::<M>(),
        ) {
            let (want, want_overflow) = syn_filt_reference(&a, &x, &mem);
            let mut y = vec![0i16; x.len()];
            let mut state = mem;
            let overflow = syn_filt(&a, &x, &mut y, &mut state, true);
            prop_assert_eq!(&y, &want);
            prop_assert_eq!(overflow, want_overflow);
            if x.len() >= M {
                prop_assert_eq!(&state[..], &want[x.len() - M..]);
            }
        }

        /// The first output at the bound: every product of the same sign.
        #[test]
        fn syn_filt_matches_at_its_bound(
            a in scaled_array::<{ M + 1 }>(),
            level in 0i16..=i16::MAX,
            input in any::<i16>(),
        ) {
            let mut mem = [0i16; M];
            for j in 1..=M {
                mem[M - j] = if a[j] < 0 { level } else { -level };
            }
            let x = [if a[0] < 0 { -input.saturating_abs() } else { input.saturating_abs() }; 4];
            let (want, want_overflow) = syn_filt_reference(&a, &x, &mem);
            let mut y = [0i16; 4];
            let overflow = syn_filt(&a, &x, &mut y, &mut mem, false);
            prop_assert_eq!(&y[..], &want[..]);
            prop_assert_eq!(overflow, want_overflow);
        }

        /// The first output at the bound: every product of the same sign.
        #[test]
        fn residu_matches_at_its_bound(a in scaled_array::<{ M + 1 }>(), level in 0i16..=i16::MAX) {
            let mut x = [0i16; M + 40];
            for j in 0..=M {
                x[M - j] = if a[j] < 0 { -level } else { level };
            }
            let mut y = [0i16; 40];
            residu(&a, &x, &mut y);
            prop_assert_eq!(&y[..], &residu_reference(&a, &x)[..]);
        }

        #[test]
        fn residu_matches_the_saturating_definition(
            a in scaled_array::<{ M + 1 }>(),
            x in scaled(M + 40),
        ) {
            let mut y = [0i16; 40];
            residu(&a, &x, &mut y);
            prop_assert_eq!(&y[..], &residu_reference(&a, &x)[..]);
        }
    }
}
