//! Strict reading and writing of 16-bit PCM mono WAV files at 8, 16, 24 or
//! 48 kHz: the prompt format `trunkline transcode` accepts.
//!
//! [`parse`] accepts exactly one shape: a `RIFF`/`WAVE` file with a `fmt `
//! chunk (format tag 1, one channel, 16 bits, a supported rate, consistent
//! block align and byte rate) followed somewhere by one `data` chunk of whole
//! samples. Other chunks (`LIST`, `fact`, ...) are skipped. Anything else is
//! refused with a [`WavError`] that names the problem; parsing never panics.
//!
//! ```
//! let bytes = codecs::wav::write(8000, &[0, 1000, -1000])?;
//! let wav = codecs::wav::parse(&bytes)?;
//! assert_eq!(wav.sample_rate(), 8000);
//! assert_eq!(wav.samples().collect::<Vec<i16>>(), [0, 1000, -1000]);
//! # Ok::<(), codecs::wav::WavError>(())
//! ```

mod error;

pub use error::WavError;

use crate::resample::SUPPORTED_RATES;

/// Length of the header [`write()`] produces.
pub const HEADER_LEN: usize = 44;

const PCM: u16 = 1;

/// A parsed WAV file, borrowing its samples from the input bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wav<'a> {
    sample_rate: u32,
    data: &'a [u8],
}

impl<'a> Wav<'a> {
    /// The sample rate in Hz: one of 8000, 16000, 24000, 48000.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.data.len() / 2
    }

    /// Whether the file holds no samples.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The samples, in order.
    pub fn samples(&self) -> impl ExactSizeIterator<Item = i16> + 'a {
        self.data
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
    }
}

/// The format fields that matter, read from a `fmt ` chunk.
struct Format {
    rate: u32,
}

/// Parses a 16-bit PCM mono WAV file.
pub fn parse(bytes: &[u8]) -> Result<Wav<'_>, WavError> {
    if bytes.get(0..4) != Some(b"RIFF") {
        return Err(WavError::NotRiff);
    }
    if bytes.len() < 12 {
        return Err(WavError::TooShort(bytes.len()));
    }
    if bytes.get(8..12) != Some(b"WAVE") {
        return Err(WavError::NotWave);
    }
    let riff_size = read_u32(bytes, 4);
    if riff_size < 4 {
        return Err(WavError::RiffSizeTooSmall(riff_size));
    }
    let declared = u64::from(riff_size) + 8;
    if declared > bytes.len() as u64 {
        return Err(WavError::TruncatedFile {
            declared,
            actual: bytes.len(),
        });
    }
    // `declared` fits in usize now; bytes after the RIFF chunk are ignored.
    let riff = &bytes[..declared as usize];

    let mut format: Option<Format> = None;
    let mut data: Option<&[u8]> = None;
    let mut rest = &riff[12..];
    while !rest.is_empty() {
        if rest.len() < 8 {
            return Err(WavError::TrailingBytes(rest.len()));
        }
        let id = &rest[0..4];
        let size = read_u32(rest, 4);
        let body_end = 8usize.saturating_add(size as usize);
        let Some(body) = rest.get(8..body_end) else {
            return Err(WavError::TruncatedChunk {
                chunk: String::from_utf8_lossy(id).into_owned(),
                declared: size,
                available: rest.len() - 8,
            });
        };
        match id {
            b"fmt " if format.is_some() => return Err(WavError::DuplicateChunk("fmt ")),
            b"fmt " => format = Some(parse_format(body, size)?),
            b"data" if format.is_none() => return Err(WavError::DataBeforeFmt),
            b"data" if data.is_some() => return Err(WavError::DuplicateChunk("data")),
            b"data" if size % 2 != 0 => return Err(WavError::OddDataLength(size)),
            b"data" => data = Some(body),
            _ => {}
        }
        // Chunks are padded to an even length; a writer may leave out the
        // pad byte of the last chunk.
        let padded_end = body_end + (size as usize % 2);
        rest = rest.get(padded_end..).unwrap_or_default();
    }
    let format = format.ok_or(WavError::MissingFmt)?;
    let data = data.ok_or(WavError::MissingData)?;
    Ok(Wav {
        sample_rate: format.rate,
        data,
    })
}

fn parse_format(body: &[u8], size: u32) -> Result<Format, WavError> {
    if body.len() < 16 {
        return Err(WavError::ShortFmt(size));
    }
    let tag = read_u16(body, 0);
    let channels = read_u16(body, 2);
    let rate = read_u32(body, 4);
    let byte_rate = read_u32(body, 8);
    let block_align = read_u16(body, 12);
    let bits = read_u16(body, 14);
    if tag != PCM {
        return Err(WavError::UnsupportedFormat {
            tag,
            name: error::format_name(tag),
        });
    }
    if channels != 1 {
        return Err(WavError::Channels(channels));
    }
    if bits != 16 {
        return Err(WavError::BitDepth(bits));
    }
    if !SUPPORTED_RATES.contains(&rate) {
        return Err(WavError::UnsupportedRate(rate));
    }
    if block_align != 2 || u64::from(byte_rate) != 2 * u64::from(rate) {
        return Err(WavError::InconsistentFmt {
            rate,
            block_align,
            byte_rate,
        });
    }
    Ok(Format { rate })
}

/// The 44-byte header of a 16-bit PCM mono WAV file holding `samples`
/// samples at `sample_rate`, for writers that stream the samples after it.
pub fn header(sample_rate: u32, samples: usize) -> Result<[u8; HEADER_LEN], WavError> {
    if !SUPPORTED_RATES.contains(&sample_rate) {
        return Err(WavError::UnsupportedRate(sample_rate));
    }
    let data_len = samples
        .checked_mul(2)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| n.checked_add(36).is_some())
        .ok_or(WavError::TooLong(samples))?;
    let mut h = [0u8; HEADER_LEN];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&(data_len + 36).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&PCM.to_le_bytes());
    h[22..24].copy_from_slice(&1u16.to_le_bytes());
    h[24..28].copy_from_slice(&sample_rate.to_le_bytes());
    h[28..32].copy_from_slice(&(sample_rate * 2).to_le_bytes());
    h[32..34].copy_from_slice(&2u16.to_le_bytes());
    h[34..36].copy_from_slice(&16u16.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_len.to_le_bytes());
    Ok(h)
}

/// A whole 16-bit PCM mono WAV file holding `samples` at `sample_rate`.
pub fn write(sample_rate: u32, samples: &[i16]) -> Result<Vec<u8>, WavError> {
    let mut out = Vec::with_capacity(HEADER_LEN + 2 * samples.len());
    out.extend_from_slice(&header(sample_rate, samples.len())?);
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    Ok(out)
}

/// Little-endian u16 at `at`; callers have checked the length.
fn read_u16(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

/// Little-endian u32 at `at`; callers have checked the length.
fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}
