//! Finding message boundaries in a byte stream (TCP, TLS).

use bytes::BytesMut;

use super::{HeaderName, Message};
use crate::error::ParseError;
use crate::text::chars::{is_wsp, trim_wsp};

/// Cuts a byte stream into messages using the empty line after the headers
/// and Content-Length (mandatory on streams, RFC 3261 18.3).
///
/// Feed received bytes with [`push`](StreamFramer::push), then call
/// [`next_message`](StreamFramer::next_message) until it returns `Ok(None)`.
/// CRLF keep-alives between messages (RFC 5626) are skipped. After an error
/// the stream cannot be resynchronised: close the connection.
#[derive(Debug)]
pub struct StreamFramer {
    buf: BytesMut,
    max_message: usize,
}

impl StreamFramer {
    /// A framer that refuses messages longer than `max_message` bytes.
    pub fn new(max_message: usize) -> Self {
        Self {
            buf: BytesMut::new(),
            max_message,
        }
    }

    /// Appends received bytes.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Bytes received but not yet returned as a message.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next complete message, `Ok(None)` if more bytes are needed.
    pub fn next_message(&mut self) -> Result<Option<Message>, ParseError> {
        let skip = self
            .buf
            .iter()
            .take_while(|&&c| c == b'\r' || c == b'\n')
            .count();
        let _ = self.buf.split_to(skip);
        let Some(head_len) = find_head_end(&self.buf) else {
            if self.buf.len() > self.max_message {
                return Err(ParseError::TooLarge {
                    limit: self.max_message,
                });
            }
            return Ok(None);
        };
        let body_len = content_length(&self.buf[..head_len])?;
        let total = head_len + body_len;
        if total > self.max_message {
            return Err(ParseError::TooLarge {
                limit: self.max_message,
            });
        }
        if self.buf.len() < total {
            return Ok(None);
        }
        let bytes = self.buf.split_to(total).freeze();
        Message::parse(bytes).map(Some)
    }
}

/// Length of the header section including the empty line, if complete.
fn find_head_end(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(p) = b.get(i..)?.iter().position(|&c| c == b'\n') {
        let nl = i + p;
        match b.get(nl + 1..) {
            Some([b'\n', ..]) => return Some(nl + 2),
            Some([b'\r', b'\n', ..]) => return Some(nl + 3),
            _ => i = nl + 1,
        }
    }
    None
}

/// The Content-Length of a header section (all lines must agree; a value
/// folded over several lines counts as one value).
fn content_length(head: &[u8]) -> Result<usize, ParseError> {
    let is_continuation = |line: &&[u8]| line.first().is_some_and(|&c| is_wsp(c));
    let text = |bytes: &[u8]| -> Result<String, ParseError> {
        let s = std::str::from_utf8(bytes).map_err(|_| ParseError::NotUtf8)?;
        Ok(trim_wsp(s.trim_end_matches('\r')).to_owned())
    };
    let mut found: Option<usize> = None;
    let mut lines = head.split(|&c| c == b'\n').skip(1).peekable();
    while let Some(line) = lines.next() {
        if is_continuation(&line) {
            continue;
        }
        let Some(colon) = line.iter().position(|&c| c == b':') else {
            continue;
        };
        let name = std::str::from_utf8(&line[..colon]).map_err(|_| ParseError::NotUtf8)?;
        if HeaderName::known(name.trim_end_matches([' ', '\t'])) != Some(HeaderName::ContentLength)
        {
            continue;
        }
        let mut value = text(&line[colon + 1..])?;
        while let Some(fold) = lines.next_if(is_continuation) {
            let piece = text(fold)?;
            if !value.is_empty() && !piece.is_empty() {
                value.push(' ');
            }
            value.push_str(&piece);
        }
        let n = super::parse::parse_content_length(&value)?;
        if found.is_some_and(|f| f != n) {
            return Err(ParseError::DuplicateHeader(HeaderName::ContentLength));
        }
        found = Some(n);
    }
    found.ok_or(ParseError::MissingHeader(HeaderName::ContentLength))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: &[u8] =
        b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl: 4\r\n\r\nbody";

    #[test]
    fn splits_byte_by_byte_and_back_to_back() {
        let mut f = StreamFramer::new(4096);
        let mut stream = b"\r\n\r\n".to_vec();
        stream.extend_from_slice(OPTIONS);
        stream.extend_from_slice(OPTIONS);
        let mut got = Vec::new();
        for b in &stream {
            f.push(std::slice::from_ref(b));
            while let Some(m) = f.next_message().unwrap() {
                got.push(m);
            }
        }
        assert_eq!(got.len(), 2);
        assert_eq!(&got[1].body()[..], b"body");
        assert_eq!(f.buffered(), 0);
    }

    #[test]
    fn a_folded_content_length_frames_the_body() {
        let mut f = StreamFramer::new(4096);
        f.push(b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length:\r\n  4\r\nVia: x\r\n\r\nbodyOPTIONS");
        let m = f.next_message().unwrap().unwrap();
        assert_eq!(&m.body()[..], b"body");
        assert_eq!(f.buffered(), "OPTIONS".len());
    }

    #[test]
    fn refuses_missing_conflicting_and_oversize() {
        let mut f = StreamFramer::new(4096);
        f.push(b"OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n");
        assert_eq!(
            f.next_message(),
            Err(ParseError::MissingHeader(HeaderName::ContentLength))
        );
        let mut f = StreamFramer::new(4096);
        f.push(b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\nab");
        assert_eq!(
            f.next_message(),
            Err(ParseError::DuplicateHeader(HeaderName::ContentLength))
        );
        let mut f = StreamFramer::new(30);
        f.push(OPTIONS);
        assert_eq!(f.next_message(), Err(ParseError::TooLarge { limit: 30 }));
        let mut f = StreamFramer::new(64);
        f.push(&[b'x'; 100]);
        assert_eq!(f.next_message(), Err(ParseError::TooLarge { limit: 64 }));
    }
}
