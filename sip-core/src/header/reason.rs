//! Reason (RFC 3326).

use super::HeaderValue;
use super::cursor::{Cursor, parse_u32};
use crate::error::ParseError;
use crate::params::Params;
use crate::text::ByteStr;
use crate::text::escape::unquote;

/// `Reason: SIP;cause=200;text="Call completed elsewhere"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    /// Protocol (`SIP`, `Q.850`).
    pub protocol: ByteStr,
    /// Parameters (`cause`, `text`).
    pub params: Params,
}

impl Reason {
    /// A reason with a cause and optional text.
    pub fn new(protocol: &str, cause: u16, text: Option<&str>) -> Reason {
        let mut params = Params::new();
        params.set("cause", Some(ByteStr::from(cause.to_string())));
        if let Some(t) = text {
            let mut q = String::new();
            crate::text::escape::quote_into(t, &mut q);
            params.set("text", Some(ByteStr::from(q)));
        }
        Reason {
            protocol: ByteStr::from(protocol),
            params,
        }
    }

    /// The `cause` parameter.
    pub fn cause(&self) -> Option<u16> {
        self.params
            .value("cause")
            .and_then(|c| parse_u32(c).ok())
            .and_then(|c| u16::try_from(c).ok())
    }

    /// The `text` parameter, unquoted.
    pub fn text(&self) -> Option<String> {
        self.params.value("text").map(|t| unquote(t).into_owned())
    }
}

/// Parses one Reason value; the error says what is wrong.
fn reason_text(src: &ByteStr, s: &str) -> Result<Reason, &'static str> {
    let mut c = Cursor::new(s);
    let protocol = c.skip_wsp().token();
    if protocol.is_empty() {
        return Err("expected a protocol token");
    }
    let params = Params::parse_header(src, c.rest())?;
    Ok(Reason {
        protocol: src.slice_ref(protocol),
        params,
    })
}

impl HeaderValue for Reason {
    fn parse_in(src: &ByteStr, s: &str) -> Result<Reason, ParseError> {
        reason_text(src, s).map_err(ParseError::Value)
    }

    fn write(&self, out: &mut String) {
        out.push_str(&self.protocol);
        self.params.write(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        let r = Reason::parse_value(r#"Q.850 ;cause=16 ;text="Terminated""#).unwrap();
        assert_eq!(r.protocol, "Q.850");
        assert_eq!(r.cause(), Some(16));
        assert_eq!(r.text().as_deref(), Some("Terminated"));
        assert_eq!(
            Reason::new("SIP", 200, Some("done")).to_value(),
            r#"SIP;cause=200;text="done""#
        );
    }
}
