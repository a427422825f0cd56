//! The error type shared by every codec.

use thiserror::Error;

/// What went wrong while encoding or decoding.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodecError {
    /// The input is not a whole number of codec frames.
    #[error("{codec}: {len} is not a whole number of {unit}-{what} frames")]
    PartialFrame {
        /// Codec name.
        codec: &'static str,
        /// Length given.
        len: usize,
        /// Frame size in samples or bytes.
        unit: usize,
        /// "sample" or "byte".
        what: &'static str,
    },
    /// The output buffer cannot hold the result.
    #[error("output buffer holds {capacity} but {needed} are needed")]
    OutputTooSmall {
        /// Elements needed.
        needed: usize,
        /// Elements available.
        capacity: usize,
    },
    /// A sample rate the resampler does not convert.
    #[error("unsupported sample rate {rate} Hz: use 8000, 16000, 24000 or 48000")]
    UnsupportedRate {
        /// The rate asked for, in Hz.
        rate: u32,
    },
    /// A GSM 06.10 frame does not start with the 0xD signature nibble.
    #[error(
        "GSM frame starts with nibble {found:#x}, not the 0xd signature: not a GSM 06.10 frame"
    )]
    BadGsmMagic {
        /// The nibble found instead.
        found: u8,
    },
}
