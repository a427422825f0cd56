//! URIs: SIP/SIPS, tel, and any other absolute URI kept opaque.

mod host;
mod sip;
mod tel;

use std::fmt;

pub use host::Host;
pub(crate) use host::split_host_port;
pub use sip::SipUri;
pub use tel::TelUri;

use crate::error::ParseError;
use crate::text::ByteStr;

/// A URI as it appears in a Request-URI or a name-addr.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Uri {
    /// `sip:` or `sips:`.
    Sip(SipUri),
    /// `tel:`.
    Tel(TelUri),
    /// Any other scheme (`http:`, `urn:`, ...), kept as written.
    Other {
        /// The scheme, as written.
        scheme: ByteStr,
        /// Everything after the colon.
        rest: ByteStr,
    },
}

impl Uri {
    /// Parses a URI from `s`.
    pub fn parse(s: &str) -> Result<Uri, ParseError> {
        let src = ByteStr::from(s);
        Uri::parse_in(&src, &src)
    }

    /// Parses `s`, a sub-slice of `src` (parts are slices of `src`).
    pub(crate) fn parse_in(src: &ByteStr, s: &str) -> Result<Uri, ParseError> {
        let colon = s.find(':').ok_or(ParseError::Uri("no scheme"))?;
        let scheme = &s[..colon];
        let rest = &s[colon + 1..];
        let b = scheme.as_bytes();
        let valid_scheme = b.first().is_some_and(u8::is_ascii_alphabetic)
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'));
        if !valid_scheme {
            return Err(ParseError::Uri("invalid scheme"));
        }
        if scheme.eq_ignore_ascii_case("sip") {
            SipUri::parse_after_scheme(src, false, rest).map(Uri::Sip)
        } else if scheme.eq_ignore_ascii_case("sips") {
            SipUri::parse_after_scheme(src, true, rest).map(Uri::Sip)
        } else if scheme.eq_ignore_ascii_case("tel") {
            TelUri::parse_after_scheme(src, rest).map(Uri::Tel)
        } else {
            if rest.is_empty()
                || rest
                    .bytes()
                    .any(|c| c <= b' ' || c == 0x7f || matches!(c, b'<' | b'>' | b'"'))
            {
                return Err(ParseError::Uri("invalid character in URI"));
            }
            Ok(Uri::Other {
                scheme: src.slice_ref(scheme),
                rest: src.slice_ref(rest),
            })
        }
    }

    /// The scheme (`sip`, `sips`, `tel`, or as written).
    pub fn scheme(&self) -> &str {
        match self {
            Uri::Sip(u) if u.secure => "sips",
            Uri::Sip(_) => "sip",
            Uri::Tel(_) => "tel",
            Uri::Other { scheme, .. } => scheme,
        }
    }

    /// The SIP URI, if this is one.
    pub fn as_sip(&self) -> Option<&SipUri> {
        match self {
            Uri::Sip(u) => Some(u),
            _ => None,
        }
    }

    pub(crate) fn write(&self, out: &mut String) {
        match self {
            Uri::Sip(u) => u.write(out),
            Uri::Tel(u) => u.write(out),
            Uri::Other { scheme, rest } => {
                out.push_str(scheme);
                out.push(':');
                out.push_str(rest);
            }
        }
    }
}

impl From<SipUri> for Uri {
    fn from(u: SipUri) -> Self {
        Uri::Sip(u)
    }
}

impl From<TelUri> for Uri {
    fn from(u: TelUri) -> Self {
        Uri::Tel(u)
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write(&mut s);
        f.write_str(&s)
    }
}

impl std::str::FromStr for Uri {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uri::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sip(s: &str) -> SipUri {
        match Uri::parse(s).unwrap() {
            Uri::Sip(u) => u,
            other => panic!("not sip: {other:?}"),
        }
    }

    #[test]
    fn parses_sip_uris() {
        let u =
            sip("sip:alice:secret@Example.com:5070;transport=tcp;lr?Subject=hi&Route=%3Csip:x%3E");
        assert_eq!(u.user.as_deref(), Some("alice"));
        assert_eq!(u.password.as_deref(), Some("secret"));
        assert_eq!(u.port, Some(5070));
        assert_eq!(u.transport().unwrap(), "tcp");
        assert!(u.lr());
        assert_eq!(u.header_unescaped("route").unwrap().as_ref(), b"<sip:x>");
        assert_eq!(
            u.to_string(),
            "sip:alice:secret@Example.com:5070;transport=tcp;lr?Subject=hi&Route=%3Csip:x%3E"
        );
        let v6 = sip("sips:[2001:db8::1]:5061");
        assert!(v6.secure);
        assert_eq!(v6.to_string(), "sips:[2001:db8::1]:5061");
        let semi = sip("sip:user;par=u%40example.net@example.com");
        assert_eq!(semi.user.as_deref(), Some("user;par=u%40example.net"));
        assert_eq!(sip("SIP:h").to_string(), "sip:h");
    }

    #[test]
    fn rejects_bad_uris() {
        for bad in [
            "sip:",
            "sip:user@",
            "sip:a b@h",
            "sip:h;",
            "sip:h;=x",
            "sip:h?x",
            "<sip:h>",
            "sip:h:port",
            ":x",
        ] {
            assert!(Uri::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tel_and_other() {
        let Uri::Tel(t) = Uri::parse("tel:+1-201-555-0123;ext=1").unwrap() else {
            panic!()
        };
        assert!(t.is_global());
        assert_eq!(t.digits(), "+12015550123");
        assert_eq!(t.params.value("ext").unwrap(), "1");
        let o = Uri::parse("soap.beep://192.0.2.103:3002").unwrap();
        assert_eq!(o.scheme(), "soap.beep");
        assert_eq!(o.to_string(), "soap.beep://192.0.2.103:3002");
    }
}
