//! Algebraic codebook search of Annex A (section A.3.8): a depth-first
//! tree search over the four pulse tracks, pulse signs fixed by the
//! backward-filtered target.

use super::L_SUBFR;
use super::basic_op::*;
use super::pitch_search::cor_h_x;

const NB_POS: usize = 8;
const STEP: usize = 5;

/// Correlations of the impulse response between pulse positions.
struct Correlations {
    /// Running sums along each diagonal: `cum[40 * n + k]` is the high
    /// half of the sum of 2 * h[m] * h[m + k] for m <= n (k < 40 - n).
    cum: [i16; L_SUBFR * L_SUBFR],
    /// The sign chosen for a pulse at each position (Q15 +1 or -1).
    sign: [i16; L_SUBFR],
}

impl Correlations {
    fn new(h_in: &[i16; L_SUBFR], sign: [i16; L_SUBFR]) -> Self {
        let h = scaled_response(h_in);
        let mut cum = [0i16; L_SUBFR * L_SUBFR];
        // When 2*sum(h^2) fits in 32 bits no partial sum along any diagonal
        // can leave the range (Cauchy-Schwarz), so plain sums are exact.
        let fast = energy(0, &h) < i32::MAX;
        // acc[k] runs along diagonal k; step n adds h[n] * h[n + k] to
        // every diagonal at once (a loop the compiler vectorises).
        let mut acc = [0i32; L_SUBFR];
        for (n, row) in cum.chunks_exact_mut(L_SUBFR).enumerate() {
            let hn = h[n];
            let lanes = acc.iter_mut().zip(&h[n..]).zip(row.iter_mut());
            if fast {
                for ((a, &b), out) in lanes {
                    *a += 2 * (hn as i32 * b as i32);
                    *out = extract_h(*a);
                }
            } else {
                for ((a, &b), out) in lanes {
                    *a = l_mac(*a, hn, b);
                    *out = extract_h(*a);
                }
            }
        }
        Correlations { cum, sign }
    }

    /// Energy of the filtered pulse at position `i`.
    fn diag(&self, i: usize) -> i16 {
        self.cum
            .get(L_SUBFR * (L_SUBFR - 1 - i))
            .copied()
            .unwrap_or(0)
    }

    /// Correlation of the filtered pulses at positions `i` and `j` (`i != j`),
    /// with their signs folded in.
    fn cross(&self, i: usize, j: usize) -> i16 {
        let (lo, hi) = (i.min(j), i.max(j));
        let at = L_SUBFR * (L_SUBFR - 1 - hi) + hi - lo;
        let r = self.cum.get(at).copied().unwrap_or(0);
        let sign = |k: usize| self.sign.get(k).copied().unwrap_or(0);
        // Times +1 (32767) when the signs agree, -1 (-32768) when they differ.
        mult(r, sign(j) ^ (sign(i) >> 15))
    }

    /// `cross` between every position of track `a` and every position of
    /// track `b`: `[8 * pos_a + pos_b]`.
    fn track_pair(&self, a: usize, b: usize) -> [i16; NB_POS * NB_POS] {
        let mut out = [0i16; NB_POS * NB_POS];
        for (k, v) in out.iter_mut().enumerate() {
            *v = self.cross(k / NB_POS * STEP + a, k % NB_POS * STEP + b);
        }
        out
    }
}

/// `h` scaled as the search needs it: halved when its energy is large,
/// else normalised.
fn scaled_response(h_in: &[i16; L_SUBFR]) -> [i16; L_SUBFR] {
    let cor = energy(0, h_in);
    let mut h = [0i16; L_SUBFR];
    if extract_h(cor) > 32000 {
        for (o, &v) in h.iter_mut().zip(h_in) {
            *o = v >> 1;
        }
    } else {
        let k = shr(norm_l(cor), 1);
        for (o, &v) in h.iter_mut().zip(h_in) {
            *o = shl(v, k);
        }
    }
    h
}

/// Searches the codebook for the target `x` and impulse response `h`
/// (already including the pitch sharpening). Returns the codevector
/// (Q13), its filtered version `y` (Q12), the 13-bit index and the 4 sign bits.
pub fn search(
    x: &[i16; L_SUBFR],
    h: &[i16; L_SUBFR],
) -> ([i16; L_SUBFR], [i16; L_SUBFR], i16, i16) {
    let mut dn = cor_h_x(h, x);
    let mut sign = [0i16; L_SUBFR];
    for (s, d) in sign.iter_mut().zip(dn.iter_mut()) {
        // i16::MAX for a positive pulse, i16::MIN for a negative one.
        *s = i16::MAX ^ (*d >> 15);
        *d = d.saturating_abs();
    }
    let rr = Correlations::new(h, sign);

    const Q1_2: i16 = 16384;
    const Q1_4: i16 = 8192;
    const Q1_8: i16 = 4096;
    const Q1_16: i16 = 2048;
    let mut best = (-1i16, 1i16, [0usize, 1, 2, 3]);
    let maxima = |track: usize, dn: &[i16; L_SUBFR]| {
        let mut out = [0usize; 2];
        let mut prev = usize::MAX;
        for slot in out.iter_mut() {
            let mut max = -1i16;
            let mut at = track;
            let mut j = track;
            while j < L_SUBFR {
                if dn[j] > max && j != prev {
                    max = dn[j];
                    at = j;
                }
                j += STEP;
            }
            prev = at;
            *slot = at;
        }
        out
    };
    // The last two pulses are searched on tracks (0, 1) or (1, 2).
    let pair01 = rr.track_pair(0, 1);
    let pair12 = rr.track_pair(1, 2);
    for t3 in [3usize, 4] {
        // Search A: first pair on tracks 2 and t3, then tracks 0 and 1.
        // Search B: first pair on tracks t3 and 0, then tracks 1 and 2.
        for (ta, tb, tc, td) in [(2usize, t3, 0usize, 1usize), (t3, 0, 1, 2)] {
            let mut sq = -1i16;
            let mut alp = 1i16;
            let mut ps = 0i16;
            let (mut ix, mut iy) = (ta, tb);
            for i0 in maxima(ta, &dn) {
                let ps1 = dn[i0];
                let alp1 = l_mult(rr.diag(i0), Q1_4);
                for p1 in 0..NB_POS {
                    let i1 = p1 * STEP + tb;
                    let ps2 = add(ps1, dn[i1]);
                    let mut alp2 = l_mac(alp1, rr.cross(i0, i1), Q1_2);
                    alp2 = l_mac(alp2, rr.diag(i1), Q1_4);
                    let sq2 = mult(ps2, ps2);
                    let alp_16 = round(alp2);
                    if l_msu(l_mult(alp, sq2), sq, alp_16) > 0 {
                        sq = sq2;
                        ps = ps2;
                        alp = alp_16;
                        ix = i0;
                        iy = i1;
                    }
                }
            }
            let (i0, i1) = (ix, iy);
            let ps0 = ps;
            let alp0 = l_mult(alp, Q1_4);
            let mut rrv = [0i16; NB_POS];
            for (p3, v) in rrv.iter_mut().enumerate() {
                let i3 = p3 * STEP + td;
                let mut s = l_mult(rr.cross(i0, i3), Q1_4);
                s = l_mac(s, rr.cross(i1, i3), Q1_4);
                s = l_mac(s, rr.diag(i3), Q1_8);
                *v = round(s);
            }
            // The innermost loop in exact arithmetic: ps and dn are never
            // negative, so add(ps1, dn) is min(ps1 + dn, 32767) and
            // mult(ps2, ps2) is (ps2 * ps2) >> 15; alp1 and the sum before
            // the last multiply-accumulate stay within 32 bits, so
            // round(alp2) is the 64-bit sum rounded to 16 bits and
            // saturated; sq is never -32768, so the products of the test
            // are exact and it compares them directly.
            let mut dn3 = [0i32; NB_POS];
            let mut tail = [0i64; NB_POS];
            for (p3, (d, t)) in dn3.iter_mut().zip(tail.iter_mut()).enumerate() {
                *d = dn[p3 * STEP + td] as i32;
                *t = ((rrv[p3] as i64) << 15) + 0x8000;
            }
            let (mut sq, mut alp) = (-1i32, 1i32);
            let pair = if tc == 0 { &pair01 } else { &pair12 };
            let (mut jx, mut jy) = (tc, td);
            for (p2, cross23) in pair.chunks_exact(NB_POS).enumerate() {
                let i2 = p2 * STEP + tc;
                let ps1 = add(ps0, dn[i2]) as i32;
                let mut alp1 = l_mac(alp0, rr.cross(i0, i2), Q1_8);
                alp1 = l_mac(alp1, rr.cross(i1, i2), Q1_8);
                alp1 = l_mac(alp1, rr.diag(i2), Q1_16);
                for (p3, ((&d, &t), &c23)) in dn3.iter().zip(&tail).zip(cross23).enumerate() {
                    let ps2 = (ps1 + d).min(i16::MAX as i32);
                    let sq2 = (ps2 * ps2) >> 15;
                    let alp2 = alp1 as i64 + ((c23 as i64) << 13) + t;
                    let alp_16 = (alp2 >> 16).clamp(i16::MIN as i64, i16::MAX as i64) as i32;
                    if alp * sq2 > sq * alp_16 {
                        sq = sq2;
                        alp = alp_16;
                        jx = i2;
                        jy = p3 * STEP + td;
                    }
                }
            }
            let (sq, alp) = (sq as i16, alp as i16);
            if l_msu(l_mult(best.1, sq), best.0, alp) > 0 {
                let mut pos = [0usize; 4];
                for (track, at) in [(ta, i0), (tb, i1), (tc, jx), (td, jy)] {
                    pos[track.min(3)] = at;
                }
                best = (sq, alp, pos);
            }
        }
    }
    let pos = best.2;
    let mut code = [0i16; L_SUBFR];
    let mut y = [0i16; L_SUBFR];
    let mut signs = 0i16;
    for (k, &p) in pos.iter().enumerate() {
        let positive = sign[p] > 0;
        code[p] = if positive { 8192 } else { -8192 };
        if positive {
            signs |= 1 << k;
        }
        for i in p..L_SUBFR {
            y[i] = if positive {
                add(y[i], h[i - p])
            } else {
                sub(y[i], h[i - p])
            };
        }
    }
    let i3 = pos[3] / STEP;
    let jitter = (pos[3] - i3 * STEP - 3) as i16;
    let index = (pos[0] / STEP) as i16
        | ((pos[1] / STEP) as i16) << 3
        | ((pos[2] / STEP) as i16) << 6
        | ((i3 as i16 * 2 + jitter) << 9);
    (code, y, index, signs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::g729::test_support::scaled_array;
    use proptest::prelude::*;

    /// The search with every step in the saturating operators and the
    /// correlations summed along each diagonal with them: the definition
    /// the fast search must reproduce. Returns the four pulse positions.
    fn positions_reference(x: &[i16; L_SUBFR], h_in: &[i16; L_SUBFR]) -> [usize; 4] {
        let mut dn = cor_h_x(h_in, x);
        let mut sign = [0i16; L_SUBFR];
        for i in 0..L_SUBFR {
            sign[i] = if dn[i] >= 0 { i16::MAX } else { i16::MIN };
            dn[i] = if dn[i] >= 0 { dn[i] } else { negate(dn[i]) };
        }
        let h = scaled_response(h_in);
        let corr = |i: usize, j: usize| {
            let (lo, hi) = (i.min(j), i.max(j));
            let mut s = 0i32;
            for m in 0..=L_SUBFR - 1 - hi {
                s = l_mac(s, h[m], h[m + hi - lo]);
            }
            extract_h(s)
        };
        let diag = |i: usize| corr(i, i);
        let cross = |i: usize, j: usize| {
            let s = if (sign[i] < 0) == (sign[j] < 0) {
                i16::MAX
            } else {
                i16::MIN
            };
            mult(corr(i, j), s)
        };
        let maxima = |track: usize| {
            let mut out = [0usize; 2];
            let mut prev = usize::MAX;
            for slot in out.iter_mut() {
                let (mut max, mut at) = (-1i16, track);
                for j in (track..L_SUBFR).step_by(STEP) {
                    if dn[j] > max && j != prev {
                        (max, at) = (dn[j], j);
                    }
                }
                prev = at;
                *slot = at;
            }
            out
        };
        let mut best = (-1i16, 1i16, [0usize, 1, 2, 3]);
        for t3 in [3usize, 4] {
            for (ta, tb, tc, td) in [(2usize, t3, 0usize, 1usize), (t3, 0, 1, 2)] {
                let (mut sq, mut alp, mut ps, mut ix, mut iy) = (-1i16, 1i16, 0i16, ta, tb);
                for i0 in maxima(ta) {
                    let alp1 = l_mult(diag(i0), 8192);
                    for i1 in (tb..L_SUBFR).step_by(STEP) {
                        let ps2 = add(dn[i0], dn[i1]);
                        let alp2 = l_mac(l_mac(alp1, cross(i0, i1), 16384), diag(i1), 8192);
                        let (sq2, alp_16) = (mult(ps2, ps2), round(alp2));
                        if l_msu(l_mult(alp, sq2), sq, alp_16) > 0 {
                            (sq, ps, alp, ix, iy) = (sq2, ps2, alp_16, i0, i1);
                        }
                    }
                }
                let (i0, i1, ps0, alp0) = (ix, iy, ps, l_mult(alp, 8192));
                let (mut sq, mut alp, mut jx, mut jy) = (-1i16, 1i16, tc, td);
                for i2 in (tc..L_SUBFR).step_by(STEP) {
                    let ps1 = add(ps0, dn[i2]);
                    let mut alp1 = l_mac(alp0, cross(i0, i2), 4096);
                    alp1 = l_mac(alp1, cross(i1, i2), 4096);
                    alp1 = l_mac(alp1, diag(i2), 2048);
                    for i3 in (td..L_SUBFR).step_by(STEP) {
                        let mut s = l_mult(cross(i0, i3), 8192);
                        s = l_mac(s, cross(i1, i3), 8192);
                        let rv = round(l_mac(s, diag(i3), 4096));
                        let ps2 = add(ps1, dn[i3]);
                        let alp2 = l_mac(l_mac(alp1, cross(i2, i3), 4096), rv, 16384);
                        let (sq2, alp_16) = (mult(ps2, ps2), round(alp2));
                        if l_msu(l_mult(alp, sq2), sq, alp_16) > 0 {
                            (sq, alp, jx, jy) = (sq2, alp_16, i2, i3);
                        }
                    }
                }
                if l_msu(l_mult(best.1, sq), best.0, alp) > 0 {
                    let mut pos = [0usize; 4];
                    for (track, at) in [(ta, i0), (tb, i1), (tc, jx), (td, jy)] {
                        pos[track.min(3)] = at;
                    }
                    best = (sq, alp, pos);
                }
            }
        }
        best.2
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn search_matches_the_saturating_definition(
            x in scaled_array::<L_SUBFR>(),
            h in scaled_array::<L_SUBFR>(),
        ) {
            let (code, _, _, _) = search(&x, &h);
            let mut want = positions_reference(&x, &h);
            want.sort_unstable();
            let got: Vec<usize> = (0..L_SUBFR).filter(|&i| code[i] != 0).collect();
            prop_assert_eq!(got, want.to_vec());
        }
    }
}
