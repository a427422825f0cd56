//! Retry-After (RFC 3261 20.33).

use super::HeaderValue;
use super::cursor::{Cursor, parse_u32};
use crate::error::ParseError;
use crate::params::Params;
use crate::text::ByteStr;

/// `Retry-After: <seconds> [(comment)] [;duration=<seconds>]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryAfter {
    /// Seconds to wait before retrying.
    pub delta: u32,
    /// The comment, without parentheses.
    pub comment: Option<ByteStr>,
    /// Parameters (`duration`).
    pub params: Params,
}

impl RetryAfter {
    /// The `duration` parameter, if present and valid.
    pub fn duration(&self) -> Option<u32> {
        self.params
            .value("duration")
            .and_then(|d| parse_u32(d).ok())
    }
}

/// Parses one RetryAfter value; the error says what is wrong.
fn retry_after_text(src: &ByteStr, s: &str) -> Result<RetryAfter, &'static str> {
    let mut c = Cursor::new(s);
    let delta = c.skip_wsp().u32()?;
    c.skip_wsp();
    let comment = if c.eat(b'(') {
        let start = c.pos;
        let mut depth = 1;
        while depth > 0 {
            match c.peek() {
                None => return Err("unterminated comment"),
                Some(b'(') => depth += 1,
                Some(b')') => depth -= 1,
                Some(b'\\') => c.pos += 1,
                _ => {}
            }
            c.pos += 1;
        }
        let inner = s.get(start..c.pos - 1).ok_or("malformed comment")?;
        Some(src.slice_ref(inner))
    } else {
        None
    };
    let params = Params::parse_header(src, c.rest())?;
    Ok(RetryAfter {
        delta,
        comment,
        params,
    })
}

impl HeaderValue for RetryAfter {
    fn parse_in(src: &ByteStr, s: &str) -> Result<RetryAfter, ParseError> {
        retry_after_text(src, s).map_err(ParseError::Value)
    }

    fn write(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "{}", self.delta);
        if let Some(c) = &self.comment {
            let _ = write!(out, " ({c})");
        }
        self.params.write(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        let r = RetryAfter::parse_value("18000;duration=3600").unwrap();
        assert_eq!((r.delta, r.duration()), (18000, Some(3600)));
        let r = RetryAfter::parse_value("120 (I'm in a meeting)").unwrap();
        assert_eq!(r.comment.as_deref(), Some("I'm in a meeting"));
        assert_eq!(r.to_value(), "120 (I'm in a meeting)");
        assert!(RetryAfter::parse_value("949302838503028349304023988").is_err());
        assert!(RetryAfter::parse_value("5 (open").is_err());
    }
}
