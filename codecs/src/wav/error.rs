//! What can be wrong with a WAV file.

use thiserror::Error;

/// Why a WAV file was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WavError {
    /// The file does not start with `RIFF`.
    #[error("not a WAV file: it does not start with \"RIFF\"")]
    NotRiff,
    /// A RIFF file whose form type is not `WAVE`.
    #[error("not a WAV file: the RIFF form type is not \"WAVE\"")]
    NotWave,
    /// Fewer bytes than the 12 of a RIFF/WAVE header.
    #[error("truncated WAV file: {0} bytes, shorter than a RIFF header")]
    TooShort(usize),
    /// The file ends before the length its RIFF header declares.
    #[error(
        "truncated WAV file: the RIFF header declares {declared} bytes but the file has {actual}"
    )]
    TruncatedFile {
        /// Bytes the header promises, counting the 8-byte RIFF header.
        declared: u64,
        /// Bytes present.
        actual: usize,
    },
    /// A RIFF size too small to hold even the `WAVE` form type.
    #[error("not a valid WAV file: the RIFF header declares {0} bytes, too few to hold \"WAVE\"")]
    RiffSizeTooSmall(u32),
    /// A chunk runs past the end of the RIFF data.
    #[error(
        "truncated WAV file: the {chunk:?} chunk declares {declared} bytes but only {available} remain"
    )]
    TruncatedChunk {
        /// The chunk's four-character id.
        chunk: String,
        /// Bytes the chunk header promises.
        declared: u32,
        /// Bytes left in the file.
        available: usize,
    },
    /// Bytes after the last chunk that are too few for a chunk header.
    #[error("truncated WAV file: {0} stray bytes after the last chunk")]
    TrailingBytes(usize),
    /// No `fmt ` chunk before the end of the file.
    #[error("WAV file has no \"fmt \" chunk")]
    MissingFmt,
    /// The `fmt ` chunk is shorter than the 16 bytes of a PCM format.
    #[error("WAV \"fmt \" chunk is {0} bytes, shorter than the 16 a PCM format needs")]
    ShortFmt(u32),
    /// The `data` chunk comes before the `fmt ` chunk.
    #[error("WAV \"data\" chunk comes before the \"fmt \" chunk")]
    DataBeforeFmt,
    /// No `data` chunk.
    #[error("WAV file has no \"data\" chunk")]
    MissingData,
    /// A second `fmt ` or `data` chunk.
    #[error("WAV file has more than one {0:?} chunk")]
    DuplicateChunk(&'static str),
    /// The samples are not integer PCM.
    #[error("WAV format tag {tag:#06x} ({name}) is not supported: only 16-bit PCM (tag 1)")]
    UnsupportedFormat {
        /// The `wFormatTag` found.
        tag: u16,
        /// What that tag usually means.
        name: &'static str,
    },
    /// More than one channel.
    #[error(
        "WAV file has {0} channels: only mono is supported (mix down with `sox in.wav -c 1 out.wav`)"
    )]
    Channels(u16),
    /// Samples that are not 16 bits.
    #[error(
        "WAV file has {0}-bit samples: only 16-bit is supported (convert with `sox in.wav -b 16 out.wav`)"
    )]
    BitDepth(u16),
    /// A sample rate the codecs and resampler do not handle.
    #[error(
        "WAV sample rate {0} Hz is not supported: use 8000, 16000, 24000 or 48000 (convert with `sox in.wav -r 8000 out.wav`)"
    )]
    UnsupportedRate(u32),
    /// The block alignment or byte rate contradicts 16-bit mono.
    #[error(
        "WAV \"fmt \" chunk is inconsistent: block align {block_align} and byte rate {byte_rate} do not match 16-bit mono at {rate} Hz"
    )]
    InconsistentFmt {
        /// Sample rate declared.
        rate: u32,
        /// `nBlockAlign` declared (2 expected).
        block_align: u16,
        /// `nAvgBytesPerSec` declared (2 x rate expected).
        byte_rate: u32,
    },
    /// A `data` chunk that ends in half a sample.
    #[error("WAV \"data\" chunk is {0} bytes, not a whole number of 16-bit samples")]
    OddDataLength(u32),
    /// Too many samples to describe in a RIFF header.
    #[error("{0} samples are too many for one WAV file (4 GiB limit)")]
    TooLong(usize),
}

/// The usual meaning of a WAV format tag, for error messages.
pub(super) fn format_name(tag: u16) -> &'static str {
    match tag {
        0x0001 => "PCM",
        0x0002 => "Microsoft ADPCM",
        0x0003 => "IEEE float",
        0x0006 => "A-law",
        0x0007 => "u-law",
        0x0011 => "IMA ADPCM",
        0x0031 => "GSM 6.10",
        0x0055 => "MPEG layer 3",
        0xFFFE => "WAVE_FORMAT_EXTENSIBLE",
        _ => "unknown",
    }
}
