//! Gain quantisation of the encoder (G.729 section 3.9.2): the two gains
//! are vector-quantised with the conjugate-structure codebooks GA and GB
//! after a pre-selection of 4 x 8 candidates, minimising the weighted error.

use super::L_SUBFR;
use super::basic_op::*;
use super::gain::{self, PastEnergies};
use super::tables::misc::{GAIN_COEF, GAIN_L_COEF, GBK1, GBK2, MAP1, MAP2, THR1, THR2};

const NCAN1: usize = 4;
const NCAN2: usize = 8;
const INV_COEF: i16 = -17103;
const GPCLIP2: i16 = 481;
const GP0999: i16 = 16383;

/// Correlations with the filtered codevector `y2` (Q12): returns the
/// mantissas and exponents of <y2,y2>, -2<xn,y2> and 2<y1,y2>.
pub fn corr_xy2(
    xn: &[i16; L_SUBFR],
    y1: &[i16; L_SUBFR],
    y2: &[i16; L_SUBFR],
) -> ([i16; 3], [i16; 3]) {
    let mut scaled = [0i16; L_SUBFR];
    for i in 0..L_SUBFR {
        scaled[i] = shr(y2[i], 3);
    }
    let norm = |a: &[i16; L_SUBFR], b: &[i16; L_SUBFR]| {
        let mut s = 1i32;
        for i in 0..L_SUBFR {
            s = l_mac(s, a[i], b[i]);
        }
        let e = norm_l(s);
        (round(l_shl(s, e)), e)
    };
    let (y2y2, e1) = norm(&scaled, &scaled);
    let (xny2, e2) = norm(xn, &scaled);
    let (y1y2, e3) = norm(y1, &scaled);
    (
        [y2y2, negate(xny2), y1y2],
        [add(e1, 3), sub(add(e2, -6), 1), sub(add(e3, -6), 1)],
    )
}

fn preselect(best_gain: [i16; 2], gcode0: i16) -> (usize, usize) {
    let l_cfbg = l_mult(GAIN_COEF[0][0], best_gain[0]);
    let l_acc = l_shr(GAIN_L_COEF[1][1], 15);
    let l_acc = l_add(l_cfbg, l_acc);
    let acc_h = extract_h(l_acc);
    let l_preg = l_mult(acc_h, gcode0);
    let l_acc = l_shl(l_deposit_l(best_gain[1]), 7);
    let l_acc = l_sub(l_acc, l_preg);
    let acc_h = extract_h(l_shl(l_acc, 2));
    let l_tmp_x = l_mult(acc_h, INV_COEF);

    let l_acc = l_shr(GAIN_L_COEF[0][1], 10);
    let l_acc = l_sub(l_cfbg, l_acc);
    let acc_h = extract_h(l_acc);
    let acc_h = mult(acc_h, gcode0);
    let l_tmp = l_mult(acc_h, GAIN_COEF[1][0]);
    let l_preg = l_mult(GAIN_COEF[0][0], best_gain[1]);
    let l_acc = l_sub(l_tmp, l_shr(l_preg, 3));
    let acc_h = extract_h(l_shl(l_acc, 2));
    let l_tmp_y = l_mult(acc_h, INV_COEF);

    let sft_y = 14 + 4 + 1 - 16;
    let sft_x = 15 + 4 + 1 - 15;
    let mut cand1 = 0usize;
    let mut cand2 = 0usize;
    if gcode0 > 0 {
        while cand1 < GBK1.len() - NCAN1
            && l_sub(l_tmp_y, l_shr(l_mult(THR1[cand1], gcode0), sft_y)) > 0
        {
            cand1 += 1;
        }
        while cand2 < GBK2.len() - NCAN2
            && l_sub(l_tmp_x, l_shr(l_mult(THR2[cand2], gcode0), sft_x)) > 0
        {
            cand2 += 1;
        }
    } else {
        while cand1 < GBK1.len() - NCAN1
            && l_sub(l_tmp_y, l_shr(l_mult(THR1[cand1], gcode0), sft_y)) < 0
        {
            cand1 += 1;
        }
        while cand2 < GBK2.len() - NCAN2
            && l_sub(l_tmp_x, l_shr(l_mult(THR2[cand2], gcode0), sft_x)) < 0
        {
            cand2 += 1;
        }
    }
    (cand1, cand2)
}

/// Combines two (mantissa, exponent) products `a*b - c*d`-style into a
/// normalised mantissa and its exponent, as the quantiser does for the
/// optimal gains.
fn difference(l1: i32, exp1: i16, l2: i32, exp2: i16) -> (i16, i16) {
    let (l, exp) = if exp1 > exp2 {
        (
            l_sub(l_shr(l1, add(sub(exp1, exp2), 1)), l_shr(l2, 1)),
            sub(exp2, 1),
        )
    } else {
        (
            l_sub(l_shr(l1, 1), l_shr(l2, add(sub(exp2, exp1), 1))),
            sub(exp1, 1),
        )
    };
    let sft = norm_l(l);
    (extract_h(l_shl(l, sft)), sub(add(exp, sft), 16))
}

/// Quantises the gains of a subframe. `coeff`/`exp_coeff` hold
/// <y1,y1>, -2<xn,y1>, <y2,y2>, -2<xn,y2>, 2<y1,y2> with their exponents.
/// Returns (7-bit index, pitch gain Q14, code gain Q1).
pub fn quantize(
    code: &[i16; L_SUBFR],
    coeff: &[i16; 5],
    exp_coeff: &[i16; 5],
    tame: bool,
    past: &mut PastEnergies,
) -> (i16, i16, i16) {
    let (gcode0, exp_gcode0) = gain::predict(past, code);

    let l_tmp1 = l_mult(coeff[0], coeff[2]);
    let exp1 = add(add(exp_coeff[0], exp_coeff[2]), 1 - 2);
    let l_tmp2 = l_mult(coeff[4], coeff[4]);
    let exp2 = add(add(exp_coeff[4], exp_coeff[4]), 1);
    let (l_tmp, exp) = if exp1 > exp2 {
        (l_sub(l_shr(l_tmp1, sub(exp1, exp2)), l_tmp2), exp2)
    } else {
        (l_sub(l_tmp1, l_shr(l_tmp2, sub(exp2, exp1))), exp1)
    };
    let sft = norm_l(l_tmp);
    let denom = extract_h(l_shl(l_tmp, sft));
    let exp_denom = sub(add(exp, sft), 16);
    let inv_denom = negate(div_s(16384, denom));
    let exp_inv_denom = sub(14 + 15, exp_denom);

    let (nume, exp_nume) = difference(
        l_mult(coeff[2], coeff[1]),
        add(exp_coeff[2], exp_coeff[1]),
        l_mult(coeff[3], coeff[4]),
        add(add(exp_coeff[3], exp_coeff[4]), 1),
    );
    let sft = sub(add(exp_nume, exp_inv_denom), 9 + 16 - 1);
    let mut best0 = extract_h(l_shr(l_mult(nume, inv_denom), sft));
    if tame && best0 > GPCLIP2 {
        best0 = GPCLIP2;
    }
    let (nume, exp_nume) = difference(
        l_mult(coeff[0], coeff[3]),
        add(exp_coeff[0], exp_coeff[3]),
        l_mult(coeff[1], coeff[4]),
        add(add(exp_coeff[1], exp_coeff[4]), 1),
    );
    let sft = sub(add(exp_nume, exp_inv_denom), 2 + 16 - 1);
    let best1 = extract_h(l_shr(l_mult(nume, inv_denom), sft));

    let gcode0_org = if exp_gcode0 >= 4 {
        shr(gcode0, sub(exp_gcode0, 4))
    } else {
        extract_h(l_shl(l_deposit_l(gcode0), sub(4 + 16, exp_gcode0)))
    };
    let (cand1, cand2) = preselect([best0, best1], gcode0_org);

    let exp_min = [
        add(exp_coeff[0], 13),
        add(exp_coeff[1], 14),
        add(exp_coeff[2], sub(shl(exp_gcode0, 1), 21)),
        add(exp_coeff[3], sub(exp_gcode0, 3)),
        add(exp_coeff[4], sub(exp_gcode0, 4)),
    ];
    let e_min = exp_min.iter().copied().min().unwrap_or(0);
    let mut c_hi = [0i16; 5];
    let mut c_lo = [0i16; 5];
    for i in 0..5 {
        let j = sub(exp_min[i], e_min);
        (c_hi[i], c_lo[i]) = l_extract(l_shr(l_deposit_h(coeff[i]), j));
    }
    let mut dist_min = i32::MAX;
    let (mut index1, mut index2) = (cand1, cand2);
    for i in 0..NCAN1 {
        for j in 0..NCAN2 {
            let (a, b) = (cand1 + i, cand2 + j);
            let g_pitch = add(GBK1[a][0], GBK2[b][0]);
            if tame && g_pitch >= GP0999 {
                continue;
            }
            let tmp = extract_l(l_shr(GBK1[a][1] as i32 + GBK2[b][1] as i32, 1));
            let g_code = mult(gcode0, tmp);
            let g2_pitch = mult(g_pitch, g_pitch);
            let g2_code = mult(g_code, g_code);
            let g_pit_cod = mult(g_code, g_pitch);
            let mut l = mpy_32_16(c_hi[0], c_lo[0], g2_pitch);
            l = l_add(l, mpy_32_16(c_hi[1], c_lo[1], g_pitch));
            l = l_add(l, mpy_32_16(c_hi[2], c_lo[2], g2_code));
            l = l_add(l, mpy_32_16(c_hi[3], c_lo[3], g_code));
            l = l_add(l, mpy_32_16(c_hi[4], c_lo[4], g_pit_cod));
            if l_sub(l, dist_min) < 0 {
                dist_min = l;
                index1 = a;
                index2 = b;
            }
        }
    }
    let gain_pitch = add(GBK1[index1][0], GBK2[index2][0]);
    let l_gbk12 = GBK1[index1][1] as i32 + GBK2[index2][1] as i32;
    let gain_code = gain::code_gain(l_gbk12, gcode0, exp_gcode0);
    gain::update(past, l_gbk12);
    let index = MAP1[index1] * 16 + MAP2[index2];
    (index, gain_pitch, gain_code)
}
