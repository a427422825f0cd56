//! name-addr / addr-spec values: From, To, Contact, Route, Record-Route.

use super::HeaderValue;
use super::cursor::parse_u32;
use crate::error::ParseError;
use crate::message::HeaderName;
use crate::params::Params;
use crate::text::ByteStr;
use crate::text::chars::{is_token, is_wsp, trim_wsp};
use crate::text::escape::{quote_into, quoted_string_end, unquote};
use crate::uri::Uri;

/// An address with optional display name and header parameters
/// (`"Alice" <sip:alice@example.com>;tag=1928`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameAddr {
    /// The display name, unquoted and unescaped.
    pub display_name: Option<ByteStr>,
    /// The address.
    pub uri: Uri,
    /// Header parameters after the address (tag, expires, q, ...).
    pub params: Params,
}

impl NameAddr {
    /// An address without display name or parameters.
    pub fn new(uri: impl Into<Uri>) -> NameAddr {
        NameAddr {
            display_name: None,
            uri: uri.into(),
            params: Params::new(),
        }
    }

    /// Sets the display name.
    pub fn with_display_name(mut self, name: &str) -> NameAddr {
        self.display_name = Some(ByteStr::from(name));
        self
    }

    /// Sets the `tag` parameter.
    pub fn with_tag(mut self, tag: &str) -> NameAddr {
        self.params.set("tag", Some(ByteStr::from(tag)));
        self
    }

    /// Adds or replaces a header parameter.
    pub fn with_param(mut self, name: &str, value: Option<&str>) -> NameAddr {
        self.params.set(name, value.map(ByteStr::from));
        self
    }

    /// The `tag` parameter.
    pub fn tag(&self) -> Option<&ByteStr> {
        self.params.value("tag")
    }

    /// The `expires` parameter of a Contact: `Ok(None)` when absent, a
    /// malformed-Contact error when it is not a 32-bit number.
    pub fn expires(&self) -> Result<Option<u32>, ParseError> {
        self.params
            .value("expires")
            .map(|v| parse_u32(v).map_err(|what| ParseError::header(HeaderName::Contact, what)))
            .transpose()
    }

    /// The `q` parameter of a Contact (0 to 1), if present and valid.
    pub fn q(&self) -> Option<f32> {
        self.params
            .value("q")
            .and_then(|v| v.parse::<f32>().ok())
            .filter(|q| (0.0..=1.0).contains(q))
    }
}

fn display_name_is_tokens(s: &str) -> bool {
    s.bytes().all(|b| is_token(b) || is_wsp(b))
}

/// Parses one NameAddr value; the error says what is wrong.
fn name_addr_text(src: &ByteStr, s: &str) -> Result<NameAddr, &'static str> {
    let s = trim_wsp(s);
    let quote = s.find('"');
    let lt = s.find('<');
    let name_addr_form = match (quote, lt) {
        (Some(0), _) => true,
        (_, Some(l)) => quote.is_none_or(|q| q > l),
        _ => false,
    };
    if !name_addr_form {
        let uri_end = s.find(';').unwrap_or(s.len());
        let uri_text = trim_wsp(&s[..uri_end]);
        if uri_text.contains([',', '?']) {
            return Err("a URI with ',', '?' or ';' must be enclosed in '<>'");
        }
        if uri_text.contains(['<', '>', '"', ' ']) || uri_text.is_empty() {
            return Err("display name must be a quoted string or tokens");
        }
        let uri = Uri::parse_in(src, uri_text).map_err(|e| e.what())?;
        let params = Params::parse_header(src, &s[uri_end..])?;
        return Ok(NameAddr {
            display_name: None,
            uri,
            params,
        });
    }
    let (display_name, rest) = if s.starts_with('"') {
        let end = quoted_string_end(s).ok_or("unterminated quoted display name")?;
        let shown = match unquote(&s[..end]) {
            std::borrow::Cow::Borrowed(b) => src.slice_ref(b),
            std::borrow::Cow::Owned(o) => ByteStr::from(o),
        };
        (Some(shown), trim_wsp(&s[end..]))
    } else {
        let l = lt.ok_or("expected '<'")?;
        let shown = trim_wsp(&s[..l]);
        if !display_name_is_tokens(shown) {
            return Err("display name must be a quoted string or tokens");
        }
        ((!shown.is_empty()).then(|| src.slice_ref(shown)), &s[l..])
    };
    let inner = rest
        .strip_prefix('<')
        .ok_or("expected '<' after the display name")?;
    let gt = inner.find('>').ok_or("'<' without '>'")?;
    if inner[..gt].starts_with([' ', '\t']) || inner[..gt].ends_with([' ', '\t']) {
        return Err("white space inside '<>'");
    }
    let uri = Uri::parse_in(src, &inner[..gt]).map_err(|e| e.what())?;
    let params = Params::parse_header(src, &inner[gt + 1..])?;
    Ok(NameAddr {
        display_name,
        uri,
        params,
    })
}

impl HeaderValue for NameAddr {
    fn parse_in(src: &ByteStr, s: &str) -> Result<NameAddr, ParseError> {
        name_addr_text(src, s).map_err(ParseError::Value)
    }

    fn write(&self, out: &mut String) {
        if let Some(d) = &self.display_name {
            quote_into(d, out);
            out.push(' ');
        }
        out.push('<');
        self.uri.write(out);
        out.push('>');
        self.params.write(out);
    }
}

/// One Contact value: an address, or `*` (remove all bindings).
// `*` is rare; boxing every address would cost an allocation per Contact.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Contact {
    /// `*`.
    Wildcard,
    /// An address with its parameters (expires, q, ...).
    Addr(NameAddr),
}

impl Contact {
    /// The address, unless this is `*`.
    pub fn addr(&self) -> Option<&NameAddr> {
        match self {
            Contact::Wildcard => None,
            Contact::Addr(a) => Some(a),
        }
    }
}

/// Parses one Contact value; the error says what is wrong.
fn contact_text(src: &ByteStr, s: &str) -> Result<Contact, &'static str> {
    if trim_wsp(s) == "*" {
        return Ok(Contact::Wildcard);
    }
    name_addr_text(src, s).map(Contact::Addr)
}

impl HeaderValue for Contact {
    fn parse_in(src: &ByteStr, s: &str) -> Result<Contact, ParseError> {
        contact_text(src, s).map_err(ParseError::Value)
    }

    fn write(&self, out: &mut String) {
        match self {
            Contact::Wildcard => out.push('*'),
            Contact::Addr(a) => a.write(out),
        }
    }
}

impl From<NameAddr> for Contact {
    fn from(a: NameAddr) -> Self {
        Contact::Addr(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let a = NameAddr::parse_value(
            r#""J Rosenberg \\\""       <sip:jdrosen@example.com> ; tag = 98asjd8"#,
        )
        .unwrap();
        assert_eq!(a.display_name.as_deref(), Some(r#"J Rosenberg \""#));
        assert_eq!(a.tag().unwrap(), "98asjd8");
        assert_eq!(
            a.to_value(),
            r#""J Rosenberg \\\"" <sip:jdrosen@example.com>;tag=98asjd8"#
        );
        let b = NameAddr::parse_value("caller<sip:caller@example.com>;tag=323").unwrap();
        assert_eq!(b.display_name.as_deref(), Some("caller"));
        let c = NameAddr::parse_value("sip:+19725552222@gw1.example.net;unknownparam").unwrap();
        assert!(c.params.contains("unknownparam"));
        assert!(c.uri.as_sip().unwrap().params.is_empty());
        let d = NameAddr::parse_value("<sip:+19725552222@gw1.example.net;unknownparam>").unwrap();
        assert!(d.params.is_empty());
        assert!(d.uri.as_sip().unwrap().params.contains("unknownparam"));
    }

    #[test]
    fn rejects() {
        for bad in [
            r#""Mr. J. User <sip:j.user@example.com>"#,
            "Bell, Alexander <sip:a.g.bell@example.com>;tag=43",
            r#""Watson, Thomas" < sip:t.watson@example.org >"#,
            "sip:user@example.com?Route=%3Csip:sip.example.com%3E",
            r#""Joe" <sip:joe@example.org>;;;;"#,
            "<sip:a@b",
            "",
        ] {
            assert!(NameAddr::parse_value(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn contact_wildcard_and_expires() {
        assert_eq!(Contact::parse_value(" * ").unwrap(), Contact::Wildcard);
        let c = Contact::parse_value("<sip:u@h>;expires=280297596632815;q=0.5").unwrap();
        let a = c.addr().unwrap();
        assert!(a.expires().is_err());
        assert_eq!(a.q(), Some(0.5));
    }
}
