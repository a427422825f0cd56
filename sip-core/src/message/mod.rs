//! SIP messages: parse from bytes, inspect, build, print.

mod builder;
mod framer;
mod header_name;
mod headers;
mod method;
mod parse;
mod print;
mod request;
mod response;
mod status;
mod version;

use bytes::Bytes;

pub use builder::RequestBuilder;
pub use framer::StreamFramer;
pub use header_name::HeaderName;
pub use headers::{Header, Headers};
pub use method::Method;
pub use request::Request;
pub use response::Response;
pub use status::StatusCode;
pub use version::Version;

use crate::error::ParseError;

/// A request or a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A response.
    Response(Response),
}

impl Message {
    /// Parses one message from a datagram (or from exactly one message cut
    /// out of a stream by [`StreamFramer`]).
    ///
    /// Empty lines before the start line are skipped. The body is the rest of
    /// the buffer, cut to Content-Length when present; octets beyond it are
    /// ignored (RFC 3261 18.3). A Content-Length larger than what arrived is
    /// an error. Header values are checked only for framing here; the typed
    /// accessors of [`Headers`] and [`crate::validate`] check the rest.
    pub fn parse(buf: impl Into<Bytes>) -> Result<Message, ParseError> {
        parse::parse_message(buf.into())
    }

    /// The headers.
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        match self {
            Message::Request(r) => &r.body,
            Message::Response(r) => &r.body,
        }
    }

    /// The wire form.
    pub fn to_bytes(&self) -> Bytes {
        match self {
            Message::Request(r) => r.to_bytes(),
            Message::Response(r) => r.to_bytes(),
        }
    }

    /// Appends the wire form to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match self {
            Message::Request(r) => r.write_to(out),
            Message::Response(r) => r.write_to(out),
        }
    }
}

impl From<Request> for Message {
    fn from(r: Request) -> Self {
        Message::Request(r)
    }
}

impl From<Response> for Message {
    fn from(r: Response) -> Self {
        Message::Response(r)
    }
}
