//! Requests a client builds from the INVITE it sent: the ACK for a non-2xx
//! final response (RFC 3261 17.1.1.3) and CANCEL (9.1).

use crate::header::{CSeq, HeaderValue};
use crate::message::{HeaderName, Method, Request, Response};

/// A request of `method` carrying the INVITE's Request-URI, top Via, From,
/// Call-ID, CSeq number and Route headers as they were sent, and `to`.
fn derived(invite: &Request, method: Method, to: Option<&crate::ByteStr>) -> Request {
    let h = &invite.headers;
    let mut b = Request::builder(method.clone(), invite.uri.clone());
    if let Some((src, top)) = h.elements(&HeaderName::Via).next() {
        b = b.header(HeaderName::Via, src.slice_ref(top));
    }
    b = b.max_forwards(70);
    if let Some(v) = h.get(&HeaderName::From) {
        b = b.header(HeaderName::From, v.clone());
    }
    if let Some(v) = to.or_else(|| h.get(&HeaderName::To)) {
        b = b.header(HeaderName::To, v.clone());
    }
    if let Some(v) = h.get(&HeaderName::CallId) {
        b = b.header(HeaderName::CallId, v.clone());
    }
    if let Ok(cseq) = h.cseq() {
        b = b.header(HeaderName::CSeq, CSeq::new(cseq.seq, method).to_value());
    }
    for r in h.get_all(&HeaderName::Route) {
        b = b.header(HeaderName::Route, r.clone());
    }
    b.build()
}

/// The ACK a client INVITE transaction sends for a 3xx-6xx response: same
/// Request-URI, top Via (so the same branch), From, Call-ID, CSeq number and
/// Routes as the INVITE, and the To of the response (with its tag).
pub fn ack_for_non_2xx(invite: &Request, response: &Response) -> Request {
    derived(invite, Method::Ack, response.headers.get(&HeaderName::To))
}

/// The CANCEL of `invite`: same Request-URI, top Via, From, To, Call-ID,
/// CSeq number and Routes, method CANCEL, no body.
pub fn cancel_for(invite: &Request) -> Request {
    derived(invite, Method::Cancel, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StatusCode;

    const INVITE: &str = "INVITE sip:bob@example.com SIP/2.0\r\n\
        Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc;rport, SIP/2.0/UDP p.example;branch=z9hG4bKx\r\n\
        Max-Forwards: 69\r\n\
        Route: <sip:p1.example.com;lr>\r\n\
        From: \"A\" <sip:a@example.com>;tag=f1\r\n\
        To: <sip:bob@example.com>\r\n\
        Call-ID: c1@host\r\n\
        CSeq: 7 INVITE\r\n\
        Content-Type: application/sdp\r\n\
        Content-Length: 3\r\n\r\nv=0";

    #[test]
    fn ack_and_cancel_copy_the_invite() {
        let invite = Request::parse(INVITE).unwrap();
        let mut resp = Response::for_request(&invite, StatusCode::BUSY_HERE, "Busy Here");
        resp.set_to_tag("t9").unwrap();
        let ack = ack_for_non_2xx(&invite, &resp);
        assert_eq!(ack.method, Method::Ack);
        assert_eq!(ack.uri.to_string(), "sip:bob@example.com");
        let vias = ack.headers.vias().unwrap();
        assert_eq!(vias.len(), 1);
        assert_eq!(vias[0].branch().unwrap(), "z9hG4bKabc");
        assert_eq!(ack.headers.to().unwrap().tag().unwrap(), "t9");
        assert_eq!(ack.headers.cseq().unwrap(), CSeq::new(7, Method::Ack));
        assert_eq!(ack.headers.routes().unwrap().len(), 1);
        assert!(ack.body.is_empty());

        let cancel = cancel_for(&invite);
        assert_eq!(cancel.headers.cseq().unwrap(), CSeq::new(7, Method::Cancel));
        assert_eq!(cancel.headers.to().unwrap().tag(), None);
        assert_eq!(cancel.headers.from().unwrap().tag().unwrap(), "f1");
        assert_eq!(
            cancel.headers.top_via().unwrap().branch().unwrap(),
            "z9hG4bKabc"
        );
    }
}
