//! Dialogs (RFC 3261 §12): identifiers, sequence numbers, route set and
//! remote target, and the in-dialog requests built from them. The UAC call
//! state machine that uses them lives in [`crate::endpoint`].

pub(crate) mod media;
pub(crate) mod session_timer;

use crate::error::ParseError;
use crate::header::{CSeq, HeaderValue, NameAddr, Via};
use crate::message::{HeaderName, Headers, Method, Request, RequestBuilder, Response};
use crate::text::ByteStr;
use crate::uri::Uri;

/// What identifies a dialog at one end: Call-ID, our tag, the peer's tag.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DialogId {
    /// Call-ID.
    pub call_id: ByteStr,
    /// Our tag (From in our requests, To in theirs).
    pub local_tag: ByteStr,
    /// The peer's tag.
    pub remote_tag: ByteStr,
}

impl DialogId {
    /// The dialog a received in-dialog request belongs to at our end: our
    /// tag is its To tag, the peer's its From tag. `None` without both tags.
    pub fn of_request(req: &Request) -> Option<DialogId> {
        Some(DialogId {
            call_id: req.headers.call_id().ok()?,
            local_tag: req.headers.to().ok()?.tag()?.clone(),
            remote_tag: req.headers.from().ok()?.tag()?.clone(),
        })
    }
}

/// The state of one dialog as the side that sent the INVITE (UAC).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dialog {
    /// The identifiers.
    pub id: DialogId,
    /// Our address (From of our requests), without tag.
    pub local_uri: NameAddr,
    /// The peer's address (To of our requests), without tag.
    pub remote_uri: NameAddr,
    /// The CSeq of our last request.
    pub local_seq: u32,
    /// The CSeq of the peer's last request, once it sent one.
    pub remote_seq: Option<u32>,
    /// Where in-dialog requests go: the peer's Contact.
    pub remote_target: Uri,
    /// Record-Route of the response, reversed: the Route of our requests.
    pub route_set: Vec<NameAddr>,
}

fn without_tag(mut a: NameAddr) -> NameAddr {
    a.params.remove("tag");
    a
}

fn first_contact(headers: &Headers) -> Option<Uri> {
    headers
        .contacts()
        .ok()?
        .into_iter()
        .find_map(|c| c.addr().map(|a| a.uri.clone()))
}

impl Dialog {
    /// The dialog that `response` (a 2xx, or a 1xx with a To tag) to our
    /// `invite` creates (RFC 3261 12.1.2): the route set is the response's
    /// Record-Route reversed, the remote target its Contact (the
    /// Request-URI when a broken peer sends none).
    pub fn uac(invite: &Request, response: &Response) -> Result<Dialog, ParseError> {
        let from = invite.headers.from()?;
        let to = response.headers.to()?;
        let local_tag = from
            .tag()
            .cloned()
            .ok_or(ParseError::header(HeaderName::From, "our From has no tag"))?;
        let remote_tag = to.tag().cloned().ok_or(ParseError::header(
            HeaderName::To,
            "the response has no To tag",
        ))?;
        let mut route_set = response.headers.record_routes()?;
        route_set.reverse();
        Ok(Dialog {
            id: DialogId {
                call_id: invite.headers.call_id()?,
                local_tag,
                remote_tag,
            },
            local_uri: without_tag(from),
            remote_uri: without_tag(to),
            local_seq: invite.headers.cseq()?.seq,
            remote_seq: None,
            remote_target: first_contact(&response.headers).unwrap_or_else(|| invite.uri.clone()),
            route_set,
        })
    }

    fn builder(&self, method: Method, via: Via, seq: u32) -> RequestBuilder {
        // A strict router first in the route set (no `lr`) takes the
        // Request-URI; the remote target goes last in Route (12.2.1.1).
        let strict = self
            .route_set
            .first()
            .filter(|r| r.uri.as_sip().is_some_and(|u| !u.lr()));
        let (uri, routes): (Uri, Vec<NameAddr>) = match strict {
            Some(first) => {
                let mut rest: Vec<NameAddr> = self.route_set[1..].to_vec();
                rest.push(NameAddr::new(self.remote_target.clone()));
                (first.uri.clone(), rest)
            }
            None => (self.remote_target.clone(), self.route_set.clone()),
        };
        let mut b = Request::builder(method.clone(), uri)
            .via(via)
            .max_forwards(70);
        for r in routes {
            b = b.route(r);
        }
        b.from(self.local_uri.clone().with_tag(&self.id.local_tag))
            .to(self.remote_uri.clone().with_tag(&self.id.remote_tag))
            .call_id(self.id.call_id.clone())
            .header(HeaderName::CSeq, CSeq::new(seq, method).to_value())
    }

    /// Starts a new in-dialog request (not ACK, not CANCEL) with the next
    /// CSeq; add headers and a body, then `build`.
    pub fn request(&mut self, method: Method, via: Via) -> RequestBuilder {
        self.local_seq = self.local_seq.wrapping_add(1);
        self.builder(method, via, self.local_seq)
    }

    /// The ACK for a 2xx to our INVITE with CSeq `seq` (a new transaction:
    /// give it a new branch).
    pub fn ack(&self, seq: u32, via: Via) -> RequestBuilder {
        self.builder(Method::Ack, via, seq)
    }

    /// Checks the CSeq of a request from the peer (RFC 3261 12.2.2): lower
    /// than the last one means out of order (answer 500). ACK and CANCEL
    /// reuse their INVITE's number and are not checked.
    pub fn accept_remote_cseq(&mut self, req: &Request) -> bool {
        if matches!(req.method, Method::Ack | Method::Cancel) {
            return true;
        }
        let Ok(cseq) = req.headers.cseq() else {
            return false;
        };
        if self.remote_seq.is_some_and(|last| cseq.seq < last) {
            return false;
        }
        self.remote_seq = Some(cseq.seq);
        true
    }

    /// A target refresh (re-INVITE, UPDATE, or their 2xx) moves the remote
    /// target to its Contact.
    pub fn refresh_target(&mut self, headers: &Headers) {
        if let Some(uri) = first_contact(headers) {
            self.remote_target = uri;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StatusCode;
    use crate::header::Transport;

    fn invite() -> Request {
        Request::parse(
            "INVITE sip:+15551234@sip1.example.com SIP/2.0\r\n\
             Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport\r\n\
             From: \"Dialer\" <sip:+60123@sip1.example.com>;tag=ours\r\n\
             To: <sip:+15551234@sip1.example.com>\r\n\
             Call-ID: abc\r\nCSeq: 3 INVITE\r\nContent-Length: 0\r\n\r\n",
        )
        .unwrap()
    }

    fn ok(record_route: &str) -> Response {
        let mut r = Response::for_request(&invite(), StatusCode::OK, "OK");
        r.set_to_tag("theirs").unwrap();
        r.headers
            .push(HeaderName::Contact, "<sip:callee@192.0.2.50:5070>");
        if !record_route.is_empty() {
            r.headers.push(HeaderName::RecordRoute, record_route);
        }
        r
    }

    fn via() -> Via {
        Via::new(Transport::Udp, "10.0.0.1", Some(5060), "z9hG4bKn").with_rport()
    }

    #[test]
    fn uac_dialog_from_2xx() {
        let mut d = Dialog::uac(
            &invite(),
            &ok("<sip:p2.example.com;lr>, <sip:p1.example.com;lr>"),
        )
        .unwrap();
        assert_eq!(d.id.local_tag, "ours");
        assert_eq!(d.id.remote_tag, "theirs");
        assert_eq!(d.local_seq, 3);
        assert_eq!(d.remote_target.to_string(), "sip:callee@192.0.2.50:5070");
        let bye = d.request(Method::Bye, via()).build();
        assert_eq!(bye.uri.to_string(), "sip:callee@192.0.2.50:5070");
        let routes: Vec<String> = bye
            .headers
            .routes()
            .unwrap()
            .iter()
            .map(|r| r.uri.to_string())
            .collect();
        assert_eq!(
            routes,
            vec!["sip:p1.example.com;lr", "sip:p2.example.com;lr"]
        );
        assert_eq!(bye.headers.cseq().unwrap(), CSeq::new(4, Method::Bye));
        assert_eq!(bye.headers.from().unwrap().tag().unwrap(), "ours");
        assert_eq!(bye.headers.to().unwrap().tag().unwrap(), "theirs");
        let ack = d.ack(3, via()).build();
        assert_eq!(ack.headers.cseq().unwrap(), CSeq::new(3, Method::Ack));
    }

    #[test]
    fn strict_router_takes_the_request_uri() {
        let mut d = Dialog::uac(&invite(), &ok("<sip:strict.example.com>")).unwrap();
        let bye = d.request(Method::Bye, via()).build();
        assert_eq!(bye.uri.to_string(), "sip:strict.example.com");
        let routes = bye.headers.routes().unwrap();
        assert_eq!(routes.len(), 1);
        assert_eq!(routes[0].uri.to_string(), "sip:callee@192.0.2.50:5070");
    }

    #[test]
    fn remote_cseq_must_not_go_back() {
        let mut d = Dialog::uac(&invite(), &ok("")).unwrap();
        let req = |seq: u32, m: &str| {
            Request::parse(format!(
                "{m} sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKq\r\n\
                 From: <sip:a@h>;tag=theirs\r\nTo: <sip:b@h>;tag=ours\r\nCall-ID: abc\r\n\
                 CSeq: {seq} {m}\r\nContent-Length: 0\r\n\r\n"
            ))
            .unwrap()
        };
        assert!(d.accept_remote_cseq(&req(10, "UPDATE")));
        assert!(d.accept_remote_cseq(&req(10, "ACK")));
        assert!(!d.accept_remote_cseq(&req(9, "BYE")));
        assert!(d.accept_remote_cseq(&req(11, "BYE")));
        assert_eq!(DialogId::of_request(&req(11, "BYE")).unwrap(), d.id);
    }
}
