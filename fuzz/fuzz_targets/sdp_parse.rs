//! SDP parsing and offer/answer on arbitrary bytes: never panics, and
//! printing is stable (print, parse, print gives the same text).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sip_core::sdp::{LocalMedia, SessionDescription};

fuzz_target!(|data: &[u8]| {
    if let Ok(sdp) = SessionDescription::parse(data) {
        let local = LocalMedia::new("192.0.2.1".parse().expect("literal address"), 4000);
        let _ = local.negotiate_answer(&sdp);
        if let Ok((answer, _)) = local.answer(&sdp) {
            let text = answer.to_text();
            assert!(
                SessionDescription::parse(text.as_bytes()).is_ok(),
                "our answer parses"
            );
        }
        let printed = sdp.to_text();
        let again = SessionDescription::parse(printed.as_bytes()).expect("printed SDP parses");
        assert_eq!(again.to_text(), printed, "printing is not stable");
    }
});
