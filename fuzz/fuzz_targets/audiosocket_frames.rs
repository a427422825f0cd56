//! An AudioSocket byte stream from a handler: splitting it into frames and
//! interpreting each never panics, every frame consumes its header and
//! payload, and re-encoding the frames gives back the bytes consumed.
#![no_main]

use dialer_api::handler::audiosocket::{HEADER_LEN, encode_frame, interpret_frame, split_frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    let mut rebuilt = Vec::new();
    while let Some((frame, used)) = split_frame(rest) {
        assert_eq!(used, HEADER_LEN + frame.payload.len());
        assert!(used <= rest.len());
        let _ = interpret_frame(frame, true);
        let _ = interpret_frame(frame, false);
        encode_frame(frame.kind, frame.payload, &mut rebuilt);
        rest = &rest[used..];
    }
    assert_eq!(rebuilt, data[..data.len() - rest.len()]);
});
