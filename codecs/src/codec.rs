//! The codec abstraction the media engine uses: what a codec is called in
//! SDP, its RTP payload type and clock, and stateful encoder and decoder
//! objects that work on whole 20 ms packets.

use crate::CodecError;

/// Samples in one 20 ms packet at 8 kHz, the packetisation Trunkline uses
/// for every narrowband codec (`a=ptime:20`).
pub const PACKET_SAMPLES: usize = 160;

/// A speech codec Trunkline can negotiate on an RTP stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Codec {
    /// G.711 u-law, `PCMU/8000`, static payload type 0.
    Pcmu,
    /// G.711 A-law, `PCMA/8000`, static payload type 8.
    Pcma,
    /// GSM 06.10 full rate, `GSM/8000`, static payload type 3.
    Gsm,
    /// G.729 Annex A, `G729/8000`, static payload type 18.
    G729,
}

impl Codec {
    /// Every codec, in Trunkline's default offer order.
    pub const ALL: [Codec; 4] = [Codec::Pcmu, Codec::Pcma, Codec::G729, Codec::Gsm];

    /// The encoding name as it appears in an SDP `a=rtpmap` line.
    pub const fn encoding_name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
            Codec::Gsm => "GSM",
            Codec::G729 => "G729",
        }
    }

    /// The static RTP payload type (RFC 3551).
    pub const fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
            Codec::Gsm => 3,
            Codec::G729 => 18,
        }
    }

    /// The RTP clock rate in Hz; also the PCM sample rate of the codec.
    pub const fn clock_rate(self) -> u32 {
        8000
    }

    /// Samples in one codec frame: the unit the encoder consumes.
    pub const fn frame_samples(self) -> usize {
        match self {
            Codec::Pcmu | Codec::Pcma => 1,
            Codec::Gsm => 160,
            Codec::G729 => 80,
        }
    }

    /// Bytes of one encoded codec frame.
    pub const fn frame_bytes(self) -> usize {
        match self {
            Codec::Pcmu | Codec::Pcma => 1,
            Codec::Gsm => 33,
            Codec::G729 => 10,
        }
    }

    /// Duration of one codec frame in microseconds: 20,000 for GSM, 10,000
    /// for G.729, and 125 (one sample) for the sample-based G.711 codecs
    /// (RFC 3551 section 4.2).
    pub const fn frame_duration_us(self) -> u32 {
        (self.frame_samples() as u32) * 1_000_000 / self.clock_rate()
    }

    /// The packet duration Trunkline sends and offers, SDP's `a=ptime` in
    /// milliseconds: 20 for every codec (RFC 3551's default for all four),
    /// [`PACKET_SAMPLES`] samples.
    pub const fn ptime_ms(self) -> u32 {
        (PACKET_SAMPLES as u32) * 1000 / self.clock_rate()
    }

    /// Bytes of one [`Codec::ptime_ms`] packet: 160 for G.711, 33 for GSM,
    /// 20 for G.729 (two frames).
    pub const fn packet_bytes(self) -> usize {
        PACKET_SAMPLES / self.frame_samples() * self.frame_bytes()
    }

    /// Looks a codec up by its SDP encoding name (case-insensitive) and clock rate.
    pub fn from_rtpmap(name: &str, clock_rate: u32) -> Option<Codec> {
        Codec::ALL
            .into_iter()
            .find(|c| c.encoding_name().eq_ignore_ascii_case(name) && c.clock_rate() == clock_rate)
    }

    /// Looks a codec up by its static RTP payload type.
    pub fn from_payload_type(pt: u8) -> Option<Codec> {
        Codec::ALL.into_iter().find(|c| c.payload_type() == pt)
    }
}

impl std::fmt::Display for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.encoding_name())
    }
}

/// A stateful encoder for one direction of one call.
pub trait Encoder: Send {
    /// The codec this encoder produces.
    fn codec(&self) -> Codec;

    /// Encodes `pcm` (8 kHz, a whole number of codec frames) into `out` and
    /// returns the number of bytes written.
    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize, CodecError>;
}

/// A stateful decoder for one direction of one call.
pub trait Decoder: Send {
    /// The codec this decoder consumes.
    fn codec(&self) -> Codec;

    /// Decodes one RTP payload into `out` (8 kHz PCM) and returns the number
    /// of samples written.
    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize, CodecError>;

    /// Fills `out` with concealment for lost audio, following on from the
    /// last decoded or concealed samples, and returns the samples written.
    fn conceal(&mut self, out: &mut [i16]) -> usize;
}
