//! The checks a UA runs on a received message before acting on it
//! (RFC 3261 8.2 for requests, 8.1.3.3 for responses).

mod policy;
mod rejection;

pub use policy::UaPolicy;
pub use rejection::Rejection;

use crate::error::ParseError;
use crate::message::{HeaderName, Method, Request, Response, StatusCode, Version};

fn bad(e: ParseError) -> Rejection {
    Rejection::parse(e)
}

/// Checks a received request in RFC 3261 order and returns the status a UA
/// answers when it must refuse it:
///
/// 1. version other than SIP/2.0: 505;
/// 2. missing To, From, Call-ID, CSeq or Via, a single-value header repeated,
///    or a header the UA relies on malformed (Via, From, To, Call-ID, CSeq,
///    Max-Forwards, Contact, Route, Record-Route, Content-Length,
///    Content-Type, Expires, Require, Supported, Session-Expires, Min-SE,
///    Accept), or a Request-URI with headers: 400;
/// 3. method not in `policy`: 405 if it is a standard method, 501 otherwise;
/// 4. CSeq method differs from the request method: 400;
/// 5. `Max-Forwards: 0` when `policy.forwards`: 483;
/// 6. Request-URI scheme not in `policy`: 416;
/// 7. Require with an option tag not in `policy` (not for ACK and CANCEL): 420;
/// 8. a body whose type is not in `policy`: 415 (a body without Content-Type: 400);
/// 9. an INVITE whose Accept excludes `application/sdp`: 406.
///
/// Max-Forwards may be absent (RFC 2543 requests, RFC 4475 3.4.1). An ACK
/// that fails is dropped, never answered (RFC 3261 17.1.1.3).
pub fn validate_request(req: &Request, policy: &UaPolicy) -> Result<(), Rejection> {
    if req.version != Version::SIP_2_0 {
        return Err(Rejection::new(
            StatusCode::VERSION_NOT_SUPPORTED,
            format!("{} is not supported, only SIP/2.0", req.version),
        ));
    }
    let h = &req.headers;
    for name in [
        HeaderName::To,
        HeaderName::From,
        HeaderName::CallId,
        HeaderName::CSeq,
        HeaderName::Via,
    ] {
        if !h.contains(&name) {
            return Err(bad(ParseError::MissingHeader(name)));
        }
    }
    h.vias().map_err(bad)?;
    h.from().map_err(bad)?;
    h.to().map_err(bad)?;
    h.call_id().map_err(bad)?;
    let cseq = h.cseq().map_err(bad)?;
    let max_forwards = h.max_forwards().map_err(bad)?;
    for contact in h.contacts().map_err(bad)? {
        if let Some(addr) = contact.addr() {
            addr.expires().map_err(bad)?;
        }
    }
    h.routes().map_err(bad)?;
    h.record_routes().map_err(bad)?;
    h.content_length().map_err(bad)?;
    let content_type = h.content_type().map_err(bad)?;
    h.expires().map_err(bad)?;
    let require = h.require().map_err(bad)?;
    h.supported().map_err(bad)?;
    h.session_expires().map_err(bad)?;
    h.min_se().map_err(bad)?;
    let accept = h.accept().map_err(bad)?;
    if req.uri.as_sip().is_some_and(|u| !u.headers.is_empty()) {
        return Err(Rejection::new(
            StatusCode::BAD_REQUEST,
            "the Request-URI must not contain headers",
        ));
    }

    if !policy.allowed_methods.contains(&req.method) {
        let status = if req.method.is_standard() {
            StatusCode::METHOD_NOT_ALLOWED
        } else {
            StatusCode::NOT_IMPLEMENTED
        };
        return Err(Rejection::new(
            status,
            format!("method {} is not handled here", req.method),
        ));
    }
    if cseq.method != req.method {
        return Err(Rejection::new(
            StatusCode::BAD_REQUEST,
            format!(
                "CSeq method {} does not match request method {}",
                cseq.method, req.method
            ),
        ));
    }
    if policy.forwards && max_forwards == Some(0) {
        return Err(Rejection::new(
            StatusCode::TOO_MANY_HOPS,
            "Max-Forwards is 0",
        ));
    }
    let scheme = req.uri.scheme();
    if !policy
        .uri_schemes
        .iter()
        .any(|s| s.eq_ignore_ascii_case(scheme))
    {
        return Err(Rejection::new(
            StatusCode::UNSUPPORTED_URI_SCHEME,
            format!("Request-URI scheme {scheme:?} is not supported"),
        ));
    }
    if !matches!(req.method, Method::Ack | Method::Cancel) {
        let unsupported: Vec<_> = require
            .into_iter()
            .filter(|tag| {
                !policy
                    .supported_extensions
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(tag))
            })
            .collect();
        if !unsupported.is_empty() {
            let list = rejection::comma_list(unsupported.iter().map(|t| t.as_str()));
            let mut r = Rejection::new(
                StatusCode::BAD_EXTENSION,
                format!("unsupported required extensions: {list}"),
            );
            r.unsupported = unsupported;
            return Err(r);
        }
    }
    if !req.body.is_empty() {
        let Some(ct) = content_type else {
            return Err(Rejection::new(
                StatusCode::BAD_REQUEST,
                "a body without Content-Type",
            ));
        };
        if !policy.accepted_content_types.iter().any(|t| ct.is(t)) {
            return Err(Rejection::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("body type {}/{} is not understood", ct.kind, ct.subtype),
            ));
        }
    }
    if req.method == Method::Invite
        && !accept.is_empty()
        && !accept.iter().any(|m| m.accepts("application/sdp"))
    {
        return Err(Rejection::new(
            StatusCode::NOT_ACCEPTABLE,
            "Accept excludes application/sdp, the only answer body",
        ));
    }
    Ok(())
}

/// Checks a received response as a UAC must before passing it to a
/// transaction: SIP/2.0, exactly one Via (RFC 3261 8.1.3.3: more means it was
/// misrouted), and well-formed From, To, Call-ID, CSeq and Content-Length
/// (the headers that match it to a transaction and frame it). Any failure
/// means: discard the response. Optional headers (Contact, Retry-After,
/// Warning, Min-Expires, Session-Expires, ...) are not checked here: their
/// readers treat a malformed one as absent, so a `486` with a broken
/// Warning still ends the call as busy.
pub fn validate_response(resp: &Response) -> Result<(), ParseError> {
    if resp.version != Version::SIP_2_0 {
        return Err(ParseError::StartLine("response version is not SIP/2.0"));
    }
    let h = &resp.headers;
    let vias = h.vias()?;
    match vias.len() {
        0 => return Err(ParseError::MissingHeader(HeaderName::Via)),
        1 => {}
        _ => {
            return Err(ParseError::header(
                HeaderName::Via,
                "a response to a UA must carry exactly one Via",
            ));
        }
    }
    h.from()?;
    h.to()?;
    h.call_id()?;
    h.cseq()?;
    h.content_length()?;
    Ok(())
}
