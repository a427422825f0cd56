//! A request refused, with the status to answer.

use crate::error::ParseError;
use crate::message::{HeaderName, Request, Response, StatusCode};
use crate::text::ByteStr;

use super::UaPolicy;

/// Why a UA refuses a request: the status to answer and what is wrong.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} {}: {detail}", status, status.canonical_reason())]
pub struct Rejection {
    /// The status to answer with (400, 405, 406, 415, 416, 420, 483, 501, 505...).
    pub status: StatusCode,
    /// What is wrong, for logs and for a Warning or reason phrase.
    pub detail: String,
    /// For 420: the option tags the UA does not support.
    pub unsupported: Vec<ByteStr>,
    /// For a 400 caused by a malformed or missing header: the typed parse
    /// error (`detail` is its text).
    pub cause: Option<ParseError>,
}

impl Rejection {
    pub(crate) fn new(status: StatusCode, detail: impl Into<String>) -> Rejection {
        Rejection {
            status,
            detail: detail.into(),
            unsupported: Vec::new(),
            cause: None,
        }
    }

    /// A 400 (or 513 for an oversize message) for a request that failed to
    /// parse, keeping the typed cause.
    pub(crate) fn parse(cause: ParseError) -> Rejection {
        Rejection {
            cause: Some(cause.clone()),
            ..Rejection::new(cause.status(), cause.to_string())
        }
    }

    /// The response to send: [`Response::for_request`] with the canonical
    /// reason phrase, plus Unsupported (420), Allow (405, 501), Accept (415,
    /// 406) from `policy`.
    pub fn to_response(&self, req: &Request, policy: &UaPolicy) -> Response {
        let mut resp = Response::for_request(req, self.status, self.status.canonical_reason());
        match self.status.as_u16() {
            420 if !self.unsupported.is_empty() => {
                let list = comma_list(self.unsupported.iter().map(|t| t.as_str()));
                resp.headers.push(HeaderName::Unsupported, list);
            }
            405 | 501 => resp.headers.push(HeaderName::Allow, policy.allow()),
            415 | 406 => resp.headers.push(HeaderName::Accept, policy.accept()),
            _ => {}
        }
        resp
    }
}

/// `a, b, c`: the value of a list header.
pub(super) fn comma_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(", ")
}
