//! SIP message parsing on arbitrary bytes: it must never panic, every typed
//! accessor and the validation must return (Ok or Err), and a message that
//! parses must print to bytes that parse back to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sip_core::{Message, StreamFramer, UaPolicy, validate_request, validate_response};

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = Message::parse(data.to_vec()) {
        let h = message.headers();
        let _ = (
            h.vias(),
            h.top_via(),
            h.from(),
            h.to(),
            h.call_id(),
            h.cseq(),
            h.max_forwards(),
        );
        let _ = (
            h.contacts(),
            h.routes(),
            h.record_routes(),
            h.expires(),
            h.min_expires(),
        );
        let _ = (
            h.content_type(),
            h.content_length(),
            h.accept(),
            h.allow(),
            h.supported(),
            h.require(),
        );
        let _ = (
            h.session_expires(),
            h.min_se(),
            h.retry_after(),
            h.reasons(),
            h.warnings(),
        );
        let _ = (
            h.www_authenticate(),
            h.proxy_authenticate(),
            h.authorization(),
        );
        match &message {
            Message::Request(r) => {
                if let Err(rejection) = validate_request(r, &UaPolicy::default()) {
                    let _ = rejection.to_response(r, &UaPolicy::default()).to_bytes();
                }
            }
            Message::Response(r) => {
                let _ = validate_response(r);
            }
        }
        let printed = message.to_bytes();
        let again = Message::parse(printed).expect("a printed message parses");
        assert_eq!(again, message, "print then parse changed the message");
    }
    let mut framer = StreamFramer::new(4096);
    for chunk in data.chunks(97) {
        framer.push(chunk);
        loop {
            match framer.next_message() {
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
    }
});
