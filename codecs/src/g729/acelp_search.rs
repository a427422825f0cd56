//! Algebraic codebook search of Annex A (section A.3.8): a depth-first
//! tree search over the four pulse tracks, pulse signs fixed by the
//! backward-filtered target.

use super::L_SUBFR;
use super::basic_op::*;
use super::pitch_search::cor_h_x;

const NB_POS: usize = 8;
const STEP: usize = 5;
const MSIZE: usize = 64;

/// Correlations of the impulse response between pulse positions, track by track.
struct Correlations {
    /// Diagonal terms per track (tracks 0..=4, 4 being the second half of track 3).
    diag: [[i16; NB_POS]; 5],
    /// Cross terms rr[track_a][track_b][8*pos_a + pos_b], with signs folded in.
    cross: [[[i16; MSIZE]; 5]; 5],
}

fn correlations(h_in: &[i16; L_SUBFR]) -> Correlations {
    let mut cor = 0i32;
    for &v in h_in.iter() {
        cor = l_mac(cor, v, v);
    }
    let mut h = [0i16; L_SUBFR];
    if extract_h(cor) > 32000 {
        for i in 0..L_SUBFR {
            h[i] = shr(h_in[i], 1);
        }
    } else {
        let k = shr(norm_l(cor), 1);
        for i in 0..L_SUBFR {
            h[i] = shl(h_in[i], k);
        }
    }
    // Running sums along each diagonal: cum[k][n] = sum of h[m]*h[m+k] for m <= n.
    let mut cum = [[0i16; L_SUBFR]; L_SUBFR];
    // When 2*sum(h^2) fits in 32 bits no partial sum along any diagonal can
    // leave the range (Cauchy-Schwarz), so plain sums are exact.
    let fast = energy(0, &h) < i32::MAX;
    for (k, row) in cum.iter_mut().enumerate() {
        let mut s = 0i32;
        for (n, slot) in row[..L_SUBFR - k].iter_mut().enumerate() {
            s = if fast {
                s.wrapping_add(2 * (h[n] as i32 * h[n + k] as i32))
            } else {
                l_mac(s, h[n], h[n + k])
            };
            *slot = extract_h(s);
        }
    }
    let mut c = Correlations {
        diag: [[0; NB_POS]; 5],
        cross: [[[0; MSIZE]; 5]; 5],
    };
    for pos in 0..L_SUBFR {
        c.diag[pos % STEP][pos / STEP] = cum[0][L_SUBFR - 1 - pos];
    }
    for ta in 0..5 {
        for tb in (ta + 1..5).filter(|&tb| (ta, tb) != (3, 4)) {
            for pa in 0..NB_POS {
                for pb in 0..NB_POS {
                    let (i, j) = (pa * STEP + ta, pb * STEP + tb);
                    let (lo, hi) = if i < j { (i, j) } else { (j, i) };
                    c.cross[ta][tb][pa * NB_POS + pb] = cum[hi - lo][L_SUBFR - 1 - hi];
                }
            }
        }
    }
    c
}

/// Searches the codebook for the target `x` and impulse response `h`
/// (already including the pitch sharpening). Returns the codevector
/// (Q13), its filtered version `y` (Q12), the 13-bit index and the 4 sign bits.
pub fn search(
    x: &[i16; L_SUBFR],
    h: &[i16; L_SUBFR],
) -> ([i16; L_SUBFR], [i16; L_SUBFR], i16, i16) {
    let mut dn = cor_h_x(h, x);
    let mut rr = correlations(h);
    let mut sign = [0i16; L_SUBFR];
    let mut sign_inv = [0i16; L_SUBFR];
    for i in 0..L_SUBFR {
        if dn[i] >= 0 {
            sign[i] = i16::MAX;
            sign_inv[i] = i16::MIN;
        } else {
            sign[i] = i16::MIN;
            sign_inv[i] = i16::MAX;
            dn[i] = negate(dn[i]);
        }
    }
    for ta in 0..5 {
        for tb in (ta + 1..5).filter(|&tb| (ta, tb) != (3, 4)) {
            for pa in 0..NB_POS {
                let ia = pa * STEP + ta;
                let s = if sign[ia] < 0 { &sign_inv } else { &sign };
                for pb in 0..NB_POS {
                    let ib = pb * STEP + tb;
                    let v = &mut rr.cross[ta][tb][pa * NB_POS + pb];
                    *v = mult(*v, s[ib]);
                }
            }
        }
    }
    let rc = |a: usize, b: usize, pa: usize, pb: usize| -> i16 {
        if a < b {
            rr.cross[a][b][pa * NB_POS + pb]
        } else {
            rr.cross[b][a][pb * NB_POS + pa]
        }
    };

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
    for t3 in [3usize, 4] {
        // Search A: first pair on tracks 2 and t3, then tracks 0 and 1.
        // Search B: first pair on tracks t3 and 0, then tracks 1 and 2.
        for (ta, tb, tc, td) in [(2usize, t3, 0usize, 1usize), (t3, 0, 1, 2)] {
            let mut sq = -1i16;
            let mut alp = 1i16;
            let mut ps = 0i16;
            let (mut ix, mut iy) = (ta, tb);
            for i0 in maxima(ta, &dn) {
                let p0 = i0 / STEP;
                let ps1 = dn[i0];
                let alp1 = l_mult(rr.diag[ta][p0], Q1_4);
                for p1 in 0..NB_POS {
                    let i1 = p1 * STEP + tb;
                    let ps2 = add(ps1, dn[i1]);
                    let mut alp2 = l_mac(alp1, rc(ta, tb, p0, p1), Q1_2);
                    alp2 = l_mac(alp2, rr.diag[tb][p1], Q1_4);
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
            let (p0, p1) = (i0 / STEP, i1 / STEP);
            let ps0 = ps;
            let alp0 = l_mult(alp, Q1_4);
            let mut sq = -1i16;
            let mut alp = 1i16;
            let mut rrv = [0i16; NB_POS];
            for (p3, v) in rrv.iter_mut().enumerate() {
                let mut s = l_mult(rc(ta, td, p0, p3), Q1_4);
                s = l_mac(s, rc(tb, td, p1, p3), Q1_4);
                s = l_mac(s, rr.diag[td][p3], Q1_8);
                *v = round(s);
            }
            let (mut jx, mut jy) = (tc, td);
            for p2 in 0..NB_POS {
                let i2 = p2 * STEP + tc;
                let ps1 = add(ps0, dn[i2]);
                let mut alp1 = l_mac(alp0, rc(ta, tc, p0, p2), Q1_8);
                alp1 = l_mac(alp1, rc(tb, tc, p1, p2), Q1_8);
                alp1 = l_mac(alp1, rr.diag[tc][p2], Q1_16);
                for (p3, &rv) in rrv.iter().enumerate() {
                    let i3 = p3 * STEP + td;
                    let ps2 = add(ps1, dn[i3]);
                    let mut alp2 = l_mac(alp1, rc(tc, td, p2, p3), Q1_8);
                    alp2 = l_mac(alp2, rv, Q1_2);
                    let sq2 = mult(ps2, ps2);
                    let alp_16 = round(alp2);
                    if l_msu(l_mult(alp, sq2), sq, alp_16) > 0 {
                        sq = sq2;
                        alp = alp_16;
                        jx = i2;
                        jy = i3;
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
