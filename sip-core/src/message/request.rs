//! SIP requests.

use bytes::Bytes;

use super::builder::RequestBuilder;
use super::{HeaderName, Headers, Message, Method, Version};
use crate::error::ParseError;
use crate::uri::Uri;

/// A SIP request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The method of the request line.
    pub method: Method,
    /// The Request-URI.
    pub uri: Uri,
    /// The version of the request line (2.0 unless a peer sent otherwise).
    pub version: Version,
    /// The headers, in order.
    pub headers: Headers,
    /// The body (empty when there is none).
    pub body: Bytes,
}

impl Request {
    /// Starts building a request (see [`RequestBuilder`]).
    pub fn builder(method: Method, uri: impl Into<Uri>) -> RequestBuilder {
        RequestBuilder::new(method, uri.into())
    }

    /// Parses a request from a datagram (see [`Message::parse`]); a response
    /// is an error.
    pub fn parse(buf: impl Into<Bytes>) -> Result<Request, ParseError> {
        match Message::parse(buf)? {
            Message::Request(r) => Ok(r),
            Message::Response(_) => {
                Err(ParseError::StartLine("expected a request, got a response"))
            }
        }
    }

    /// Replaces the body and sets Content-Type and Content-Length to match.
    pub fn set_body(&mut self, content_type: &str, body: impl Into<Bytes>) {
        self.body = body.into();
        self.headers.set(HeaderName::ContentType, content_type);
        self.headers
            .set(HeaderName::ContentLength, self.body.len().to_string());
    }

    /// The wire form.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = Vec::with_capacity(super::print::estimate(&self.headers, &self.body));
        self.write_to(&mut out);
        Bytes::from(out)
    }

    /// Appends the wire form to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let mut line = String::with_capacity(64);
        line.push_str(self.method.as_str());
        line.push(' ');
        self.uri.write(&mut line);
        line.push(' ');
        use std::fmt::Write;
        let _ = write!(line, "{}", self.version);
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
        super::print::write_headers_and_body(&self.headers, &self.body, out);
    }
}
