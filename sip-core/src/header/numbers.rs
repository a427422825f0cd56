//! Plain decimal header values: Max-Forwards (`u8`), Expires,
//! Min-Expires and Content-Length (`u32`).

use super::HeaderValue;
use super::cursor::parse_u32;
use crate::error::ParseError;
use crate::text::ByteStr;
use crate::text::chars::trim_wsp;

/// Parses one u32 value; the error says what is wrong.
fn u32_text(_: &ByteStr, s: &str) -> Result<u32, &'static str> {
    parse_u32(trim_wsp(s))
}

impl HeaderValue for u32 {
    fn parse_in(src: &ByteStr, s: &str) -> Result<u32, ParseError> {
        u32_text(src, s).map_err(ParseError::Value)
    }

    fn write(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "{self}");
    }
}

/// Parses one u8 value; the error says what is wrong.
fn u8_text(_: &ByteStr, s: &str) -> Result<u8, &'static str> {
    let n = parse_u32(trim_wsp(s))?;
    u8::try_from(n).map_err(|_| "value above 255")
}

impl HeaderValue for u8 {
    fn parse_in(src: &ByteStr, s: &str) -> Result<u8, ParseError> {
        u8_text(src, s).map_err(ParseError::Value)
    }

    fn write(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "{self}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(u8::parse_value("0068").unwrap(), 68);
        assert!(u8::parse_value("300").is_err());
        assert!(u32::parse_value("-999").is_err());
        assert!(u32::parse_value("10000000000000000000000").is_err());
        assert_eq!(u32::parse_value("4294967295").unwrap(), u32::MAX);
    }
}
