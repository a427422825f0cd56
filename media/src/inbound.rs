//! The receive path after the network: jitter buffer, decoder, concealment,
//! comfort noise and time compression, giving one 20 ms PCM frame per tick.

use std::time::Instant;

use bytes::Bytes;
use codecs::{Decoder, PACKET_SAMPLES};

use crate::jitter::{
    FramePayload, JitterBuffer, JitterConfig, JitterStats, Playout, compress_two_frames, is_quiet,
};

/// Samples in one 10 ms piece of a frame.
const HALF_SAMPLES: usize = PACKET_SAMPLES / 2;

/// What an inbound frame holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// Decoded audio from the remote party.
    Audio,
    /// Two received frames time-compressed into one (the buffer shrank).
    Compressed,
    /// Concealment for a frame that was lost, late, or held back to grow the delay.
    Concealed,
    /// Comfort noise at the level the remote party signalled (RFC 3389).
    ComfortNoise,
    /// Silence: before the stream started or after a long gap.
    Silence,
}

/// One 20 ms frame of 8 kHz PCM for the AI handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboundFrame {
    /// The samples.
    pub samples: [i16; PACKET_SAMPLES],
    /// Where they came from.
    pub kind: FrameKind,
}

/// The receive path of one call from jitter buffer to PCM.
pub struct InboundAudio {
    buffer: JitterBuffer,
    decoder: Box<dyn Decoder>,
    scratch: [i16; 2 * PACKET_SAMPLES],
    /// Comfort-noise level in -dBov while the remote party is in a silence
    /// period, until its next speech frame.
    comfort_noise: Option<u8>,
    noise_state: u32,
    decode_errors: u64,
}

impl std::fmt::Debug for InboundAudio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboundAudio")
            .field("codec", &self.decoder.codec())
            .field("buffer", &self.buffer)
            .field("decode_errors", &self.decode_errors)
            .finish_non_exhaustive()
    }
}

impl InboundAudio {
    /// A receive path decoding with `decoder`.
    pub fn new(config: JitterConfig, decoder: Box<dyn Decoder>) -> InboundAudio {
        InboundAudio {
            buffer: JitterBuffer::new(config, decoder.codec().clock_rate()),
            decoder,
            scratch: [0; 2 * PACKET_SAMPLES],
            comfort_noise: None,
            noise_state: 0x1234_5678,
            decode_errors: 0,
        }
    }

    /// Files one 20 ms frame of payload (or a comfort-noise payload).
    pub fn push(&mut self, now: Instant, timestamp: u32, payload: Bytes, comfort_noise: bool) {
        self.buffer.push(now, timestamp, payload, comfort_noise);
    }

    /// Files the consecutive 10 ms pieces of one packet.
    pub fn push_pieces(
        &mut self,
        now: Instant,
        timestamp: u32,
        pieces: impl IntoIterator<Item = Bytes>,
    ) {
        self.buffer.push_pieces(now, timestamp, pieces);
    }

    /// Drops the received audio whose playout time passed while the driver
    /// stalled (see [`JitterBuffer::drop_backlog`]).
    pub fn drop_backlog(&mut self, now: Instant) {
        self.buffer.drop_backlog(now);
    }

    /// Forgets the stream timeline (a new remote source).
    pub fn reset(&mut self) {
        self.buffer.reset();
        self.comfort_noise = None;
    }

    /// The jitter buffer's figures.
    pub fn stats(&self) -> JitterStats {
        self.buffer.stats()
    }

    /// Payloads the decoder rejected (played as concealment).
    pub fn decode_errors(&self) -> u64 {
        self.decode_errors
    }

    /// Produces the frame for the tick at `now`.
    pub fn pop(&mut self, now: Instant) -> InboundFrame {
        let mut frame = InboundFrame {
            samples: [0; PACKET_SAMPLES],
            kind: FrameKind::Silence,
        };
        match self.buffer.pop(now) {
            Playout::Frame {
                payload,
                comfort_noise: true,
            } => {
                let level = payload.first_bytes().and_then(|b| b.first().copied());
                self.comfort_noise = Some(level.unwrap_or(127) & 0x7f);
                self.fill_comfort_noise(&mut frame);
            }
            Playout::Frame { payload, .. } => {
                self.comfort_noise = None;
                frame.kind = if self.decode_into(&payload, 0) {
                    frame
                        .samples
                        .copy_from_slice(&self.scratch[..PACKET_SAMPLES]);
                    FrameKind::Audio
                } else {
                    self.conceal(&mut frame)
                };
            }
            Playout::Compress { first, second } => {
                self.comfort_noise = None;
                let ok_first = self.decode_into(&first, 0);
                let ok_second = self.decode_into(&second, PACKET_SAMPLES);
                let (a, b) = self.scratch.split_at(PACKET_SAMPLES);
                frame.kind = FrameKind::Compressed;
                match (ok_first, ok_second) {
                    (true, true) if is_quiet(a) => frame.samples.copy_from_slice(b),
                    (true, true) if is_quiet(b) => frame.samples.copy_from_slice(a),
                    (true, true) => compress_two_frames(a, b, &mut frame.samples),
                    (true, false) => frame.samples.copy_from_slice(a),
                    (false, true) => frame.samples.copy_from_slice(b),
                    (false, false) => frame.kind = self.conceal(&mut frame),
                }
            }
            Playout::Conceal => frame.kind = self.conceal(&mut frame),
            Playout::Silence if self.comfort_noise.is_some() => self.fill_comfort_noise(&mut frame),
            Playout::Silence => {}
        }
        frame
    }

    /// Decodes a frame into `scratch[at..at + 160]`; a missing or
    /// undecodable 10 ms piece is concealed. False when nothing decoded.
    fn decode_into(&mut self, payload: &FramePayload, at: usize) -> bool {
        match payload {
            FramePayload::Whole(bytes) => self.decode_span(bytes, at, PACKET_SAMPLES),
            FramePayload::Split(pieces) => {
                let mut decoded = false;
                for (k, piece) in pieces.iter().enumerate() {
                    let start = at + k * HALF_SAMPLES;
                    let ok = piece
                        .as_ref()
                        .is_some_and(|bytes| self.decode_span(bytes, start, HALF_SAMPLES));
                    if !ok {
                        let out = &mut self.scratch[start..start + HALF_SAMPLES];
                        let filled = self.decoder.conceal(out).min(HALF_SAMPLES);
                        out[filled..].fill(0);
                    }
                    decoded |= ok;
                }
                decoded
            }
        }
    }

    fn decode_span(&mut self, payload: &[u8], at: usize, len: usize) -> bool {
        let out = &mut self.scratch[at..at + len];
        match self.decoder.decode(payload, out) {
            Ok(n) if n == len => true,
            Ok(n) => {
                // A short payload: the rest of the span is concealed.
                let rest = &mut out[n.min(len)..];
                let filled = self.decoder.conceal(rest).min(rest.len());
                rest[filled..].fill(0);
                true
            }
            Err(_) => {
                self.decode_errors += 1;
                false
            }
        }
    }

    fn conceal(&mut self, frame: &mut InboundFrame) -> FrameKind {
        if self.comfort_noise.is_some() {
            self.fill_comfort_noise(frame);
            return FrameKind::ComfortNoise;
        }
        let filled = self.decoder.conceal(&mut frame.samples);
        frame.samples[filled.min(PACKET_SAMPLES)..].fill(0);
        FrameKind::Concealed
    }

    /// White noise at the signalled level (RFC 3389: the level byte is -dBov).
    fn fill_comfort_noise(&mut self, frame: &mut InboundFrame) {
        let level_dbov = f32::from(self.comfort_noise.unwrap_or(127));
        let rms = 32767.0 * 10f32.powf(-level_dbov / 20.0);
        // Uniform noise in [-a, a] has an RMS of a / sqrt(3).
        let amplitude = (rms * 3f32.sqrt()).min(32767.0);
        for sample in frame.samples.iter_mut() {
            self.noise_state = self
                .noise_state
                .wrapping_mul(1_664_525)
                .wrapping_add(1_013_904_223);
            let unit = (self.noise_state >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0;
            *sample = (unit * amplitude) as i16;
        }
        frame.kind = FrameKind::ComfortNoise;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use codecs::Codec;

    use super::*;

    fn decoded(payload: &[u8]) -> [i16; PACKET_SAMPLES] {
        let mut out = [0; PACKET_SAMPLES];
        let mut decoder = codecs::decoder_for(Codec::Pcmu);
        assert_eq!(decoder.decode(payload, &mut out), Ok(PACKET_SAMPLES));
        out
    }

    #[test]
    fn time_compression_drops_a_quiet_frame_whole() {
        let config = JitterConfig {
            shrink_after_pops: 1,
            ..JitterConfig::default()
        };
        let mut inbound = InboundAudio::new(config, codecs::decoder_for(Codec::Pcmu));
        // u-law 0xff is 0; 0x20/0x30 are loud (about -8000 and -3900).
        let quiet = Bytes::from_static(&[0xff; 160]);
        let loud_1 = Bytes::from_static(&[0x20; 160]);
        let loud_2 = Bytes::from_static(&[0x30; 160]);
        let start = Instant::now();
        // A burst: twelve frames at once, so the delay is far above target.
        let frames = [&quiet, &loud_1, &loud_2, &quiet]
            .into_iter()
            .chain([&loud_1; 8]);
        for (k, payload) in frames.enumerate() {
            inbound.push(start, k as u32 * 160, payload.clone(), false);
        }
        let first = inbound.pop(start);
        assert_eq!(first.kind, FrameKind::Compressed);
        assert_eq!(
            first.samples,
            decoded(&loud_1),
            "the quiet first frame is dropped"
        );
        let second = inbound.pop(start + Duration::from_millis(20));
        assert_eq!(second.kind, FrameKind::Compressed);
        assert_eq!(
            second.samples,
            decoded(&loud_2),
            "the quiet second frame is dropped"
        );
        assert_eq!(inbound.stats().accelerate_events, 2);
    }
}
