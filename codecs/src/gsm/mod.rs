//! GSM 06.10 full-rate speech codec (13 kbit/s, RTP payload type 3),
//! written from the ETSI fixed-point description and bit-exact with it.
//!
//! ```text
//! encoder: pcm ─ preprocess ─ LPC ─ short-term analysis ─┬─ LTP ─ RPE ─┐
//!                              │                         └──── dp <────┘
//!                              └───── LARc, (Nc bc Mc xmaxc xMc) x 4 ── pack ─> 33 bytes
//! decoder: 33 bytes ─ unpack ─ RPE⁻¹ ─ LTP synthesis ─ short-term synthesis ─ de-emphasis ─> pcm
//! ```

mod decoder;
mod encoder;
mod lar;
mod long_term;
mod lpc;
mod ops;
mod pack;
mod params;
mod preprocess;
mod rpe;
mod short_term;
mod tables;

pub use decoder::GsmDecoder;
pub use encoder::GsmEncoder;
pub use pack::FRAME_BYTES;

/// Samples in one 20 ms frame.
pub const FRAME_SAMPLES: usize = 160;
