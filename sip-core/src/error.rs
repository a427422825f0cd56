//! Errors of the message layer.

use crate::message::{HeaderName, StatusCode};

/// Why bytes could not be parsed as a SIP message, a header value or a URI.
///
/// [`ParseError::status`] gives the status a UA answers a request with when
/// the request fails this way (400 Bad Request for nearly everything).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// No bytes at all (or only blank lines).
    #[error("the message is empty")]
    Empty,
    /// The header section never ends with an empty line.
    #[error("the message is incomplete: no empty line ends the header section")]
    Incomplete,
    /// The request line or status line is malformed.
    #[error("malformed start line: {0}")]
    StartLine(&'static str),
    /// The start line or headers are not UTF-8.
    #[error("the start line or header section is not valid UTF-8")]
    NotUtf8,
    /// A header line has no colon, an invalid name, or a continuation line
    /// with nothing to continue.
    #[error("malformed header line {line}: {what}")]
    HeaderLine {
        /// 1-based line number in the message.
        line: usize,
        /// What is wrong.
        what: &'static str,
    },
    /// A header value does not follow its grammar.
    #[error("malformed {name} header: {what}")]
    Header {
        /// Which header.
        name: HeaderName,
        /// What is wrong.
        what: &'static str,
    },
    /// A header the message needs is absent.
    #[error("missing {0} header")]
    MissingHeader(HeaderName),
    /// A standalone header value does not follow its grammar.
    #[error("malformed header value: {0}")]
    Value(&'static str),
    /// A header that may appear once appears more than once.
    #[error("the {0} header appears more than once")]
    DuplicateHeader(HeaderName),
    /// A URI does not follow its grammar.
    #[error("malformed URI: {0}")]
    Uri(&'static str),
    /// Content-Length declares more body than arrived.
    #[error("Content-Length declares {declared} body bytes but only {available} arrived")]
    BodyTruncated {
        /// Declared by Content-Length.
        declared: usize,
        /// Present after the header section.
        available: usize,
    },
    /// A stream-framed message exceeds the configured size limit.
    #[error("the message exceeds the {limit}-byte limit")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// An SDP body does not follow RFC 4566.
    #[error("malformed SDP line {line}: {what}")]
    Sdp {
        /// 1-based line number in the SDP body.
        line: usize,
        /// What is wrong.
        what: &'static str,
    },
}

impl ParseError {
    /// The status a UA answers a request that fails with this error
    /// (400 Bad Request; 513 Message Too Large for oversize messages).
    pub fn status(&self) -> StatusCode {
        match self {
            ParseError::TooLarge { .. } => StatusCode::MESSAGE_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    pub(crate) fn header(name: HeaderName, what: &'static str) -> Self {
        ParseError::Header { name, what }
    }

    /// The short description of what is wrong, for errors that carry one.
    pub(crate) fn what(&self) -> &'static str {
        match self {
            ParseError::StartLine(w) | ParseError::Value(w) | ParseError::Uri(w) => w,
            ParseError::HeaderLine { what, .. }
            | ParseError::Header { what, .. }
            | ParseError::Sdp { what, .. } => what,
            _ => "malformed",
        }
    }
}
