//! Warning (RFC 3261 20.43).

use super::HeaderValue;
use super::cursor::Cursor;
use crate::error::ParseError;
use crate::text::ByteStr;
use crate::text::chars::is_wsp;
use crate::text::escape::{quote_into, quoted_string_end, unquote};

/// `Warning: 307 isi.edu "Session parameter 'foo' not understood"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Three-digit warning code.
    pub code: u16,
    /// The agent (`host[:port]` or pseudonym).
    pub agent: ByteStr,
    /// The text, unquoted.
    pub text: ByteStr,
}

/// Parses one Warning value; the error says what is wrong.
fn warning_text(src: &ByteStr, s: &str) -> Result<Warning, &'static str> {
    let mut c = Cursor::new(s);
    let code = c.skip_wsp().take_while(|b| b.is_ascii_digit());
    if code.len() != 3 {
        return Err("warning code is not three digits");
    }
    let code = code
        .parse::<u16>()
        .map_err(|_| "warning code is not three digits")?;
    if !c.skip_wsp_some() {
        return Err("expected white space after the code");
    }
    let agent = c.take_while(|b| !is_wsp(b));
    if agent.is_empty() || !c.skip_wsp_some() {
        return Err("expected warn-agent and white space");
    }
    let rest = c.rest();
    let end = quoted_string_end(rest).ok_or("warn-text is not a quoted string")?;
    if !rest[end..].trim().is_empty() {
        return Err("unexpected text after warn-text");
    }
    let text = match unquote(&rest[..end]) {
        std::borrow::Cow::Borrowed(t) => src.slice_ref(t),
        std::borrow::Cow::Owned(t) => ByteStr::from(t),
    };
    Ok(Warning {
        code,
        agent: src.slice_ref(agent),
        text,
    })
}

impl HeaderValue for Warning {
    fn parse_in(src: &ByteStr, s: &str) -> Result<Warning, ParseError> {
        warning_text(src, s).map_err(ParseError::Value)
    }

    fn write(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "{:03} {} ", self.code, self.agent);
        quote_into(&self.text, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        let w = Warning::parse_value(r#"307 isi.edu "Session parameter 'foo' not understood""#)
            .unwrap();
        assert_eq!((w.code, w.agent.as_str()), (307, "isi.edu"));
        assert_eq!(
            w.to_value(),
            r#"307 isi.edu "Session parameter 'foo' not understood""#
        );
        assert!(Warning::parse_value(r#"1812 overture "In Progress""#).is_err());
    }
}
