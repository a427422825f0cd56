//! Parsing a whole message in one pass over the bytes.
//!
//! The scan finds line ends once, validates the start line and header section
//! as UTF-8 once, and keeps every header value as a slice of the input (a
//! value is copied only when it was folded over several lines). Header values
//! are not interpreted here; [`crate::header`] parses them on demand.

use bytes::Bytes;

use super::{HeaderName, Headers, Message, Method, Request, Response, StatusCode, Version};
use crate::error::ParseError;
use crate::text::ByteStr;
use crate::text::chars::{is_token_str, is_wsp, trim_wsp};
use crate::uri::Uri;

/// A header line found by the scan: offsets into the header section.
struct RawHeader {
    start: usize,
    end: usize,
    folded: bool,
    line: usize,
}

fn find_newline(b: &[u8], from: usize) -> Option<usize> {
    b.get(from..)?
        .iter()
        .position(|&c| c == b'\n')
        .map(|p| p + from)
}

/// Parses one message from `buf`. The body is the rest of the buffer, cut to
/// Content-Length when that header is present (octets beyond it are ignored,
/// as RFC 3261 18.3 asks for datagrams).
pub(crate) fn parse_message(buf: Bytes) -> Result<Message, ParseError> {
    let b = &buf[..];
    let mut start = 0;
    while start < b.len() && (b[start] == b'\r' || b[start] == b'\n') {
        start += 1;
    }
    if start == b.len() {
        return Err(ParseError::Empty);
    }
    let first_nl = find_newline(b, start).ok_or(ParseError::Incomplete)?;
    let mut raw: Vec<RawHeader> = Vec::with_capacity(24);
    let mut pos = first_nl + 1;
    let mut line_no = 1;
    let (head_end, body_start) = loop {
        let nl = find_newline(b, pos).ok_or(ParseError::Incomplete)?;
        line_no += 1;
        let line_end = if nl > pos && b[nl - 1] == b'\r' {
            nl - 1
        } else {
            nl
        };
        if line_end == pos {
            break (pos, nl + 1);
        }
        if is_wsp(b[pos]) {
            let current = raw.last_mut().ok_or(ParseError::HeaderLine {
                line: line_no,
                what: "continuation line with no header before it",
            })?;
            current.end = line_end - start;
            current.folded = true;
        } else {
            raw.push(RawHeader {
                start: pos - start,
                end: line_end - start,
                folded: false,
                line: line_no,
            });
        }
        pos = nl + 1;
    };

    let head = ByteStr::from_utf8(buf.slice(start..head_end)).map_err(|_| ParseError::NotUtf8)?;
    let first_end = first_nl - start;
    let start_line = head.get(..first_end).ok_or(ParseError::NotUtf8)?;
    let start_line = start_line.strip_suffix('\r').unwrap_or(start_line);

    let mut headers = Headers::with_capacity(raw.len());
    let mut content_length: Option<ByteStr> = None;
    let mut content_length_count = 0usize;
    for r in &raw {
        let text = head.get(r.start..r.end).ok_or(ParseError::NotUtf8)?;
        let colon = text.find(':').ok_or(ParseError::HeaderLine {
            line: r.line,
            what: "no ':' after the header name",
        })?;
        let name = text[..colon].trim_end_matches([' ', '\t']);
        if !is_token_str(name) {
            return Err(ParseError::HeaderLine {
                line: r.line,
                what: "header name is not a token",
            });
        }
        let name = HeaderName::from_wire(&head, name);
        let raw_value = &text[colon + 1..];
        let value = if r.folded {
            ByteStr::from(unfold(raw_value))
        } else {
            head.slice_ref(trim_wsp(raw_value))
        };
        if name == HeaderName::ContentLength {
            content_length.get_or_insert_with(|| value.clone());
            content_length_count += 1;
        }
        headers.push(name, value);
    }

    let available = b.len() - body_start;
    let declared = match (content_length_count, &content_length) {
        (0, _) => None,
        (1, Some(v)) => Some(parse_content_length(v)?),
        // Several Content-Length lines: framing by the header is impossible;
        // over a datagram the body is the rest, and validation answers 400.
        _ => None,
    };
    let body = match declared {
        Some(n) if n > available => {
            return Err(ParseError::BodyTruncated {
                declared: n,
                available,
            });
        }
        Some(n) => buf.slice(body_start..body_start + n),
        None => buf.slice(body_start..),
    };

    if start_line
        .as_bytes()
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/"))
    {
        let (version, status, reason) = parse_status_line(&head, start_line)?;
        Ok(Message::Response(Response {
            version,
            status,
            reason,
            headers,
            body,
        }))
    } else {
        let (method, uri, version) = parse_request_line(&head, start_line)?;
        Ok(Message::Request(Request {
            method,
            uri,
            version,
            headers,
            body,
        }))
    }
}

pub(crate) fn parse_content_length(v: &str) -> Result<usize, ParseError> {
    if v.is_empty() || v.len() > 9 || !v.bytes().all(|c| c.is_ascii_digit()) {
        return Err(ParseError::header(
            HeaderName::ContentLength,
            "not a non-negative integer below 10^9",
        ));
    }
    v.parse::<usize>()
        .map_err(|_| ParseError::header(HeaderName::ContentLength, "not a number"))
}

/// Replaces each line fold (optional white space, line end, white space) by
/// one space and trims the ends.
fn unfold(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for (i, piece) in raw.split('\n').enumerate() {
        let piece = piece.strip_suffix('\r').unwrap_or(piece);
        if i == 0 {
            out.push_str(piece.trim_end_matches([' ', '\t']));
        } else {
            let piece = piece.trim_matches([' ', '\t']);
            if !out.is_empty() && !piece.is_empty() {
                out.push(' ');
            }
            out.push_str(piece);
        }
    }
    let trimmed = trim_wsp(&out);
    if trimmed.len() == out.len() {
        out
    } else {
        trimmed.to_owned()
    }
}

fn parse_request_line(head: &ByteStr, line: &str) -> Result<(Method, Uri, Version), ParseError> {
    // Trailing white space is tolerated (RFC 4475 3.1.2.10 lets a receiver be liberal).
    let line = line.trim_end_matches([' ', '\t']);
    let sp1 = line
        .find(' ')
        .ok_or(ParseError::StartLine("request line has no spaces"))?;
    let sp2 = line
        .rfind(' ')
        .ok_or(ParseError::StartLine("request line has no spaces"))?;
    if sp1 == sp2 {
        return Err(ParseError::StartLine(
            "request line needs method, Request-URI and version",
        ));
    }
    let method = Method::parse_in(head, &line[..sp1])
        .ok_or(ParseError::StartLine("method is not a token"))?;
    let uri_text = &line[sp1 + 1..sp2];
    if uri_text.is_empty() || uri_text.bytes().any(|c| c == b' ' || c == b'\t') {
        return Err(ParseError::StartLine(
            "white space in or around the Request-URI",
        ));
    }
    let uri = Uri::parse_in(head, uri_text).map_err(|e| match e {
        ParseError::Uri(what) => ParseError::StartLine(what),
        other => other,
    })?;
    let version =
        Version::parse(&line[sp2 + 1..]).ok_or(ParseError::StartLine("version is not SIP/x.y"))?;
    Ok((method, uri, version))
}

fn parse_status_line(
    head: &ByteStr,
    line: &str,
) -> Result<(Version, StatusCode, ByteStr), ParseError> {
    let (version, rest) = line
        .split_once(' ')
        .ok_or(ParseError::StartLine("status line has no status code"))?;
    let version = Version::parse(version).ok_or(ParseError::StartLine("version is not SIP/x.y"))?;
    let (code, reason) = match rest.split_once(' ') {
        Some((c, r)) => (c, r),
        None => (rest, ""),
    };
    if code.len() != 3 || !code.bytes().all(|c| c.is_ascii_digit()) {
        return Err(ParseError::StartLine("status code is not three digits"));
    }
    let status =
        code.parse::<u16>()
            .ok()
            .and_then(StatusCode::new)
            .ok_or(ParseError::StartLine(
                "status code is not between 100 and 699",
            ))?;
    if reason.bytes().any(|c| c < b' ' && c != b'\t') {
        return Err(ParseError::StartLine(
            "control character in the reason phrase",
        ));
    }
    Ok((version, status, head.slice_ref(reason)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multibyte_start_line_is_an_error_not_a_panic() {
        let r = parse_message(Bytes::from("O\u{2b3ce}ourc2 3aee@x8923 OPTION\r\n\r\n"));
        assert!(matches!(r, Err(ParseError::StartLine(_))), "{r:?}");
    }

    #[test]
    fn a_folded_content_length_frames_the_body() {
        let m = parse_message(Bytes::from(
            "OPTIONS sip:a@b SIP/2.0\r\nContent-Length:\r\n 4\r\n\r\nbodyextra",
        ))
        .unwrap();
        assert_eq!(&m.body()[..], b"body");
    }

    #[test]
    fn unfolds() {
        assert_eq!(
            unfold(" SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=x"),
            "SIP  /   2.0 /UDP 192.0.2.2;branch=x"
        );
        assert_eq!(unfold(" \r\n 0009\r\n  INVITE  "), "0009 INVITE");
    }
}
