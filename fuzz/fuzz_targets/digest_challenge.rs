//! Digest challenges from arbitrary WWW-Authenticate values: parsing never
//! panics, and credentials computed for any accepted challenge verify and
//! parse back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sip_core::auth::{DigestChallenge, DigestCredentials, DigestInput};
use sip_core::{HeaderName, Headers};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.contains(['\r', '\n']) {
        return;
    }
    let mut headers = Headers::new();
    headers.push(HeaderName::WwwAuthenticate, text);
    let Ok(challenges) = headers.www_authenticate() else {
        return;
    };
    for c in &challenges {
        let Ok(Some(digest)) = DigestChallenge::from_challenge(c) else {
            continue;
        };
        let input = DigestInput {
            username: "u",
            password: "p",
            method: "REGISTER",
            uri: "sip:h",
            body: b"",
        };
        let creds = DigestCredentials::answer(&digest, &input, 1, "0a4f113b");
        assert!(
            creds.verify("u", "p", "REGISTER", b""),
            "fresh credentials verify"
        );
        let mut back = Headers::new();
        back.push(HeaderName::Authorization, creds.to_value());
        let parsed = back.authorization().expect("our Authorization parses");
        let again =
            DigestCredentials::from_credentials(&parsed[0]).expect("our credentials read back");
        assert_eq!(again, creds);
    }
});
