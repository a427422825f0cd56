//! Trunkline's Twilio messages as the echo bot reads them: arbitrary text
//! never panics, and accepted media decodes to no more bytes than the text.
#![no_main]

use dialer_api::echo_bot::{StreamMessage, parse_stream_message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match parse_stream_message(text) {
        Ok(StreamMessage::Media { ulaw, .. }) => assert!(ulaw.len() <= text.len()),
        Ok(StreamMessage::Other { event }) => assert!(event.chars().count() <= 64),
        Ok(_) | Err(_) => {}
    }
});
