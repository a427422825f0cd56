//! Plain decimal header values: Max-Forwards (`u8`), Expires,
//! Min-Expires and Content-Length (`u32`).

use super::HeaderValue;
use super::cursor::parse_u32;
use crate::text::ByteStr;
use crate::text::chars::trim_wsp;

impl HeaderValue for u32 {
    fn parse_in(_: &ByteStr, s: &str) -> Result<u32, &'static str> {
        parse_u32(trim_wsp(s))
    }

    fn write(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "{self}");
    }
}

impl HeaderValue for u8 {
    fn parse_in(_: &ByteStr, s: &str) -> Result<u8, &'static str> {
        let n = parse_u32(trim_wsp(s))?;
        u8::try_from(n).map_err(|_| "value above 255")
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
