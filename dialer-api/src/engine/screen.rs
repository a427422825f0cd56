//! What the SIP socket lets through. Datagrams from addresses that are not
//! a trunk's are dropped before they are read; requests from SIP scanners
//! are dropped after a parse, before any state is created.

use bytes::Bytes;
use sip_core::{Message, Method};

/// User-Agent fragments of SIP scanners and war-dialers (case-insensitive).
pub const SCANNER_AGENTS: &[&str] = &[
    "friendly-scanner",
    "sipvicious",
    "sipcli",
    "sip-scan",
    "sipscan",
    "sundayddr",
    "iwar",
    "vaxsipuseragent",
    "pplsip",
    "smap",
];

/// Whether a User-Agent value names a scanner.
pub fn is_scanner(user_agent: &str) -> bool {
    let ua = user_agent.to_ascii_lowercase();
    SCANNER_AGENTS.iter().any(|s| ua.contains(s))
}

/// A datagram from a trunk address, read just enough to route it.
#[derive(Debug)]
pub(crate) enum Screened {
    /// Keep-alive whitespace.
    KeepAlive,
    /// Not a SIP message.
    Garbage,
    /// A request from a scanner.
    Scanner,
    /// A SIP message to route by its Call-ID.
    Sip {
        /// Its Call-ID.
        call_id: String,
        /// `Some` for a request: its method and Request-URI user.
        request: Option<(Method, Option<String>)>,
    },
}

/// Reads `data` (from an allowed source) far enough to route it.
pub(crate) fn screen(data: &Bytes) -> Screened {
    if data.iter().all(u8::is_ascii_whitespace) {
        return Screened::KeepAlive;
    }
    let Ok(message) = Message::parse(data.clone()) else {
        return Screened::Garbage;
    };
    let (headers, request) = match &message {
        Message::Request(r) => {
            let user = match &r.uri {
                sip_core::Uri::Sip(u) => u.user.as_ref().map(|u| u.to_string()),
                _ => None,
            };
            (&r.headers, Some((r.method.clone(), user)))
        }
        Message::Response(r) => (&r.headers, None),
    };
    if request.is_some() && headers.user_agent().is_some_and(|ua| is_scanner(ua)) {
        return Screened::Scanner;
    }
    match headers.call_id() {
        Ok(id) => Screened::Sip {
            call_id: id.to_string(),
            request,
        },
        Err(_) => Screened::Garbage,
    }
}

/// The Call-ID of a request we send, and whether it is an INVITE; `None`
/// for our responses (they answer requests that need no route back: an
/// in-dialog request is routed by its call's INVITE, and an OPTIONS
/// keep-alive or a refused INVITE leaves nothing to route).
pub(crate) fn outgoing_call_id(data: &Bytes) -> Option<(String, bool)> {
    match Message::parse(data.clone()).ok()? {
        Message::Request(r) => Some((
            r.headers.call_id().ok()?.to_string(),
            r.method == Method::Invite,
        )),
        Message::Response(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(ua: &str) -> Bytes {
        Bytes::from(format!(
            "OPTIONS sip:100@198.51.100.7 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 203.0.113.5:5071;branch=z9hG4bK-1\r\n\
             From: <sip:100@203.0.113.5>;tag=1\r\nTo: <sip:100@198.51.100.7>\r\n\
             Call-ID: abc@203.0.113.5\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\
             User-Agent: {ua}\r\nContent-Length: 0\r\n\r\n"
        ))
    }

    #[test]
    fn scanners_are_recognised_by_user_agent() {
        for ua in [
            "friendly-scanner",
            "sipvicious 0.3.4",
            "SIPVicious",
            "VaxSIPUserAgent/3.1",
            "sipcli/v1.8",
        ] {
            assert!(matches!(screen(&request(ua)), Screened::Scanner), "{ua}");
        }
        match screen(&request("Asterisk PBX 18.0")) {
            Screened::Sip { call_id, request } => {
                assert_eq!(call_id, "abc@203.0.113.5");
                let (method, user) = request.unwrap();
                assert_eq!(method, Method::Options);
                assert_eq!(user.as_deref(), Some("100"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn keep_alives_and_garbage() {
        assert!(matches!(
            screen(&Bytes::from_static(b"\r\n\r\n")),
            Screened::KeepAlive
        ));
        assert!(matches!(
            screen(&Bytes::from_static(b"\x80\x00garbage")),
            Screened::Garbage
        ));
    }

    #[test]
    fn responses_route_by_call_id() {
        let r = Bytes::from_static(
            b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-2\r\n\
              From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: xyz\r\n\
              CSeq: 2 REGISTER\r\nContent-Length: 0\r\n\r\n",
        );
        match screen(&r) {
            Screened::Sip { call_id, request } => {
                assert_eq!(call_id, "xyz");
                assert!(request.is_none());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(outgoing_call_id(&r), None, "our responses learn no route");
    }
}
