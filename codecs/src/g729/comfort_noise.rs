//! Annex B receive side: decoding of SID frames and comfort noise
//! generation for SID and untransmitted (DTX) frames (G.729 Annex B
//! sections B.4.4 and B.5).
//!
//! The excitation follows the structure of Annex B (a random adaptive
//! codebook contribution plus Gaussian noise, scaled to the SID energy,
//! with the energy smoothed across frames); its random details are this
//! implementation's own, so comfort noise is not bit-exact with other
//! decoders, only of the same level and spectrum.

use super::adaptive_codebook::pred_lt3;
use super::basic_op::*;
use super::bitstream::SidParams;
use super::lsp::{self, FreqPrev, GAP1, stability};
use super::random::Random;
use super::tables::lsp::{FG, LSPCB1, LSPCB2};
use super::tables::misc::{NOISE_FG_SUM, SID_PTR_1, SID_PTR_2, TAB_SIDGAIN};
use super::{L_FRAME, L_SUBFR, M};

const A_GAIN0: i16 = 28672;
const A_GAIN1: i16 = 4096;

/// Comfort noise state of a decoder.
#[derive(Clone, Debug)]
pub struct ComfortNoise {
    /// Smoothed excitation gain (Q0 amplitude).
    sid_gain: i16,
    /// Gain of the last SID frame.
    cur_gain: i16,
    /// LSPs of the last SID frame.
    pub lsp_sid: [i16; M],
    rng: Random,
}

impl ComfortNoise {
    /// Comfort noise in its reset state.
    pub fn new() -> Self {
        ComfortNoise {
            sid_gain: 0,
            cur_gain: 0,
            lsp_sid: [0; M],
            rng: Random::new(11111),
        }
    }

    /// Takes in a SID frame: decodes its LSFs (updating the MA predictor)
    /// and its energy.
    pub fn receive_sid(&mut self, sid: &SidParams, freq_prev: &mut FreqPrev) {
        self.cur_gain = TAB_SIDGAIN[(sid.gain & 31) as usize];
        let row1 = &LSPCB1[SID_PTR_1[(sid.l1 & 31) as usize] as usize];
        let lo = &LSPCB2[SID_PTR_2[0][(sid.l2 & 15) as usize] as usize];
        let hi = &LSPCB2[SID_PTR_2[1][(sid.l2 & 15) as usize] as usize];
        let mut buf = [0i16; M];
        for j in 0..M {
            buf[j] = add(row1[j], if j < lsp::NC { lo[j] } else { hi[j] });
        }
        lsp::expand(&mut buf, GAP1, 1..M);
        let mode = (sid.mode & 1) as usize;
        let fg = noise_fg(mode);
        let mut lsf = lsp::prev_compose(&buf, &fg, &NOISE_FG_SUM[mode], freq_prev);
        lsp::prev_update(&buf, freq_prev);
        stability(&mut lsf);
        self.lsp_sid = lsp::lsf_to_lsp(&lsf);
    }

    /// Starts comfort noise right after speech with no SID yet: keeps the
    /// last spectrum and uses the energy of the recent excitation.
    pub fn start_without_sid(&mut self, lsp_old: &[i16; M], exc: &[i16]) {
        self.lsp_sid = *lsp_old;
        let mut l = 0i64;
        for &e in exc {
            l += e as i64 * e as i64;
        }
        let rms = ((l / exc.len().max(1) as i64) as f64).sqrt();
        let level = TAB_SIDGAIN
            .iter()
            .position(|&g| g as f64 >= rms)
            .unwrap_or(31);
        self.cur_gain = TAB_SIDGAIN[level];
    }

    /// Generates one frame of comfort-noise excitation into
    /// `exc[start..start + 80]`; `after_speech` tells whether the previous
    /// frame was speech (the gain then jumps instead of being smoothed).
    pub fn excitation(&mut self, exc: &mut [i16], start: usize, after_speech: bool) {
        self.sid_gain = if after_speech {
            self.cur_gain
        } else {
            add(
                mult_r(self.sid_gain, A_GAIN0),
                mult_r(self.cur_gain, A_GAIN1),
            )
        };
        for sf in 0..L_FRAME / L_SUBFR {
            let at = start + sf * L_SUBFR;
            self.subframe(exc, at);
        }
    }

    fn subframe(&mut self, exc: &mut [i16], at: usize) {
        let r = self.rng.next_value();
        let frac = ((r & 3) - 1).min(1);
        let t0 = ((r >> 2) & 0x3f) + 40;
        let gp = (self.rng.next_value() & 0x1fff) as i32;
        pred_lt3(exc, at, t0, frac);
        let mut mix = [0i32; L_SUBFR];
        for (i, m) in mix.iter_mut().enumerate() {
            let g = self.rng.gaussian() as i32;
            *m = ((exc[at + i] as i32 * gp) >> 14) + g;
        }
        let energy: i64 = mix.iter().map(|&v| v as i64 * v as i64).sum();
        let target = self.sid_gain as f64 / 8.0;
        let rms = ((energy as f64) / L_SUBFR as f64).sqrt();
        let scale = if rms > 0.0 { target / rms } else { 0.0 };
        for (i, m) in mix.iter().enumerate() {
            exc[at + i] = sat16((*m as f64 * scale).round() as i32);
        }
    }
}

impl Default for ComfortNoise {
    fn default() -> Self {
        Self::new()
    }
}

/// The MA predictor of the noise LSFs: mode 0 is the speech predictor,
/// mode 1 mixes the two speech predictors 0.6/0.4.
fn noise_fg(mode: usize) -> [[i16; M]; 4] {
    if mode == 0 {
        return FG[0];
    }
    let mut fg = [[0i16; M]; 4];
    for k in 0..4 {
        for j in 0..M {
            fg[k][j] = add(mult(19660, FG[0][k][j]), mult(13107, FG[1][k][j]));
        }
    }
    fg
}
