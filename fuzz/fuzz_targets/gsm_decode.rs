//! GSM 06.10 on arbitrary bytes, two ways, state carried from frame to
//! frame; nothing may panic:
//!
//! - the raw `GsmDecoder` on the input cut into 33-byte frames;
//! - the packet decoder media uses (`decoder_for(Codec::Gsm)`: whole-frame
//!   payloads, typed errors, loss concealment through the PLC), driven by
//!   control bytes: each picks a payload of the next 0 to 99 bytes (any
//!   length, so partial frames and bad signatures reach the decoder) or a
//!   loss of 1 to 400 samples, concealed, and a refused payload is
//!   concealed as media does.
#![no_main]

use codecs::gsm::{FRAME_BYTES, GsmDecoder};
use codecs::{Codec, decoder_for};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut decoder = GsmDecoder::new();
    for chunk in data.chunks_exact(FRAME_BYTES) {
        if let Ok(frame) = <&[u8; FRAME_BYTES]>::try_from(chunk) {
            let _ = decoder.decode_frame(frame);
        }
    }

    let mut packets = decoder_for(Codec::Gsm);
    let mut pcm = [0i16; 160 * 4];
    let mut rest = data;
    while let Some((&control, tail)) = rest.split_first() {
        rest = tail;
        if control & 1 == 0 {
            let take = usize::from(control >> 1).min(99).min(rest.len());
            let (payload, tail) = rest.split_at(take);
            rest = tail;
            if packets.decode(payload, &mut pcm).is_err() {
                packets.conceal(&mut pcm[..160]);
            }
        } else {
            let len = (usize::from(control) * 3).clamp(1, 400);
            let mut lost = [0i16; 400];
            packets.conceal(&mut lost[..len]);
        }
    }
});
