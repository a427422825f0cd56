//! Gain prediction and decoding (G.729 section 3.9.1 and 4.1.5): the
//! fixed-codebook gain is predicted from the energies of the last four
//! subframes by a fixed MA predictor in the log domain.

use super::L_SUBFR;
use super::basic_op::*;
use super::tables::misc::{GAIN_PRED, GBK1, GBK2, IMAP1, IMAP2};

/// Past quantised energies (20 log10 of the correction factor), Q10.
pub type PastEnergies = [i16; 4];

/// Initial past energies: -14 dB in Q10.
pub const PAST_QUA_EN_RESET: PastEnergies = [-14336; 4];

/// Predicted fixed-codebook gain of `code` (Q13): mantissa and right shift.
pub fn predict(past: &PastEnergies, code: &[i16; L_SUBFR]) -> (i16, i16) {
    let mut l = 0i32;
    for &c in code.iter() {
        l = l_mac(l, c, c);
    }
    let (exp, frac) = log2(l);
    let mut l = mpy_32_16(exp, frac, -24660);
    l = l_mac(l, 32588, 32);
    l = l_shl(l, 10);
    for i in 0..4 {
        l = l_mac(l, GAIN_PRED[i], past[i]);
    }
    let gcode0 = extract_h(l);
    let l = l_shr(l_mult(gcode0, 5439), 8);
    let (exp, frac) = l_extract(l);
    let gcode0 = extract_l(pow2(14, frac));
    (gcode0, sub(14, exp))
}

/// Pushes the energy of the quantised correction factor `l_gbk12` (Q13).
pub fn update(past: &mut PastEnergies, l_gbk12: i32) {
    past.copy_within(0..3, 1);
    let (exp, frac) = log2(l_gbk12);
    let exp = sub(exp, 13);
    let l = mpy_32_16(exp, frac, 24660);
    past[0] = extract_h(l_shl(l, 13));
}

/// Energy update for an erased subframe: mean of the past minus 4 dB, floored at -14 dB.
pub fn update_erasure(past: &mut PastEnergies) {
    let mut l = 0i32;
    for &e in past.iter() {
        l = l_add(l, e as i32);
    }
    let mut av = extract_l(l_shr(l, 2));
    av = sub(av, 4096);
    if av < -14336 {
        av = -14336;
    }
    past.copy_within(0..3, 1);
    past[0] = av;
}

/// Code gain (Q1) from the codebook sum `l_gbk12` (Q13) and the prediction.
pub fn code_gain(l_gbk12: i32, gcode0: i16, exp_gcode0: i16) -> i16 {
    let tmp = extract_l(l_shr(l_gbk12, 1));
    let l = l_mult(tmp, gcode0);
    round(l_shl(l, add(negate(exp_gcode0), 4)))
}

/// Decodes the 7-bit gain index (GA in bits 6..4, GB in 3..0): returns
/// (pitch gain Q14, code gain Q1) and updates the predictor.
pub fn decode(index: i16, code: &[i16; L_SUBFR], past: &mut PastEnergies) -> (i16, i16) {
    let i1 = IMAP1[((index >> 4) & 7) as usize] as usize;
    let i2 = IMAP2[(index & 15) as usize] as usize;
    let gain_pitch = add(GBK1[i1][0], GBK2[i2][0]);
    let l_gbk12 = GBK1[i1][1] as i32 + GBK2[i2][1] as i32;
    let (gcode0, exp_gcode0) = predict(past, code);
    let gain_code = code_gain(l_gbk12, gcode0, exp_gcode0);
    update(past, l_gbk12);
    (gain_pitch, gain_code)
}

/// Total excitation `gp * adaptive + gc * code`, written over the adaptive
/// vector in `exc` (Q0; `gp` Q14, `code` Q13, `gc` Q1).
pub fn mix_excitation(exc: &mut [i16], code: &[i16; L_SUBFR], gp: i16, gc: i16) {
    // round(l_shl(l_mac(p, c, gc), 1)) saturates at each step, but the
    // clamps compose: it is the doubled sum, rounded to 16 bits and
    // saturated once.
    for (e, &c) in exc.iter_mut().zip(code) {
        let sum = l_mult(*e, gp) as i64 + l_mult(c, gc) as i64;
        *e = ((2 * sum + 0x8000) >> 16).clamp(i16::MIN as i64, i16::MAX as i64) as i16;
    }
}

/// Gains for an erased subframe: attenuated previous gains.
pub fn conceal(gain_pitch: i16, gain_code: i16, past: &mut PastEnergies) -> (i16, i16) {
    let mut gp = mult(gain_pitch, 29491);
    if gp > 14746 {
        gp = 14746;
    }
    let gc = mult(gain_code, 32111);
    update_erasure(past);
    (gp, gc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::g729::test_support::{scaled, scaled_array};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn mix_excitation_matches_the_saturating_definition(
            exc in scaled(L_SUBFR),
            code in scaled_array::<L_SUBFR>(),
            gp in any::<i16>(),
            gc in any::<i16>(),
        ) {
            let want: Vec<i16> = exc
                .iter()
                .zip(&code)
                .map(|(&e, &c)| round(l_shl(l_mac(l_mult(e, gp), c, gc), 1)))
                .collect();
            let mut got = exc;
            mix_excitation(&mut got, &code, gp, gc);
            prop_assert_eq!(got, want);
        }
    }
}
