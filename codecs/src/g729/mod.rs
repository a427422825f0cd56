//! G.729 Annex A speech codec (8 kbit/s CS-ACELP) with the receive side of
//! Annex B (SID frames and comfort noise), in fixed-point arithmetic.
//!
//! ```text
//!  80 samples ─► pre-process ─► LP analysis ─► LSP quantiser ─┐
//!                               open-loop pitch ─► closed-loop pitch ─► algebraic
//!                               codebook ─► gain quantiser ─► 10 bytes
//!  10 bytes ─► LSP / lag / pulses / gains ─► excitation ─► 1/A(z) ─► post-filter ─► 80 samples
//! ```
//!
//! Written from the algorithm description of ITU-T G.729, G.729 Annex A
//! and Annex B; see `README.md` in this folder for where the tables come from.

mod acelp_search;
mod adaptive_codebook;
mod basic_op;
mod bitstream;
mod comfort_noise;
mod decoder;
mod encoder;
mod filters;
mod fixed_codebook;
mod gain;
mod gain_quantizer;
mod high_pass;
mod lpc_analysis;
mod lsp;
mod lsp_quantizer;
mod pitch_search;
mod postfilter;
mod random;
mod tables;
mod taming;
#[cfg(test)]
mod test_support;

pub use decoder::G729Decoder;
pub use encoder::G729Encoder;

/// Order of the LP filter.
const M: usize = 10;
/// Samples in a frame.
pub const L_FRAME: usize = 80;
/// Samples in a subframe.
const L_SUBFR: usize = 40;
/// Bytes in a speech frame.
pub const FRAME_BYTES: usize = 10;
/// Bytes in an Annex B SID frame.
pub const SID_BYTES: usize = 2;

/// LSPs (cosine domain, Q15) both sides start from.
const LSP_RESET: [i16; M] = [
    30000, 26000, 21000, 15000, 8000, 0, -8000, -15000, -21000, -26000,
];
