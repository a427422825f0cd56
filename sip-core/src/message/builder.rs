//! Building requests.

use bytes::Bytes;

use super::{HeaderName, Headers, Method, Request, Version};
use crate::header::{CSeq, Contact, HeaderValue, NameAddr, Via};
use crate::text::ByteStr;
use crate::uri::Uri;

/// Builds a [`Request`]; headers appear in the order they are added, and
/// `build` appends Content-Length.
///
/// ```
/// use sip_core::{Method, NameAddr, Request, SipUri, Transport, Via};
/// let uri = SipUri::new("example.com").with_user("bob");
/// let req = Request::builder(Method::Options, uri.clone())
///     .via(Via::new(Transport::Udp, "192.0.2.1", Some(5060), "z9hG4bK776asdhds").with_rport())
///     .max_forwards(70)
///     .from(NameAddr::new(SipUri::new("example.com").with_user("alice")).with_tag("1928301774"))
///     .to(NameAddr::new(uri))
///     .call_id("a84b4c76e66710@pc33.example.com")
///     .cseq(1)
///     .build();
/// assert_eq!(req.headers.cseq().unwrap().method, Method::Options);
/// ```
#[derive(Clone, Debug)]
pub struct RequestBuilder {
    method: Method,
    uri: Uri,
    headers: Headers,
    body: Option<(ByteStr, Bytes)>,
}

impl RequestBuilder {
    pub(crate) fn new(method: Method, uri: Uri) -> Self {
        Self {
            method,
            uri,
            headers: Headers::with_capacity(12),
            body: None,
        }
    }

    /// Appends a header with a raw value (it must not contain CR or LF).
    pub fn header(mut self, name: HeaderName, value: impl Into<ByteStr>) -> Self {
        self.headers.push(name, value);
        self
    }

    /// Appends a header with a typed value.
    pub fn typed(mut self, name: HeaderName, value: &impl HeaderValue) -> Self {
        self.headers.push(name, value.to_value());
        self
    }

    /// Appends a Via.
    pub fn via(self, via: Via) -> Self {
        self.typed(HeaderName::Via, &via)
    }

    /// Appends Max-Forwards.
    pub fn max_forwards(self, hops: u8) -> Self {
        self.typed(HeaderName::MaxForwards, &hops)
    }

    /// Appends From.
    pub fn from(self, from: NameAddr) -> Self {
        self.typed(HeaderName::From, &from)
    }

    /// Appends To.
    pub fn to(self, to: NameAddr) -> Self {
        self.typed(HeaderName::To, &to)
    }

    /// Appends Call-ID.
    pub fn call_id(self, call_id: impl Into<ByteStr>) -> Self {
        self.header(HeaderName::CallId, call_id)
    }

    /// Appends CSeq with the request's method.
    pub fn cseq(self, seq: u32) -> Self {
        let cseq = CSeq::new(seq, self.method.clone());
        self.typed(HeaderName::CSeq, &cseq)
    }

    /// Appends a Contact.
    pub fn contact(self, contact: impl Into<Contact>) -> Self {
        self.typed(HeaderName::Contact, &contact.into())
    }

    /// Appends a Route.
    pub fn route(self, route: NameAddr) -> Self {
        self.typed(HeaderName::Route, &route)
    }

    /// Sets the body and its Content-Type (added by `build`).
    pub fn body(mut self, content_type: &str, body: impl Into<Bytes>) -> Self {
        self.body = Some((ByteStr::from(content_type), body.into()));
        self
    }

    /// The request, with Content-Type (when there is a body) and
    /// Content-Length last.
    pub fn build(self) -> Request {
        let mut headers = self.headers;
        let body = match self.body {
            Some((content_type, body)) => {
                headers.set(HeaderName::ContentType, content_type);
                body
            }
            None => Bytes::new(),
        };
        headers.set(HeaderName::ContentLength, body.len().to_string());
        Request {
            method: self.method,
            uri: self.uri,
            version: Version::SIP_2_0,
            headers,
            body,
        }
    }
}
