//! Session-Expires and Min-SE (RFC 4028).

use super::HeaderValue;
use super::cursor::Cursor;
use crate::error::ParseError;
use crate::params::Params;
use crate::text::ByteStr;

/// Who refreshes the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refresher {
    /// The caller.
    Uac,
    /// The callee.
    Uas,
}

/// `Session-Expires: <seconds>[;refresher=uac|uas]` (also the shape of Min-SE).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionExpires {
    /// Session interval in seconds.
    pub delta: u32,
    /// The `refresher` parameter.
    pub refresher: Option<Refresher>,
    /// Other parameters.
    pub params: Params,
}

impl SessionExpires {
    /// A value without parameters.
    pub fn new(delta: u32, refresher: Option<Refresher>) -> SessionExpires {
        SessionExpires {
            delta,
            refresher,
            params: Params::new(),
        }
    }
}

/// Parses one SessionExpires value; the error says what is wrong.
fn session_expires_text(src: &ByteStr, s: &str) -> Result<SessionExpires, &'static str> {
    let mut c = Cursor::new(s);
    let delta = c.skip_wsp().u32()?;
    let mut params = Params::parse_header(src, c.rest())?;
    let refresher = match params.value("refresher") {
        None => None,
        Some(r) if r.eq_ignore_ascii_case("uac") => Some(Refresher::Uac),
        Some(r) if r.eq_ignore_ascii_case("uas") => Some(Refresher::Uas),
        Some(_) => return Err("refresher is neither uac nor uas"),
    };
    params.remove("refresher");
    Ok(SessionExpires {
        delta,
        refresher,
        params,
    })
}

impl HeaderValue for SessionExpires {
    fn parse_in(src: &ByteStr, s: &str) -> Result<SessionExpires, ParseError> {
        session_expires_text(src, s).map_err(ParseError::Value)
    }

    fn write(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "{}", self.delta);
        match self.refresher {
            Some(Refresher::Uac) => out.push_str(";refresher=uac"),
            Some(Refresher::Uas) => out.push_str(";refresher=uas"),
            None => {}
        }
        self.params.write(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        let se = SessionExpires::parse_value("1800 ; refresher=UAS").unwrap();
        assert_eq!((se.delta, se.refresher), (1800, Some(Refresher::Uas)));
        assert_eq!(se.to_value(), "1800;refresher=uas");
        assert!(SessionExpires::parse_value("90;refresher=me").is_err());
    }
}
