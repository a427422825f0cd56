//! The GSM 06.10 decoder (section 4.3): 33 bytes in, 160 samples out.

use super::lar::{self, SEGMENTS};
use super::long_term::{self, HISTORY, Residual, SUBFRAME, Synthesis};
use super::pack::{FRAME_BYTES, unpack};
use super::short_term::SynthesisFilter;
use super::{FRAME_SAMPLES, rpe};
use crate::CodecError;
use crate::fixed_point::{add, mult_r};

/// A GSM 06.10 full-rate decoder for one stream; its filter state carries
/// from frame to frame.
#[derive(Clone, Debug)]
pub struct GsmDecoder {
    /// `LARpp` of the previous frame, for interpolation.
    previous_larpp: [i16; 8],
    long_term: Synthesis,
    short_term: SynthesisFilter,
    /// Reconstructed short-term residual `drp`: history then this frame.
    drp: Residual,
    /// De-emphasis memory `msr`.
    msr: i16,
}

impl Default for GsmDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl GsmDecoder {
    /// A new decoder with silent history.
    pub fn new() -> Self {
        GsmDecoder {
            previous_larpp: [0; 8],
            long_term: Synthesis::default(),
            short_term: SynthesisFilter::default(),
            drp: [0; HISTORY + FRAME_SAMPLES],
            msr: 0,
        }
    }

    /// Decodes one 33-byte frame into 20 ms of 8 kHz PCM.
    ///
    /// Any bytes decode except a frame without the 0xD signature nibble,
    /// which is refused with [`CodecError::BadGsmMagic`] and leaves the
    /// decoder state untouched.
    pub fn decode_frame(
        &mut self,
        frame: &[u8; FRAME_BYTES],
    ) -> Result<[i16; FRAME_SAMPLES], CodecError> {
        let params = unpack(frame)?;

        for (j, sub) in params.subframes.iter().enumerate() {
            let (exp, mant) = rpe::exponent_mantissa(sub.xmaxc);
            let erp = rpe::position(sub.mc, &rpe::dequantise(&sub.xmc, exp, mant));
            let base = HISTORY + j * SUBFRAME;
            self.long_term
                .run(&mut self.drp, base, sub.nc, sub.bc, &erp);
        }

        let mut out = [0i16; FRAME_SAMPLES];
        out.copy_from_slice(&self.drp[HISTORY..]);
        long_term::roll(&mut self.drp);

        let larpp = lar::decode(&params.larc);
        let rrp = lar::reflection_per_segment(&self.previous_larpp, &larpp);
        self.previous_larpp = larpp;
        for (coefficients, &(start, end)) in rrp.iter().zip(&SEGMENTS) {
            self.short_term.run(coefficients, &mut out[start..end]);
        }

        // 4.3.5 to 4.3.7: de-emphasis, upscaling, truncation to 13 bits.
        let mut msr = self.msr;
        for x in out.iter_mut() {
            msr = add(*x, mult_r(msr, 28180));
            *x = add(msr, msr) & !7;
        }
        self.msr = msr;
        Ok(out)
    }
}
