//! The G.729 Annex A decoder (section 4 and A.4) with frame erasure
//! concealment (section 4.4) and Annex B comfort noise.

use super::adaptive_codebook::{
    PIT_MAX, decode_lag_first, decode_lag_second, parity_error, pred_lt3,
};
use super::basic_op::*;
use super::bitstream::{FrameParams, SidParams};
use super::comfort_noise::ComfortNoise;
use super::filters::syn_filt;
use super::fixed_codebook::{self, SHARPMAX, SHARPMIN};
use super::gain::{self, PAST_QUA_EN_RESET, PastEnergies};
use super::high_pass::HighPass;
use super::lsp::{self, FreqPrev};
use super::postfilter::PostFilter;
use super::random::Random;
use super::tables::lsp::FREQ_PREV_RESET;
use super::{L_FRAME, L_SUBFR, LSP_RESET, M};

const HIST: usize = PIT_MAX as usize + 11;
const EXC_LEN: usize = HIST + L_FRAME;

/// What the previous frame was, for the Annex B decisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FrameKind {
    Speech,
    Noise,
}

/// A G.729 Annex A decoder with Annex B comfort noise: 10-byte frames in,
/// 80 samples (10 ms at 8 kHz) out.
#[derive(Clone, Debug)]
pub struct G729Decoder {
    exc: [i16; EXC_LEN],
    mem_syn: [i16; M],
    synth_hist: [i16; M],
    lsp_old: [i16; M],
    freq_prev: FreqPrev,
    prev_lsf: [i16; M],
    prev_ma: usize,
    past_qua_en: PastEnergies,
    sharp: i16,
    old_t0: i16,
    gain_pitch: i16,
    gain_code: i16,
    erasure_rng: Random,
    postfilter: PostFilter,
    high_pass: HighPass,
    noise: ComfortNoise,
    last: FrameKind,
}

impl Default for G729Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl G729Decoder {
    /// A decoder in the reset state of the standard.
    pub fn new() -> Self {
        G729Decoder {
            exc: [0; EXC_LEN],
            mem_syn: [0; M],
            synth_hist: [0; M],
            lsp_old: LSP_RESET,
            freq_prev: [FREQ_PREV_RESET; 4],
            prev_lsf: FREQ_PREV_RESET,
            prev_ma: 0,
            past_qua_en: PAST_QUA_EN_RESET,
            sharp: SHARPMIN,
            old_t0: 60,
            gain_pitch: 0,
            gain_code: 0,
            erasure_rng: Random::new(21845),
            postfilter: PostFilter::new(),
            high_pass: HighPass::default(),
            noise: ComfortNoise::new(),
            last: FrameKind::Speech,
        }
    }

    /// Decodes one 10-byte speech frame.
    pub fn decode_frame(&mut self, frame: &[u8; 10]) -> [i16; L_FRAME] {
        let params = FrameParams::unpack(frame);
        self.speech_frame(&params, false)
    }

    /// Conceals one lost frame. After speech this is the standard's
    /// bad-frame path; during comfort noise (after a SID frame) the noise
    /// continues, as for an untransmitted DTX frame.
    pub fn conceal(&mut self) -> [i16; L_FRAME] {
        match self.last {
            FrameKind::Speech => self.speech_frame(&FrameParams::default(), true),
            FrameKind::Noise => self.noise_frame(None),
        }
    }

    /// Decodes an Annex B SID frame (the first 2 bytes are used; shorter
    /// input is treated as a lost frame) and returns comfort noise.
    pub fn decode_sid(&mut self, sid: &[u8]) -> [i16; L_FRAME] {
        match sid {
            [a, b, ..] => {
                let params = SidParams::unpack([*a, *b]);
                self.noise_frame(Some(&params))
            }
            _ => self.conceal(),
        }
    }

    /// A frame the far end did not transmit (DTX): comfort noise continues.
    pub fn decode_untransmitted(&mut self) -> [i16; L_FRAME] {
        self.noise_frame(None)
    }

    fn speech_frame(&mut self, p: &FrameParams, bfi: bool) -> [i16; L_FRAME] {
        let lsf = if bfi {
            lsp::erased_update(&self.prev_lsf, self.prev_ma, &mut self.freq_prev);
            self.prev_lsf
        } else {
            let mode = ((p.l0_l1 >> 7) & 1) as usize;
            let lsf = lsp::decode_lsf(
                mode,
                (p.l0_l1 & 127) as usize,
                ((p.l2_l3 >> 5) & 31) as usize,
                (p.l2_l3 & 31) as usize,
                &mut self.freq_prev,
            );
            self.prev_ma = mode;
            self.prev_lsf = lsf;
            lsf
        };
        let lsp_new = lsp::lsf_to_lsp(&lsf);
        let az = lsp::interpolate_az(&self.lsp_old, &lsp_new);
        self.lsp_old = lsp_new;

        let mut synth = [0i16; L_FRAME + M];
        synth[..M].copy_from_slice(&self.synth_hist);
        let mut lags = [0i16; 2];
        let mut t0 = self.old_t0;
        for sf in 0..2 {
            let start = HIST + sf * L_SUBFR;
            let (index, bad_pitch) = if sf == 0 {
                (p.p1, bfi || parity_error(p.p1, p.p0))
            } else {
                (p.p2, bfi)
            };
            let frac;
            if bad_pitch {
                t0 = self.old_t0;
                frac = 0;
                self.old_t0 = add(self.old_t0, 1).min(PIT_MAX);
            } else {
                (t0, frac) = if sf == 0 {
                    decode_lag_first(index)
                } else {
                    decode_lag_second(index, t0)
                };
                self.old_t0 = t0;
            }
            pred_lt3(&mut self.exc, start, t0, frac);

            let (c_index, sign) = if bfi {
                let c = self.erasure_rng.next_value() & 0x1fff;
                let s = self.erasure_rng.next_value() & 0x000f;
                (c, s)
            } else if sf == 0 {
                (p.c1, p.s1)
            } else {
                (p.c2, p.s2)
            };
            let mut code = fixed_codebook::decode(sign, c_index);
            fixed_codebook::sharpen(&mut code, t0, self.sharp);

            let (gp, gc) = if bfi {
                gain::conceal(self.gain_pitch, self.gain_code, &mut self.past_qua_en)
            } else {
                let g = if sf == 0 { p.g1 } else { p.g2 };
                gain::decode(g, &code, &mut self.past_qua_en)
            };
            self.gain_pitch = gp;
            self.gain_code = gc;
            self.sharp = gp.clamp(SHARPMIN, SHARPMAX);

            gain::mix_excitation(&mut self.exc[start..start + L_SUBFR], &code, gp, gc);
            self.synthesise(&az[sf], sf, &mut synth);
            lags[sf] = t0;
        }
        self.last = FrameKind::Speech;
        self.finish_frame(&synth, &az, lags, true)
    }

    fn noise_frame(&mut self, sid: Option<&SidParams>) -> [i16; L_FRAME] {
        let after_speech = self.last == FrameKind::Speech;
        match sid {
            Some(s) => self.noise.receive_sid(s, &mut self.freq_prev),
            None if after_speech => {
                let (lsp_old, exc) = (self.lsp_old, &self.exc[HIST - L_FRAME..HIST]);
                self.noise.start_without_sid(&lsp_old, exc);
            }
            None => {}
        }
        self.noise.excitation(&mut self.exc, HIST, after_speech);
        let lsp_sid = self.noise.lsp_sid;
        let az = lsp::interpolate_az(&self.lsp_old, &lsp_sid);
        self.lsp_old = lsp_sid;
        self.prev_lsf = lsp::lsp_to_lsf(&lsp_sid);
        let mut synth = [0i16; L_FRAME + M];
        synth[..M].copy_from_slice(&self.synth_hist);
        for (sf, a) in az.iter().enumerate() {
            self.synthesise(a, sf, &mut synth);
        }
        self.sharp = SHARPMIN;
        self.last = FrameKind::Noise;
        let lags = [self.old_t0; 2];
        self.finish_frame(&synth, &az, lags, false)
    }

    fn synthesise(&mut self, az: &[i16; M + 1], sf: usize, synth: &mut [i16; L_FRAME + M]) {
        let start = HIST + sf * L_SUBFR;
        let out = M + sf * L_SUBFR;
        let mut mem = self.mem_syn;
        let overflow = syn_filt(
            az,
            &self.exc[start..start + L_SUBFR],
            &mut synth[out..out + L_SUBFR],
            &mut mem,
            false,
        );
        if overflow {
            for e in self.exc.iter_mut() {
                *e = shr(*e, 2);
            }
            syn_filt(
                az,
                &self.exc[start..start + L_SUBFR],
                &mut synth[out..out + L_SUBFR],
                &mut self.mem_syn,
                true,
            );
        } else {
            self.mem_syn
                .copy_from_slice(&synth[out + L_SUBFR - M..out + L_SUBFR]);
        }
    }

    fn finish_frame(
        &mut self,
        synth: &[i16; L_FRAME + M],
        az: &[[i16; M + 1]; 2],
        lags: [i16; 2],
        voiced: bool,
    ) -> [i16; L_FRAME] {
        let mut out = self.postfilter.process(synth, az, lags, voiced);
        self.high_pass.post_process(&mut out);
        self.synth_hist.copy_from_slice(&synth[L_FRAME..]);
        self.exc.copy_within(L_FRAME.., 0);
        out
    }
}
