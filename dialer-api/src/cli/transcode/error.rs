//! Everything that can stop a transcode, each as one line a person can act on.

use super::format::Format;
use codecs::CodecError;
use codecs::wav::WavError;
use std::path::Path;
use thiserror::Error;

/// Why a transcode failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TranscodeError {
    /// A format name that is not one of the six.
    #[error("unknown format {0:?}: use wav, pcm16, pcmu, pcma, gsm or g729")]
    UnknownFormat(String),
    /// Raw PCM input without its rate.
    #[error(
        "--from pcm16 needs --rate (8000, 16000, 24000 or 48000): raw samples do not say their rate"
    )]
    MissingRate,
    /// `--rate` given for input that carries its own rate.
    #[error("--rate applies only to --from pcm16: {0} input carries its own rate")]
    RateNotApplicable(Format),
    /// `--out-rate` given for a codec output, which is always 8 kHz.
    #[error("--out-rate applies only to wav and pcm16 output: {0} is always 8000 Hz")]
    OutRateNotApplicable(Format),
    /// A rate flag with a rate that is not supported.
    #[error("{flag} {rate} is not supported: use 8000, 16000, 24000 or 48000")]
    UnsupportedRate {
        /// `--rate` or `--out-rate`.
        flag: &'static str,
        /// The rate given.
        rate: u32,
    },
    /// The input cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The input path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The output cannot be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The output path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The content of a file is wrong.
    #[error("{path}: {problem}")]
    Content {
        /// The file concerned.
        path: String,
        /// What is wrong with it.
        problem: ContentError,
    },
    /// A codec refused its input (not expected after the checks above).
    #[error(transparent)]
    Codec(#[from] CodecError),
}

/// What is wrong with the content of an input or output.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ContentError {
    /// The WAV parser or writer refused it.
    #[error(transparent)]
    Wav(#[from] WavError),
    /// Raw input whose length is not a whole number of units.
    #[error("{format} input is {len} bytes, not a whole number of {unit}-byte {what}")]
    Partial {
        /// The input format.
        format: Format,
        /// Bytes read.
        len: usize,
        /// Bytes per sample or frame.
        unit: usize,
        /// "samples" or "frames".
        what: &'static str,
    },
    /// A GSM frame without the GSM signature.
    #[error("gsm frame {index} (byte {offset}) is not a GSM 06.10 frame: {source}")]
    BadFrame {
        /// Frame number, from 0.
        index: usize,
        /// Offset of the frame in the file.
        offset: usize,
        /// The decoder's reason.
        source: CodecError,
    },
    /// A codec refused the data.
    #[error(transparent)]
    Codec(#[from] CodecError),
}

impl ContentError {
    /// Attaches the file the problem is in.
    pub fn at(self, path: &Path) -> TranscodeError {
        TranscodeError::Content {
            path: path.display().to_string(),
            problem: self,
        }
    }
}
