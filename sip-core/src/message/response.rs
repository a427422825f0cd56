//! SIP responses.

use bytes::Bytes;

use super::{HeaderName, Headers, Message, Request, StatusCode, Version};
use crate::error::ParseError;
use crate::text::ByteStr;

/// A SIP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The version of the status line.
    pub version: Version,
    /// The status code.
    pub status: StatusCode,
    /// The reason phrase (may be empty).
    pub reason: ByteStr,
    /// The headers, in order.
    pub headers: Headers,
    /// The body (empty when there is none).
    pub body: Bytes,
}

impl Response {
    /// A response with no headers.
    pub fn new(status: StatusCode, reason: &str) -> Response {
        Response {
            version: Version::SIP_2_0,
            status,
            reason: ByteStr::from(reason),
            headers: Headers::new(),
            body: Bytes::new(),
        }
    }

    /// A response to `req` as RFC 3261 8.2.6.2 builds it: every Via in order,
    /// From, To, Call-ID and CSeq copied from the request (values as
    /// received), and `Content-Length: 0`. Add a To tag with
    /// [`Response::set_to_tag`] for anything but 100 Trying.
    pub fn for_request(req: &Request, status: StatusCode, reason: &str) -> Response {
        let mut resp = Response::new(status, reason);
        for h in req.headers.iter() {
            if matches!(
                h.name,
                HeaderName::Via
                    | HeaderName::From
                    | HeaderName::To
                    | HeaderName::CallId
                    | HeaderName::CSeq
            ) {
                resp.headers.push(h.name.clone(), h.value.clone());
            }
        }
        if status == StatusCode::TRYING {
            if let Some(ts) = req.headers.get(&HeaderName::Timestamp) {
                resp.headers.push(HeaderName::Timestamp, ts.clone());
            }
        }
        resp.headers
            .push(HeaderName::ContentLength, ByteStr::from_static("0"));
        resp
    }

    /// Parses a response from a datagram (see [`Message::parse`]); a request
    /// is an error.
    pub fn parse(buf: impl Into<Bytes>) -> Result<Response, ParseError> {
        match Message::parse(buf)? {
            Message::Response(r) => Ok(r),
            Message::Request(_) => Err(ParseError::StartLine("expected a response, got a request")),
        }
    }

    /// Adds `;tag=tag` to the To header unless it already has a tag. Fails if
    /// the To header is missing or malformed.
    pub fn set_to_tag(&mut self, tag: &str) -> Result<(), ParseError> {
        let mut to = self.headers.to()?;
        if to.tag().is_none() {
            to.params.set("tag", Some(ByteStr::from(tag)));
            self.headers
                .set(HeaderName::To, crate::header::HeaderValue::to_value(&to));
        }
        Ok(())
    }

    /// Replaces the body and sets Content-Type and Content-Length to match.
    pub fn set_body(&mut self, content_type: &str, body: impl Into<Bytes>) {
        self.body = body.into();
        self.headers.set(HeaderName::ContentType, content_type);
        self.headers
            .set(HeaderName::ContentLength, self.body.len().to_string());
    }

    /// Copies the Record-Route headers of `req` (for responses that create a
    /// dialog, RFC 3261 12.1.1).
    pub fn copy_record_route(&mut self, req: &Request) {
        for v in req.headers.get_all(&HeaderName::RecordRoute) {
            self.headers.push(HeaderName::RecordRoute, v.clone());
        }
    }

    /// The wire form.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = Vec::with_capacity(super::print::estimate(&self.headers, &self.body));
        self.write_to(&mut out);
        Bytes::from(out)
    }

    /// Appends the wire form to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        use std::io::Write;
        let _ = write!(out, "{} {} ", self.version, self.status);
        out.extend_from_slice(self.reason.as_bytes());
        out.extend_from_slice(b"\r\n");
        super::print::write_headers_and_body(&self.headers, &self.body, out);
    }
}
