//! The CSeq header.

use super::HeaderValue;
use super::cursor::Cursor;
use crate::error::ParseError;
use crate::message::Method;
use crate::text::ByteStr;

/// `CSeq: <seq> <method>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CSeq {
    /// Sequence number (32-bit; RFC 3261 asks senders to stay below 2^31).
    pub seq: u32,
    /// Method; must equal the request's method.
    pub method: Method,
}

impl CSeq {
    /// A CSeq value.
    pub fn new(seq: u32, method: Method) -> CSeq {
        CSeq { seq, method }
    }
}

/// Parses one CSeq value; the error says what is wrong.
fn cseq_text(src: &ByteStr, s: &str) -> Result<CSeq, &'static str> {
    let mut c = Cursor::new(s);
    c.skip_wsp();
    let seq = c
        .u32()
        .map_err(|_| "sequence number is not a 32-bit number")?;
    if !c.skip_wsp_some() {
        return Err("expected white space after the sequence number");
    }
    let m = c.token();
    c.skip_wsp();
    if !c.at_end() {
        return Err("unexpected text after the method");
    }
    let method = Method::parse_in(src, m).ok_or("method is not a token")?;
    Ok(CSeq { seq, method })
}

impl HeaderValue for CSeq {
    fn parse_in(src: &ByteStr, s: &str) -> Result<CSeq, ParseError> {
        cseq_text(src, s).map_err(ParseError::Value)
    }

    fn write(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "{} {}", self.seq, self.method);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(
            CSeq::parse_value("0009 INVITE").unwrap(),
            CSeq::new(9, Method::Invite)
        );
        assert!(CSeq::parse_value("36893488147419103232 REGISTER").is_err());
        assert!(CSeq::parse_value("1").is_err());
        assert!(CSeq::parse_value("1 INVITE x").is_err());
        assert_eq!(
            CSeq::new(4294967295, Method::Bye).to_value(),
            "4294967295 BYE"
        );
    }
}
