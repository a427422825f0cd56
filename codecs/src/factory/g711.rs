//! G.711 u-law and A-law behind the codec traits: one byte per sample, so
//! any number of samples is a whole number of frames.

use super::ensure_room;
use crate::g711::{alaw_decode_slice, alaw_encode_slice, ulaw_decode_slice, ulaw_encode_slice};
use crate::{Codec, CodecError, Decoder, Encoder, Plc};

/// Which companding law.
#[derive(Clone, Copy, Debug)]
pub(super) enum Law {
    /// u-law, `PCMU`.
    U,
    /// A-law, `PCMA`.
    A,
}

impl Law {
    fn codec(self) -> Codec {
        match self {
            Law::U => Codec::Pcmu,
            Law::A => Codec::Pcma,
        }
    }
}

/// G.711 encoder; stateless apart from the law.
pub(super) struct G711Encoder {
    law: Law,
}

impl G711Encoder {
    pub(super) fn new(law: Law) -> Self {
        G711Encoder { law }
    }
}

impl Encoder for G711Encoder {
    fn codec(&self) -> Codec {
        self.law.codec()
    }

    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize, CodecError> {
        ensure_room(pcm.len(), out.len())?;
        Ok(match self.law {
            Law::U => ulaw_encode_slice(pcm, out),
            Law::A => alaw_encode_slice(pcm, out),
        })
    }
}

/// G.711 decoder with loss concealment.
pub(super) struct G711Decoder {
    law: Law,
    plc: Plc,
}

impl G711Decoder {
    pub(super) fn new(law: Law) -> Self {
        G711Decoder {
            law,
            plc: Plc::new(),
        }
    }
}

impl Decoder for G711Decoder {
    fn codec(&self) -> Codec {
        self.law.codec()
    }

    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize, CodecError> {
        ensure_room(payload.len(), out.len())?;
        let n = match self.law {
            Law::U => ulaw_decode_slice(payload, out),
            Law::A => alaw_decode_slice(payload, out),
        };
        self.plc.good_frame(&mut out[..n]);
        Ok(n)
    }

    fn conceal(&mut self, out: &mut [i16]) -> usize {
        self.plc.conceal(out);
        out.len()
    }
}
