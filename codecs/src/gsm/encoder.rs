//! The GSM 06.10 encoder (section 4.2): 160 samples in, 33 bytes out.

use super::lar::{self, SEGMENTS};
use super::long_term::{self, HISTORY, Residual, SUBFRAME};
use super::pack::{FRAME_BYTES, pack};
use super::params::{FrameParams, SubframeParams};
use super::preprocess::Preprocessor;
use super::short_term::AnalysisFilter;
use super::{FRAME_SAMPLES, lpc, rpe};

/// A GSM 06.10 full-rate encoder for one stream; its filter state carries
/// from frame to frame.
#[derive(Clone, Debug)]
pub struct GsmEncoder {
    preprocessor: Preprocessor,
    /// `LARpp` of the previous frame, for interpolation.
    previous_larpp: [i16; 8],
    short_term: AnalysisFilter,
    /// Reconstructed short-term residual `dp`: history then this frame.
    dp: Residual,
}

impl Default for GsmEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl GsmEncoder {
    /// A new encoder with silent history.
    pub fn new() -> Self {
        GsmEncoder {
            preprocessor: Preprocessor::default(),
            previous_larpp: [0; 8],
            short_term: AnalysisFilter::default(),
            dp: [0; HISTORY + FRAME_SAMPLES],
        }
    }

    /// Encodes one 20 ms frame of 8 kHz PCM into the 33-byte RTP/`toast` layout.
    pub fn encode_frame(&mut self, pcm: &[i16; FRAME_SAMPLES]) -> [u8; FRAME_BYTES] {
        let mut params = FrameParams::default();

        let mut s = [0i16; FRAME_SAMPLES];
        self.preprocessor.run(pcm, &mut s);
        params.larc = lpc::analyse(&mut s);

        // Short-term analysis: s becomes the residual d, stretch by stretch.
        let larpp = lar::decode(&params.larc);
        let rp = lar::reflection_per_segment(&self.previous_larpp, &larpp);
        self.previous_larpp = larpp;
        for (coefficients, &(start, end)) in rp.iter().zip(&SEGMENTS) {
            self.short_term.run(coefficients, &mut s[start..end]);
        }

        for (j, (sub, d)) in params
            .subframes
            .iter_mut()
            .zip(s.chunks_exact(SUBFRAME))
            .enumerate()
        {
            let d: &[i16; SUBFRAME] = d.try_into().unwrap_or(&[0; SUBFRAME]);
            let base = HISTORY + j * SUBFRAME;
            *sub = self.encode_subframe(d, base);
        }
        long_term::roll(&mut self.dp);
        pack(&params)
    }

    /// Long-term prediction and RPE coding of one sub-frame of residual `d`.
    #[inline]
    fn encode_subframe(&mut self, d: &[i16; SUBFRAME], base: usize) -> SubframeParams {
        let (nc, bc) = long_term::parameters(d, &self.dp, base);
        let mut e = [0i16; SUBFRAME];
        let dpp = long_term::analysis_filter(d, &self.dp, base, nc, bc, &mut e);

        let x = rpe::weighting_filter(&e);
        let (mc, xm) = rpe::select_grid(&x);
        let (xmaxc, xmc, exp, mant) = rpe::quantise(&xm);
        let ep = rpe::position(mc, &rpe::dequantise(&xmc, exp, mant));
        long_term::update(&mut self.dp, base, &ep, &dpp);

        SubframeParams {
            nc,
            bc,
            mc,
            xmaxc,
            xmc,
        }
    }
}
