//! G.729 Annex A behind the codec traits: an RTP payload carries any number
//! of 10-byte frames of 80 samples, optionally followed by one 2-byte
//! Annex B SID frame (RFC 3551 section 4.5.6).

use super::ensure_room;
use crate::g729::{FRAME_BYTES, G729Decoder, G729Encoder, L_FRAME, SID_BYTES};
use crate::{Codec, CodecError, Decoder, Encoder};

/// G.729 encoder for whole 10 ms frames.
#[derive(Default)]
pub(super) struct G729PacketEncoder {
    encoder: G729Encoder,
}

impl Encoder for G729PacketEncoder {
    fn codec(&self) -> Codec {
        Codec::G729
    }

    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize, CodecError> {
        let partial = CodecError::PartialFrame {
            codec: "G729",
            len: pcm.len(),
            unit: L_FRAME,
            what: "sample",
        };
        if pcm.len() % L_FRAME != 0 {
            return Err(partial);
        }
        let needed = pcm.len() / L_FRAME * FRAME_BYTES;
        ensure_room(needed, out.len())?;
        for (frame, bytes) in pcm
            .chunks_exact(L_FRAME)
            .zip(out.chunks_exact_mut(FRAME_BYTES))
        {
            let frame: &[i16; L_FRAME] = frame.try_into().map_err(|_| partial.clone())?;
            bytes.copy_from_slice(&self.encoder.encode_frame(frame));
        }
        Ok(needed)
    }
}

/// G.729 decoder; lost packets use the standard's own concealment, and
/// after a SID frame comfort noise continues.
#[derive(Default)]
pub(super) struct G729PacketDecoder {
    decoder: G729Decoder,
}

impl Decoder for G729PacketDecoder {
    fn codec(&self) -> Codec {
        Codec::G729
    }

    /// Decodes every 10-byte frame and a trailing SID frame. A payload
    /// whose length is neither a multiple of 10 nor a multiple of 10 plus 2
    /// is refused before anything is decoded.
    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize, CodecError> {
        let speech_frames = payload.len() / FRAME_BYTES;
        let tail = payload.len() % FRAME_BYTES;
        if tail != 0 && tail != SID_BYTES {
            return Err(CodecError::PartialFrame {
                codec: "G729",
                len: payload.len(),
                unit: FRAME_BYTES,
                what: "byte",
            });
        }
        let frames = speech_frames + usize::from(tail == SID_BYTES);
        let needed = frames * L_FRAME;
        ensure_room(needed, out.len())?;
        let mut pcm = out.chunks_exact_mut(L_FRAME);
        for bytes in payload.chunks_exact(FRAME_BYTES) {
            if let (Ok(frame), Some(dst)) = (<&[u8; FRAME_BYTES]>::try_from(bytes), pcm.next()) {
                dst.copy_from_slice(&self.decoder.decode_frame(frame));
            }
        }
        if tail == SID_BYTES {
            if let Some(dst) = pcm.next() {
                dst.copy_from_slice(
                    &self
                        .decoder
                        .decode_sid(&payload[speech_frames * FRAME_BYTES..]),
                );
            }
        }
        Ok(needed)
    }

    /// Conceals whole 10 ms frames until `out` is full; a last partial
    /// frame takes the start of one more concealed frame.
    fn conceal(&mut self, out: &mut [i16]) -> usize {
        for dst in out.chunks_mut(L_FRAME) {
            let frame = self.decoder.conceal();
            dst.copy_from_slice(&frame[..dst.len()]);
        }
        out.len()
    }
}
