//! GSM 06.10 behind the codec traits: an RTP payload carries one or more
//! 33-byte frames of 160 samples each.

use super::ensure_room;
use crate::gsm::{FRAME_BYTES, FRAME_SAMPLES, GsmDecoder, GsmEncoder};
use crate::{Codec, CodecError, Decoder, Encoder, Plc};

/// GSM encoder for whole 20 ms frames.
#[derive(Default)]
pub(super) struct GsmPacketEncoder {
    encoder: GsmEncoder,
}

impl Encoder for GsmPacketEncoder {
    fn codec(&self) -> Codec {
        Codec::Gsm
    }

    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize, CodecError> {
        let partial = CodecError::PartialFrame {
            codec: "GSM",
            len: pcm.len(),
            unit: FRAME_SAMPLES,
            what: "sample",
        };
        if pcm.len() % FRAME_SAMPLES != 0 {
            return Err(partial);
        }
        let needed = pcm.len() / FRAME_SAMPLES * FRAME_BYTES;
        ensure_room(needed, out.len())?;
        for (frame, bytes) in pcm
            .chunks_exact(FRAME_SAMPLES)
            .zip(out.chunks_exact_mut(FRAME_BYTES))
        {
            let frame: &[i16; FRAME_SAMPLES] = frame.try_into().map_err(|_| partial.clone())?;
            bytes.copy_from_slice(&self.encoder.encode_frame(frame));
        }
        Ok(needed)
    }
}

/// GSM decoder with loss concealment.
#[derive(Default)]
pub(super) struct GsmPacketDecoder {
    decoder: GsmDecoder,
    plc: Plc,
}

impl Decoder for GsmPacketDecoder {
    fn codec(&self) -> Codec {
        Codec::Gsm
    }

    /// Decodes every frame of the payload. A payload that is not a whole
    /// number of frames, or holds a frame without the GSM signature, is
    /// refused before anything is decoded, leaving the state untouched.
    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize, CodecError> {
        let partial = CodecError::PartialFrame {
            codec: "GSM",
            len: payload.len(),
            unit: FRAME_BYTES,
            what: "byte",
        };
        if payload.len() % FRAME_BYTES != 0 {
            return Err(partial);
        }
        let needed = payload.len() / FRAME_BYTES * FRAME_SAMPLES;
        ensure_room(needed, out.len())?;
        if let Some(found) = payload
            .chunks_exact(FRAME_BYTES)
            .filter_map(|frame| frame.first())
            .map(|b| b >> 4)
            .find(|&nibble| nibble != 0xD)
        {
            return Err(CodecError::BadGsmMagic { found });
        }
        for (bytes, pcm) in payload
            .chunks_exact(FRAME_BYTES)
            .zip(out.chunks_exact_mut(FRAME_SAMPLES))
        {
            let bytes: &[u8; FRAME_BYTES] = bytes.try_into().map_err(|_| partial.clone())?;
            pcm.copy_from_slice(&self.decoder.decode_frame(bytes)?);
            self.plc.good_frame(pcm);
        }
        Ok(needed)
    }

    fn conceal(&mut self, out: &mut [i16]) -> usize {
        self.plc.conceal(out);
        out.len()
    }
}
