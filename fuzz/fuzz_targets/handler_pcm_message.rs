//! Raw PCM protocol input from a handler: arbitrary text frames and binary
//! frames never panic; accepted audio has one sample per two bytes.
#![no_main]

use dialer_api::handler::pcm::{PcmControl, decode_l16, parse_control};
use dialer_api::handler::twilio::MAX_MARK_NAME;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(PcmControl::Mark(name)) = parse_control(text) {
            assert!(name.len() <= MAX_MARK_NAME);
        }
    }
    match decode_l16(data) {
        Ok(samples) => assert_eq!(samples.len() * 2, data.len()),
        Err(_) => assert!(data.len() % 2 == 1),
    }
});
