//! LSF quantisation of the encoder (G.729 section 3.2.4): switched MA
//! prediction, a 7-bit first stage and two 5-bit second stages searched
//! with a weighted distance, keeping the better of the two predictors.

use super::M;
use super::basic_op::*;
use super::lsp::{self, FreqPrev, GAP1, GAP2, NC};
use super::tables::lsp::{FG, FG_SUM, FG_SUM_INV, LSPCB1, LSPCB2};

const PI04: i16 = 1029;
const PI92: i16 = 23677;
const CONST10: i16 = 20480;
const CONST12: i16 = 19661;

/// Weights of the LSF distance (section 3.2.4, eq. 21), normalised.
fn weights(lsf: &[i16; M]) -> [i16; M] {
    let mut buf = [0i16; M];
    buf[0] = sub(lsf[1], PI04 + 8192);
    for i in 1..M - 1 {
        buf[i] = sub(sub(lsf[i + 1], lsf[i - 1]), 8192);
    }
    buf[M - 1] = sub(PI92 - 8192, lsf[M - 2]);
    let mut w = [0i16; M];
    for i in 0..M {
        w[i] = if buf[i] > 0 {
            2048
        } else {
            let t = extract_h(l_shl(l_mult(buf[i], buf[i]), 2));
            let t = extract_h(l_shl(l_mult(t, CONST10), 2));
            add(t, 2048)
        };
    }
    w[4] = extract_h(l_shl(l_mult(w[4], CONST12), 1));
    w[5] = extract_h(l_shl(l_mult(w[5], CONST12), 1));
    let max = w.iter().copied().max().unwrap_or(1);
    let sft = norm_s(max);
    for v in w.iter_mut() {
        *v = shl(*v, sft);
    }
    w
}

/// The first-stage codebook by coordinate: `LSPCB1_T[j][row]`.
const LSPCB1_T: [[i16; LSPCB1.len()]; M] = {
    let mut t = [[0i16; LSPCB1.len()]; M];
    let mut row = 0;
    while row < LSPCB1.len() {
        let mut j = 0;
        while j < M {
            t[j][row] = LSPCB1[row][j];
            j += 1;
        }
        row += 1;
    }
    t
};

/// The first-stage entry nearest to `target`: the first smallest
/// sum(2 * sub(target, row)^2), saturated to 32 bits as the chain of
/// multiply-accumulates would be (every term is non-negative).
fn pre_select(target: &[i16; M]) -> usize {
    // Eight rows at a time. Half the distance is kept clamped at 2^30
    // (where the doubled sum saturates), which keeps it within u32.
    const SATURATED: u32 = 1 << 30;
    let mut best = (i32::MAX, 0);
    for block in 0..LSPCB1.len() / 8 {
        let mut half = [0u32; 8];
        for (&x, column) in target.iter().zip(&LSPCB1_T) {
            let Some(c) = column.get(8 * block..8 * block + 8) else {
                continue;
            };
            for (h, &c) in half.iter_mut().zip(c) {
                let t = sub(x, c) as i32;
                *h = (*h + (t * t) as u32).min(SATURATED);
            }
        }
        for (k, &h) in half.iter().enumerate() {
            let d = (2 * h as u64).min(i32::MAX as u64) as i32;
            if d < best.0 {
                best = (d, 8 * block + k);
            }
        }
    }
    best.1
}

fn select_second(
    target: &[i16; M],
    first: &[i16; M],
    w: &[i16; M],
    range: std::ops::Range<usize>,
) -> usize {
    let mut buf = [0i16; M];
    for j in range.clone() {
        buf[j] = sub(target[j], first[j]);
    }
    // Every term 2 * mult(w, t) * t is non-negative (w > 0) and below 2^31,
    // so the chain of saturating multiply-accumulates is the exact sum
    // clamped to 32 bits.
    let mut best = (i32::MAX, 0);
    let (buf, w) = (&buf[range.clone()], &w[range.clone()]);
    for (k, row) in LSPCB2.iter().enumerate() {
        let mut d = 0i64;
        for ((&b, &c), &w) in buf.iter().zip(&row[range.clone()]).zip(w) {
            let t = sub(b, c) as i32;
            d += 2 * (((w as i32 * t) >> 15) * t) as i64;
        }
        let d = d.min(i32::MAX as i64) as i32;
        if d < best.0 {
            best = (d, k);
        }
    }
    best.1
}

fn total_distance(w: &[i16; M], buf: &[i16; M], target: &[i16; M], fg_sum: &[i16; M]) -> i32 {
    let mut d = 0i32;
    for j in 0..M {
        let t = mult(sub(buf[j], target[j]), fg_sum[j]);
        let t2 = extract_h(l_shl(l_mult(w[j], t), 4));
        d = l_mac(d, t2, t);
    }
    d
}

/// Quantises the LSFs (Q13): returns the quantised LSFs and the two
/// transmitted words (mode<<7 | L1, L2<<5 | L3); updates the predictor.
pub fn quantize(lsf: &[i16; M], freq_prev: &mut FreqPrev) -> ([i16; M], i16, i16) {
    let w = weights(lsf);
    let mut cand = [(0usize, 0usize, 0usize); 2];
    let mut dist = [0i32; 2];
    for mode in 0..2 {
        let target = lsp::prev_extract(lsf, &FG[mode], &FG_SUM_INV[mode], freq_prev);
        let c1 = pre_select(&target);
        let l2 = select_second(&target, &LSPCB1[c1], &w, 0..NC);
        let mut buf = [0i16; M];
        for j in 0..NC {
            buf[j] = add(LSPCB1[c1][j], LSPCB2[l2][j]);
        }
        lsp::expand(&mut buf, GAP1, 1..NC);
        let l3 = select_second(&target, &LSPCB1[c1], &w, NC..M);
        for j in NC..M {
            buf[j] = add(LSPCB1[c1][j], LSPCB2[l3][j]);
        }
        lsp::expand(&mut buf, GAP1, NC..M);
        lsp::expand(&mut buf, GAP2, 1..M);
        dist[mode] = total_distance(&w, &buf, &target, &FG_SUM[mode]);
        cand[mode] = (c1, l2, l3);
    }
    let mode = usize::from(dist[1] < dist[0]);
    let (c1, l2, l3) = cand[mode];
    let q = lsp::decode_lsf(mode, c1, l2, l3, freq_prev);
    (q, ((mode << 7) | c1) as i16, ((l2 << 5) | l3) as i16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::g729::test_support::scaled_array;
    use proptest::prelude::*;

    fn pre_select_reference(target: &[i16; M]) -> usize {
        let mut best = (i32::MAX, 0);
        for (i, row) in LSPCB1.iter().enumerate() {
            let mut d = 0i32;
            for j in 0..M {
                let t = sub(target[j], row[j]);
                d = l_mac(d, t, t);
            }
            if d < best.0 {
                best = (d, i);
            }
        }
        best.1
    }

    fn select_second_reference(
        target: &[i16; M],
        first: &[i16; M],
        w: &[i16; M],
        range: std::ops::Range<usize>,
    ) -> usize {
        let mut best = (i32::MAX, 0);
        for (k, row) in LSPCB2.iter().enumerate() {
            let mut d = 0i32;
            for j in range.clone() {
                let t = sub(sub(target[j], first[j]), row[j]);
                d = l_mac(d, mult(w[j], t), t);
            }
            if d < best.0 {
                best = (d, k);
            }
        }
        best.1
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn searches_match_the_saturating_definition(
            target in scaled_array::<M>(),
            lsf in scaled_array::<M>(),
            first in 0..LSPCB1.len(),
        ) {
            prop_assert_eq!(pre_select(&target), pre_select_reference(&target));
            let w = weights(&lsf);
            for range in [0..NC, NC..M] {
                prop_assert_eq!(
                    select_second(&target, &LSPCB1[first], &w, range.clone()),
                    select_second_reference(&target, &LSPCB1[first], &w, range)
                );
            }
        }
    }
}
