//! Writing headers and body in wire form.

use super::Headers;

/// A capacity guess for the wire form.
pub(crate) fn estimate(headers: &Headers, body: &[u8]) -> usize {
    64 + body.len()
        + headers
            .iter()
            .map(|h| h.name.as_str().len() + h.value.len() + 4)
            .sum::<usize>()
}

/// Writes `Name: value` lines, the empty line and the body.
pub(crate) fn write_headers_and_body(headers: &Headers, body: &[u8], out: &mut Vec<u8>) {
    for h in headers {
        out.extend_from_slice(h.name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(h.value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
}
