//! Encoder and decoder objects for every [`Codec`], behind the [`Encoder`]
//! and [`Decoder`] traits the media engine uses.
//!
//! Every other decoder feeds what it decodes to a [`crate::Plc`] and conceals lost
//! packets with it, so concealment works the same for every codec.
//! G.729 is the exception: its decoder conceals with the standard's own
//! bad-frame path (and continues comfort noise after a SID frame).

mod g711;
mod g729;
mod gsm;

use crate::{Codec, CodecError, Decoder, Encoder};

/// A new encoder for `codec`, with fresh state for one stream.
///
/// ```
/// use codecs::{Codec, encoder_for};
/// let mut enc = encoder_for(Codec::Pcmu);
/// let mut payload = [0u8; 160];
/// assert_eq!(enc.encode(&[0i16; 160], &mut payload)?, 160);
/// # Ok::<(), codecs::CodecError>(())
/// ```
pub fn encoder_for(codec: Codec) -> Box<dyn Encoder> {
    match codec {
        Codec::Pcmu => Box::new(g711::G711Encoder::new(g711::Law::U)),
        Codec::Pcma => Box::new(g711::G711Encoder::new(g711::Law::A)),
        Codec::Gsm => Box::new(gsm::GsmPacketEncoder::default()),
        Codec::G729 => Box::new(g729::G729PacketEncoder::default()),
    }
}

/// A new decoder for `codec`, with fresh state and loss concealment for one stream.
///
/// ```
/// use codecs::{Codec, decoder_for};
/// let mut dec = decoder_for(Codec::Gsm);
/// let mut pcm = [0i16; 160];
/// assert!(dec.decode(&[0u8; 20], &mut pcm).is_err()); // not a whole 33-byte frame
/// assert_eq!(dec.conceal(&mut pcm), 160);
/// # Ok::<(), codecs::CodecError>(())
/// ```
pub fn decoder_for(codec: Codec) -> Box<dyn Decoder> {
    match codec {
        Codec::Pcmu => Box::new(g711::G711Decoder::new(g711::Law::U)),
        Codec::Pcma => Box::new(g711::G711Decoder::new(g711::Law::A)),
        Codec::Gsm => Box::new(gsm::GsmPacketDecoder::default()),
        Codec::G729 => Box::new(g729::G729PacketDecoder::default()),
    }
}

/// Checks that `out` can take `needed` elements.
fn ensure_room(needed: usize, capacity: usize) -> Result<(), CodecError> {
    if capacity < needed {
        Err(CodecError::OutputTooSmall { needed, capacity })
    } else {
        Ok(())
    }
}
