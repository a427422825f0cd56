//! ezk-sip-types message assembly, shared (through `#[path]`) by the
//! `sip_parse` bench and the RFC 4475 peer comparison test: the same steps
//! in both, so they measure and judge the same thing. The test reads only
//! the headers, hence the `dead_code` allowance on the message fields.

use bytes::Bytes;
use ezk_sip_types::Headers as EzkHeaders;
use ezk_sip_types::header::typed as ezk_typed;
use ezk_sip_types::msg::{Line as EzkLine, MessageLine as EzkMessageLine, PullParser};
use ezk_sip_types::parse::Parse;

/// A message as ezk-sip-types leaves it: start line, headers, body. The
/// crate has no whole-message parser (ezk's transport layer assembles one
/// from `PullParser`, `MessageLine` and `Line`), so this does the same.
#[allow(dead_code)]
pub struct EzkMessage {
    /// The request or status line.
    pub line: EzkMessageLine,
    /// Every header.
    pub headers: EzkHeaders,
    /// The body, as long as Content-Length says.
    pub body: Bytes,
}

/// Parses `buf` like ezk's transport layer does; `None` when it fails.
pub fn ezk_parse(buf: &Bytes) -> Option<EzkMessage> {
    let mut parser = PullParser::new(buf, 0);
    let first = std::str::from_utf8(parser.next()?.ok()?).ok()?;
    let (_, line) = EzkMessageLine::parse(buf)(first).ok()?;
    let mut headers = EzkHeaders::with_capacity(16);
    for item in &mut parser {
        let text = std::str::from_utf8(item.ok()?).ok()?;
        let (_, EzkLine { name, value }) = EzkLine::parse(buf, text).ok()?;
        headers.insert(name, value);
    }
    let head_end = parser.head_end();
    let length = headers
        .get_named::<ezk_typed::ContentLength>()
        .map(|l| l.0)
        .unwrap_or(0);
    let body = buf
        .get(head_end..head_end + length)
        .map(|_| buf.slice(head_end..head_end + length))?;
    Some(EzkMessage {
        line,
        headers,
        body,
    })
}
