//! The G.729 Annex A encoder (section 3 and A.3).

use super::adaptive_codebook::{PIT_MAX, parity, second_range};
use super::basic_op::*;
use super::bitstream::FrameParams;
use super::filters::{convolve, residu, syn_filt, weight_az};
use super::fixed_codebook::{SHARPMAX, SHARPMIN};
use super::gain::{self, PAST_QUA_EN_RESET, PastEnergies};
use super::high_pass::HighPass;
use super::lpc_analysis::{L_WINDOW, Levinson, autocorrelation, az_to_lsp, lag_window};
use super::lsp::{self, FreqPrev};
use super::tables::lsp::FREQ_PREV_RESET;
use super::taming::Taming;
use super::{
    L_FRAME, L_SUBFR, LSP_RESET, M, acelp_search, gain_quantizer, lsp_quantizer, pitch_search,
};

const GAMMA1: i16 = 24576;
const GPCLIP: i16 = 15564;
const HIST: usize = PIT_MAX as usize + 11;
/// Offset of the current frame in the speech buffer (120 past samples).
const SPEECH_AT: usize = L_WINDOW - L_FRAME - 40;

/// A G.729 Annex A encoder: 80 samples (10 ms at 8 kHz) in, 10 bytes out.
#[derive(Clone, Debug)]
pub struct G729Encoder {
    high_pass: HighPass,
    speech: [i16; L_WINDOW],
    wsp: [i16; PIT_MAX as usize + L_FRAME],
    exc: [i16; HIST + L_FRAME],
    mem_w: [i16; M],
    mem_w0: [i16; M],
    levinson: Levinson,
    lsp_old: [i16; M],
    lsp_old_q: [i16; M],
    freq_prev: FreqPrev,
    past_qua_en: PastEnergies,
    sharp: i16,
    taming: Taming,
}

impl Default for G729Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl G729Encoder {
    /// An encoder in the reset state of the standard.
    pub fn new() -> Self {
        G729Encoder {
            high_pass: HighPass::default(),
            speech: [0; L_WINDOW],
            wsp: [0; PIT_MAX as usize + L_FRAME],
            exc: [0; HIST + L_FRAME],
            mem_w: [0; M],
            mem_w0: [0; M],
            levinson: Levinson::new(),
            lsp_old: LSP_RESET,
            lsp_old_q: LSP_RESET,
            freq_prev: [FREQ_PREV_RESET; 4],
            past_qua_en: PAST_QUA_EN_RESET,
            sharp: SHARPMIN,
            taming: Taming::new(),
        }
    }

    /// Encodes 80 samples of 8 kHz PCM into one 10-byte frame.
    pub fn encode_frame(&mut self, pcm: &[i16; L_FRAME]) -> [u8; 10] {
        self.speech.copy_within(L_FRAME.., 0);
        let new = &mut self.speech[L_WINDOW - L_FRAME..];
        new.copy_from_slice(pcm);
        self.high_pass.pre_process(new);

        let (mut r_h, mut r_l) = autocorrelation(&self.speech);
        lag_window(&mut r_h, &mut r_l);
        let a = self.levinson.solve(&r_h, &r_l);
        let lsp_new = az_to_lsp(&a, &self.lsp_old);
        let lsf = lsp::lsp_to_lsf(&lsp_new);
        let (lsf_q, l0_l1, l2_l3) = lsp_quantizer::quantize(&lsf, &mut self.freq_prev);
        let lsp_new_q = lsp::lsf_to_lsp(&lsf_q);
        let aq = lsp::interpolate_az(&self.lsp_old_q, &lsp_new_q);
        self.lsp_old = lsp_new;
        self.lsp_old_q = lsp_new_q;

        for (sf, a) in aq.iter().enumerate() {
            let at = SPEECH_AT + sf * L_SUBFR;
            let mut res = [0i16; L_SUBFR];
            residu(a, &self.speech[at - M..at + L_SUBFR], &mut res);
            self.exc[HIST + sf * L_SUBFR..HIST + (sf + 1) * L_SUBFR].copy_from_slice(&res);
        }
        let pm = PIT_MAX as usize;
        let ap = [weight_az(&aq[0], GAMMA1), weight_az(&aq[1], GAMMA1)];
        for (sf, a) in ap.iter().enumerate() {
            let mut ap1 = [0i16; M + 1];
            ap1[0] = 4096;
            for i in 1..=M {
                ap1[i] = sub(a[i], mult(a[i - 1], 22938));
            }
            let from = HIST + sf * L_SUBFR;
            let input: [i16; L_SUBFR] = self.exc[from..from + L_SUBFR]
                .try_into()
                .unwrap_or([0; L_SUBFR]);
            syn_filt(
                &ap1,
                &input,
                &mut self.wsp[pm + sf * L_SUBFR..pm + (sf + 1) * L_SUBFR],
                &mut self.mem_w,
                true,
            );
        }
        let t_op = pitch_search::open_loop(&self.wsp);

        let mut params = FrameParams {
            l0_l1,
            l2_l3,
            ..FrameParams::default()
        };
        let (mut t0_min, mut t0_max) = pitch_search::first_range(t_op);
        for sf in 0..2 {
            let start = HIST + sf * L_SUBFR;
            let ap = &ap[sf];
            let mut impulse = [0i16; L_SUBFR];
            impulse[0] = 4096;
            let mut h1 = [0i16; L_SUBFR];
            syn_filt(ap, &impulse, &mut h1, &mut [0; M], false);
            let mut xn = [0i16; L_SUBFR];
            let res: [i16; L_SUBFR] = self.exc[start..start + L_SUBFR]
                .try_into()
                .unwrap_or([0; L_SUBFR]);
            syn_filt(ap, &res, &mut xn, &mut self.mem_w0.clone(), false);

            let first = sf == 0;
            let (t0, frac) =
                pitch_search::closed_loop(&mut self.exc, start, &xn, &h1, t0_min, t0_max, first);
            let lag_index = pitch_search::encode_lag(t0, frac, first, t0_min);
            if first {
                params.p1 = lag_index;
                params.p0 = parity(lag_index);
                (t0_min, t0_max) = second_range(t0);
            } else {
                params.p2 = lag_index;
            }

            let mut y1 = [0i16; L_SUBFR];
            convolve(&self.exc[start..start + L_SUBFR], &h1, &mut y1);
            let (mut gain_pit, g_coeff) = pitch_search::pitch_gain(&xn, &y1);
            let tame = self.taming.needed(t0, frac);
            if tame && gain_pit > GPCLIP {
                gain_pit = GPCLIP;
            }
            let mut xn2 = [0i16; L_SUBFR];
            for i in 0..L_SUBFR {
                let l = l_shl(l_mult(y1[i], gain_pit), 1);
                xn2[i] = sub(xn[i], extract_h(l));
            }

            let sharp = shl(self.sharp, 1);
            let t = t0.max(1) as usize;
            for i in t..L_SUBFR {
                h1[i] = add(h1[i], mult(h1[i - t], sharp));
            }
            let (mut code, y2, c_index, signs) = acelp_search::search(&xn2, &h1);
            for i in t..L_SUBFR {
                code[i] = add(code[i], mult(code[i - t], sharp));
            }

            let (c2, e2) = gain_quantizer::corr_xy2(&xn, &y1, &y2);
            let coeff = [g_coeff[0], negate(g_coeff[2]), c2[0], c2[1], c2[2]];
            let exp_coeff = [
                negate(g_coeff[1]),
                negate(add(g_coeff[3], 1)),
                e2[0],
                e2[1],
                e2[2],
            ];
            let (g_index, gain_pitch, gain_code) =
                gain_quantizer::quantize(&code, &coeff, &exp_coeff, tame, &mut self.past_qua_en);
            if first {
                (params.c1, params.s1, params.g1) = (c_index, signs, g_index);
            } else {
                (params.c2, params.s2, params.g2) = (c_index, signs, g_index);
            }

            self.sharp = gain_pitch.clamp(SHARPMIN, SHARPMAX);
            gain::mix_excitation(
                &mut self.exc[start..start + L_SUBFR],
                &code,
                gain_pitch,
                gain_code,
            );
            self.taming.update(gain_pitch, t0);
            for (j, i) in (L_SUBFR - M..L_SUBFR).enumerate() {
                let temp = extract_h(l_shl(l_mult(y1[i], gain_pitch), 1));
                let k = extract_h(l_shl(l_mult(y2[i], gain_code), 2));
                self.mem_w0[j] = sub(xn[i], add(temp, k));
            }
        }
        self.exc.copy_within(L_FRAME.., 0);
        self.wsp.copy_within(L_FRAME.., 0);
        params.pack()
    }
}
