//! Media types: Content-Type and Accept.

use super::HeaderValue;
use super::cursor::Cursor;
use crate::error::ParseError;
use crate::params::Params;
use crate::text::ByteStr;

/// `type/subtype;params`. In Accept, either part may be `*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaType {
    /// Top-level type (`application`).
    pub kind: ByteStr,
    /// Subtype (`sdp`).
    pub subtype: ByteStr,
    /// Parameters (`boundary`, `charset`, ...).
    pub params: Params,
}

impl MediaType {
    /// `application/sdp`.
    pub fn sdp() -> MediaType {
        MediaType {
            kind: ByteStr::from_static("application"),
            subtype: ByteStr::from_static("sdp"),
            params: Params::new(),
        }
    }

    /// Whether type and subtype equal `essence` (`"application/sdp"`),
    /// ignoring case and parameters.
    pub fn is(&self, essence: &str) -> bool {
        essence.split_once('/').is_some_and(|(k, s)| {
            self.kind.eq_ignore_ascii_case(k) && self.subtype.eq_ignore_ascii_case(s)
        })
    }

    /// Whether this (possibly wildcard) range accepts `essence`.
    pub fn accepts(&self, essence: &str) -> bool {
        let Some((k, s)) = essence.split_once('/') else {
            return false;
        };
        (self.kind == "*" || self.kind.eq_ignore_ascii_case(k))
            && (self.subtype == "*" || self.subtype.eq_ignore_ascii_case(s))
    }
}

/// Parses one MediaType value; the error says what is wrong.
fn media_type_text(src: &ByteStr, s: &str) -> Result<MediaType, &'static str> {
    let mut c = Cursor::new(s);
    let kind = c.skip_wsp().token();
    c.skip_wsp();
    if kind.is_empty() || !c.eat(b'/') {
        return Err("expected type '/' subtype");
    }
    let subtype = c.skip_wsp().token();
    if subtype.is_empty() {
        return Err("empty subtype");
    }
    let params = Params::parse_header(src, c.rest())?;
    Ok(MediaType {
        kind: src.slice_ref(kind),
        subtype: src.slice_ref(subtype),
        params,
    })
}

impl HeaderValue for MediaType {
    fn parse_in(src: &ByteStr, s: &str) -> Result<MediaType, ParseError> {
        media_type_text(src, s).map_err(ParseError::Value)
    }

    fn write(&self, out: &mut String) {
        out.push_str(&self.kind);
        out.push('/');
        out.push_str(&self.subtype);
        self.params.write(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        let m = MediaType::parse_value("multipart/mixed;boundary=7a9cbec02ceef655").unwrap();
        assert!(m.is("Multipart/Mixed"));
        assert_eq!(m.params.value("boundary").unwrap(), "7a9cbec02ceef655");
        let any = MediaType::parse_value("application/*").unwrap();
        assert!(any.accepts("application/sdp") && !any.accepts("text/plain"));
        assert!(MediaType::parse_value("application").is_err());
        assert_eq!(MediaType::sdp().to_value(), "application/sdp");
    }
}
