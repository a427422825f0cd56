//! The constant tables of GSM 06.10 (tables 4.1 to 4.6 of the standard).

/// Table 4.1: `A[i]` of the LAR quantiser.
pub(crate) const LAR_A: [i16; 8] = [20480, 20480, 20480, 20480, 13964, 15360, 8534, 9036];
/// Table 4.1: `B[i]` of the LAR quantiser.
pub(crate) const LAR_B: [i16; 8] = [0, 0, 2048, -2560, 94, -1792, -341, -1144];
/// Table 4.1: smallest coded value `MIC[i]` of each LAR.
pub(crate) const LAR_MIC: [i16; 8] = [-32, -32, -16, -16, -8, -8, -4, -4];
/// Table 4.1: largest coded value `MAC[i]` of each LAR.
pub(crate) const LAR_MAC: [i16; 8] = [31, 31, 15, 15, 7, 7, 3, 3];
/// Table 4.2: `INVA[i] = 1 / A[i]` in Q15-ish form, for LAR decoding.
pub(crate) const LAR_INVA: [i16; 8] = [13107, 13107, 13107, 13107, 19223, 17476, 31454, 29708];

/// Table 4.3a: decision levels `DLB` of the LTP gain quantiser.
pub(crate) const LTP_DLB: [i16; 4] = [6554, 16384, 26214, 32767];
/// Table 4.3b: quantised LTP gains `QLB`.
pub(crate) const LTP_QLB: [i16; 4] = [3277, 11469, 21299, 32767];

/// Table 4.4: impulse response `H` of the weighting filter.
pub(crate) const WEIGHTING_H: [i16; 11] =
    [-134, -374, 0, 2054, 5741, 8192, 5741, 2054, 0, -374, -134];

/// Table 4.5: normalised inverse mantissa `NRFAC` for APCM quantisation.
pub(crate) const APCM_NRFAC: [i16; 8] = [29128, 26215, 23832, 21846, 20165, 18725, 17476, 16384];
/// Table 4.6: normalised mantissa `FAC` for APCM inverse quantisation.
pub(crate) const APCM_FAC: [i16; 8] = [18431, 20479, 22527, 24575, 26623, 28671, 30719, 32767];
