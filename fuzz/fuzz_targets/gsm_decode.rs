//! The GSM 06.10 decoder on arbitrary bytes, cut into 33-byte frames, with
//! its state carried from frame to frame: it must never panic.
#![no_main]

use codecs::gsm::{FRAME_BYTES, GsmDecoder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut decoder = GsmDecoder::new();
    for chunk in data.chunks_exact(FRAME_BYTES) {
        if let Ok(frame) = <&[u8; FRAME_BYTES]>::try_from(chunk) {
            let _ = decoder.decode_frame(frame);
        }
    }
});
