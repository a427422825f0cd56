//! The five file formats: reading each into 16-bit PCM and writing PCM back.

use super::error::{ContentError, TranscodeError};
use codecs::resample::SUPPORTED_RATES;
use codecs::{Codec, PACKET_SAMPLES, decoder_for, encoder_for, wav};
use std::fmt::{self, Write};
use std::str::FromStr;

/// A file format `transcode` reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// 16-bit PCM mono WAV.
    Wav,
    /// Raw signed 16-bit little-endian samples.
    Pcm16,
    /// Back-to-back frames of a codec (pcmu, pcma, gsm, g729).
    Codec(Codec),
}

impl Format {
    /// The rate a codec format always has; `None` for PCM formats.
    pub fn fixed_rate(self) -> Option<u32> {
        match self {
            Format::Codec(codec) => Some(codec.clock_rate()),
            Format::Wav | Format::Pcm16 => None,
        }
    }
}

impl FromStr for Format {
    type Err = TranscodeError;

    fn from_str(s: &str) -> Result<Format, TranscodeError> {
        match s.to_ascii_lowercase().as_str() {
            "wav" => Ok(Format::Wav),
            "pcm16" => Ok(Format::Pcm16),
            "pcmu" => Ok(Format::Codec(Codec::Pcmu)),
            "pcma" => Ok(Format::Codec(Codec::Pcma)),
            "gsm" => Ok(Format::Codec(Codec::Gsm)),
            "g729" => Ok(Format::Codec(Codec::G729)),
            _ => Err(TranscodeError::UnknownFormat(s.to_owned())),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::Wav => f.write_str("wav"),
            Format::Pcm16 => f.write_str("pcm16"),
            Format::Codec(codec) => codec
                .encoding_name()
                .chars()
                .try_for_each(|c| f.write_char(c.to_ascii_lowercase())),
        }
    }
}

/// Checks a rate given on the command line.
pub fn check_rate(flag: &'static str, rate: u32) -> Result<u32, TranscodeError> {
    if SUPPORTED_RATES.contains(&rate) {
        Ok(rate)
    } else {
        Err(TranscodeError::UnsupportedRate { flag, rate })
    }
}

/// Reads `bytes` in `format` into PCM and its rate. `pcm16_rate` is the
/// (checked) rate of pcm16 input, 8000 when not given.
pub fn decode(
    format: Format,
    bytes: &[u8],
    pcm16_rate: Option<u32>,
) -> Result<(Vec<i16>, u32), ContentError> {
    match format {
        Format::Wav => {
            let parsed = wav::parse(bytes)?;
            Ok((parsed.samples().collect(), parsed.sample_rate()))
        }
        Format::Pcm16 => {
            if bytes.len() % 2 != 0 {
                return Err(ContentError::Partial {
                    format,
                    len: bytes.len(),
                    unit: 2,
                    what: "samples",
                });
            }
            let pcm = bytes
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect();
            Ok((pcm, pcm16_rate.unwrap_or(8000)))
        }
        Format::Codec(codec) => Ok((decode_codec(format, codec, bytes)?, codec.clock_rate())),
    }
}

/// Decodes codec bytes frame by frame through the codec factory, as the
/// media engine would, packet by packet.
fn decode_codec(format: Format, codec: Codec, bytes: &[u8]) -> Result<Vec<i16>, ContentError> {
    let frame_bytes = codec.frame_bytes();
    if bytes.len() % frame_bytes != 0 {
        return Err(ContentError::Partial {
            format,
            len: bytes.len(),
            unit: frame_bytes,
            what: "frames",
        });
    }
    let frame_samples = codec.frame_samples();
    let mut decoder = decoder_for(codec);
    let mut pcm = vec![0i16; bytes.len() / frame_bytes * frame_samples];
    let per_packet = PACKET_SAMPLES / frame_samples;
    let packets = bytes
        .chunks(per_packet * frame_bytes)
        .zip(pcm.chunks_mut(PACKET_SAMPLES));
    for (index, (payload, out)) in packets.enumerate() {
        decoder
            .decode(payload, out)
            .map_err(|source| match source {
                codecs::CodecError::BadGsmMagic { .. } => ContentError::BadFrame {
                    index,
                    offset: index * per_packet * frame_bytes,
                    source,
                },
                other => ContentError::Codec(other),
            })?;
    }
    Ok(pcm)
}

/// Writes `pcm` at `rate` in `format` (codec formats are given 8 kHz).
pub fn encode(format: Format, pcm: &[i16], rate: u32) -> Result<Vec<u8>, ContentError> {
    match format {
        Format::Wav => Ok(wav::write(rate, pcm)?),
        Format::Pcm16 => Ok(pcm.iter().flat_map(|s| s.to_le_bytes()).collect()),
        Format::Codec(codec) => {
            let frame = codec.frame_samples();
            // A final partial frame is padded with silence, as toast does.
            let mut padded = pcm.to_vec();
            padded.resize(pcm.len().div_ceil(frame) * frame, 0);
            let mut out = vec![0u8; padded.len() / frame * codec.frame_bytes()];
            let n = encoder_for(codec).encode(&padded, &mut out)?;
            out.truncate(n);
            Ok(out)
        }
    }
}
