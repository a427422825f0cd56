//! Adaptive codebook: fractional-delay interpolation of the past
//! excitation, lag coding (G.729 sections 3.7.1, 3.7.2, 4.1.3) and the
//! parity bit of the first lag.

use super::L_SUBFR;
use super::basic_op::*;
use super::tables::misc::INTER_3L;

/// Shortest pitch lag.
pub const PIT_MIN: i16 = 20;
/// Longest pitch lag.
pub const PIT_MAX: i16 = 143;

/// Writes the adaptive codebook vector for lag `t0 + frac/3` into
/// `exc[start..start + 40]`, reading the past excitation before `start`
/// (and, for lags under 40, the samples it has just written).
pub fn pred_lt3(exc: &mut [i16], start: usize, t0: i16, frac: i16) {
    let mut x0 = start as isize - t0 as isize;
    let mut frac = -frac;
    if frac < 0 {
        frac += 3;
        x0 -= 1;
    }
    let frac = frac.clamp(0, 2) as usize;
    if x0 < 10 || start + L_SUBFR > exc.len() || x0 as usize + L_SUBFR + 10 > exc.len() {
        return;
    }
    let mut c1 = [0i16; 10];
    let mut c2 = [0i16; 10];
    for i in 0..10 {
        c1[i] = INTER_3L[frac + 3 * i];
        c2[i] = INTER_3L[3 - frac + 3 * i];
    }
    // The 20 taps over the window exc[x1 - 9 ..= x1 + 10] of output x1.
    let mut taps = [0i16; 20];
    for i in 0..10 {
        taps[9 - i] = c1[i];
        taps[10 + i] = c2[i];
    }
    let coef_abs: i64 = taps.iter().map(|&c| (c as i64).abs()).sum();
    let base = x0 as usize;
    // A copy of exc[base - 9 .. base + 50] (what the 40 outputs read);
    // outputs that land inside it (lags under 50) are written back to it.
    let mut win = [0i16; L_SUBFR + 19];
    win.copy_from_slice(&exc[base - 9..base + L_SUBFR + 10]);
    let mut peak = peak(&win) as i64;
    // Index in `win` of output j is start + j - base + 9, and output j reads
    // win[j .. j + 20]: an output written back is first read `gap` outputs
    // later, so each block of `gap` outputs depends only on earlier blocks
    // and is computed tap by tap over the whole block (vectorised).
    let back = start - base + 9;
    let gap = back.saturating_sub(19).clamp(1, L_SUBFR);
    let mut first = 0;
    while first < L_SUBFR {
        let len = gap.min(L_SUBFR - first);
        let mut acc = [0i32; L_SUBFR];
        let acc = &mut acc[..len];
        // When the largest sample read times the filter's absolute sum
        // fits, no partial sum can saturate and plain 32-bit sums are exact.
        if 2 * peak * coef_abs <= i32::MAX as i64 {
            fir_exact(&taps, &win[first..], acc);
        } else {
            for (j, a) in (first..).zip(acc.iter_mut()) {
                for i in 0..10 {
                    *a = l_mac(*a, win[j + 9 - i], c1[i]);
                    *a = l_mac(*a, win[j + 10 + i], c2[i]);
                }
            }
        }
        for (j, &s) in (first..).zip(acc.iter()) {
            let v = round(s);
            exc[start + j] = v;
            if let Some(slot) = win.get_mut(back + j) {
                *slot = v;
                // Keep the bound true for the outputs that read this one.
                peak = peak.max(v.unsigned_abs() as i64);
            }
        }
        first += len;
    }
}

/// `acc[j] = 2 * sum(taps[k] * win[j + k])`, for sums that cannot leave
/// the 32-bit range; eight outputs at a time, accumulated in registers.
fn fir_exact(taps: &[i16; 20], win: &[i16], acc: &mut [i32]) {
    let done = acc.len() / 8 * 8;
    for (c, out) in acc.chunks_exact_mut(8).enumerate() {
        let mut sum = [0i32; 8];
        for (k, &t) in taps.iter().enumerate() {
            let Some(w) = win.get(8 * c + k..8 * c + k + 8) else {
                return;
            };
            for (s, &v) in sum.iter_mut().zip(w) {
                *s += t as i32 * v as i32;
            }
        }
        for (o, s) in out.iter_mut().zip(sum) {
            *o = 2 * s;
        }
    }
    for (j, o) in acc.iter_mut().enumerate().skip(done) {
        let Some(w) = win.get(j..j + 20) else {
            return;
        };
        *o = 2 * w
            .iter()
            .zip(taps)
            .map(|(&v, &t)| v as i32 * t as i32)
            .sum::<i32>();
    }
}

/// Decodes the lag of the first subframe (8-bit index): (integer, fraction).
pub fn decode_lag_first(index: i16) -> (i16, i16) {
    if index < 197 {
        let t0 = add(mult(add(index, 2), 10923), 19);
        let frac = add(sub(index, add(add(t0, t0), t0)), 58);
        (t0, frac)
    } else {
        (sub(index, 112), 0)
    }
}

/// Search range of the second subframe around the first lag `t0`.
pub fn second_range(t0: i16) -> (i16, i16) {
    let mut t0_min = sub(t0, 5).max(PIT_MIN);
    let mut t0_max = add(t0_min, 9);
    if t0_max > PIT_MAX {
        t0_max = PIT_MAX;
        t0_min = sub(t0_max, 9);
    }
    (t0_min, t0_max)
}

/// Decodes the lag of the second subframe (5-bit index relative to `t0`).
pub fn decode_lag_second(index: i16, t0: i16) -> (i16, i16) {
    let (t0_min, _) = second_range(t0);
    let i = sub(mult(add(index, 2), 10923), 1);
    let lag = add(i, t0_min);
    let frac = sub(sub(index, 2), add(add(i, i), i));
    (lag, frac)
}

/// Parity bit over the six most significant bits of the first lag index.
pub fn parity(index: i16) -> i16 {
    let mut temp = index >> 1;
    let mut sum = 1i16;
    for _ in 0..6 {
        temp >>= 1;
        sum += temp & 1;
    }
    sum & 1
}

/// True when the received parity bit does not match the lag index.
pub fn parity_error(index: i16, parity_bit: i16) -> bool {
    (parity(index) + parity_bit) & 1 != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::g729::test_support::scaled;
    use proptest::prelude::*;

    /// The interpolation output by output with saturation, reading `exc`
    /// in place (so short lags read what was just written).
    fn pred_lt3_reference(exc: &mut [i16], start: usize, t0: i16, frac: i16) {
        let mut x0 = start as isize - t0 as isize;
        let mut frac = -frac;
        if frac < 0 {
            frac += 3;
            x0 -= 1;
        }
        let frac = frac.clamp(0, 2) as usize;
        if x0 < 10 || start + L_SUBFR > exc.len() || x0 as usize + L_SUBFR + 10 > exc.len() {
            return;
        }
        for j in 0..L_SUBFR {
            let x1 = x0 as usize + j;
            let mut s = 0i32;
            for i in 0..10 {
                s = l_mac(s, exc[x1 - i], INTER_3L[frac + 3 * i]);
                s = l_mac(s, exc[x1 + 1 + i], INTER_3L[3 - frac + 3 * i]);
            }
            exc[start + j] = round(s);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn pred_lt3_matches_the_saturating_definition(
            exc in scaled(200),
            t0 in 1i16..=PIT_MAX,
            frac in -1i16..=1,
        ) {
            let (mut ours, mut want) = (exc.clone(), exc);
            pred_lt3(&mut ours, 150, t0, frac);
            pred_lt3_reference(&mut want, 150, t0, frac);
            prop_assert_eq!(ours, want);
        }
    }
}
