//! SIP and SIPS URIs (RFC 3261 section 19.1).

use std::borrow::Cow;
use std::fmt;

use super::host::{Host, split_host_port};
use crate::error::ParseError;
use crate::params::{Param, Params};
use crate::text::ByteStr;
use crate::text::chars::{is_hnv, is_param, is_password, is_user};
use crate::text::escape::{escapes_well_formed, unescape};

/// A `sip:` or `sips:` URI. Text parts keep their `%HH` escapes as received;
/// the `*_unescaped` accessors decode them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SipUri {
    /// `sips:` rather than `sip:`.
    pub secure: bool,
    /// User part (may hold escapes, `;` and other user-unreserved characters).
    pub user: Option<ByteStr>,
    /// Password after `user:` (deprecated but legal).
    pub password: Option<ByteStr>,
    /// Host.
    pub host: Host,
    /// Port, if written.
    pub port: Option<u16>,
    /// URI parameters (`;transport=udp;lr`).
    pub params: Params,
    /// URI headers (`?Route=...&Subject=...`), each with a value.
    pub headers: Params,
}

impl SipUri {
    /// `sip:host`.
    pub fn new(host: impl Into<Host>) -> Self {
        SipUri {
            secure: false,
            user: None,
            password: None,
            host: host.into(),
            port: None,
            params: Params::new(),
            headers: Params::new(),
        }
    }

    /// Sets the user part (escaping characters not allowed there).
    pub fn with_user(mut self, user: &str) -> Self {
        let mut escaped = String::with_capacity(user.len());
        crate::text::escape::escape_into(user.as_bytes(), is_user, &mut escaped);
        self.user = Some(ByteStr::from(escaped));
        self
    }

    /// Sets the port.
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Adds or replaces a URI parameter (the value is used as written).
    pub fn with_param(mut self, name: &str, value: Option<&str>) -> Self {
        self.params.set(name, value.map(ByteStr::from));
        self
    }

    /// The user part with escapes decoded (it may contain any octet).
    pub fn user_unescaped(&self) -> Option<Cow<'_, [u8]>> {
        self.user.as_ref().map(|u| unescape(u))
    }

    /// The `transport` parameter.
    pub fn transport(&self) -> Option<&ByteStr> {
        self.params.value("transport")
    }

    /// Whether the `lr` parameter is present (loose routing).
    pub fn lr(&self) -> bool {
        self.params.contains("lr")
    }

    /// The `maddr` parameter.
    pub fn maddr(&self) -> Option<&ByteStr> {
        self.params.value("maddr")
    }

    /// The value of URI header `name`, escapes decoded.
    pub fn header_unescaped(&self, name: &str) -> Option<Cow<'_, [u8]>> {
        self.headers.value(name).map(|v| unescape(v))
    }

    /// Parses the text after `sip:` / `sips:`.
    pub(crate) fn parse_after_scheme(
        src: &ByteStr,
        secure: bool,
        s: &str,
    ) -> Result<SipUri, ParseError> {
        let (userinfo, rest) = match s.find('@') {
            Some(at) => (Some(&s[..at]), &s[at + 1..]),
            None => (None, s),
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(ui) => {
                let (u, p) = match ui.split_once(':') {
                    Some((u, p)) => (u, Some(p)),
                    None => (ui, None),
                };
                if u.is_empty()
                    || !u.bytes().all(|b| is_user(b) || b == b'%')
                    || !escapes_well_formed(u)
                {
                    return Err(ParseError::Uri("invalid character in the user part"));
                }
                let bad_password = p.is_some_and(|p| {
                    !p.bytes().all(|b| is_password(b) || b == b'%') || !escapes_well_formed(p)
                });
                if bad_password {
                    return Err(ParseError::Uri("invalid character in the password"));
                }
                (Some(src.slice_ref(u)), p.map(|p| src.slice_ref(p)))
            }
        };
        let host_end = rest.find([';', '?']).unwrap_or(rest.len());
        let (host, port) = split_host_port(&rest[..host_end])?;
        let host = Host::parse(src, host)?;
        let rest = &rest[host_end..];
        let (param_text, header_text) = match rest.find('?') {
            Some(q) => (&rest[..q], Some(&rest[q + 1..])),
            None => (rest, None),
        };
        let params = parse_uri_params(src, param_text)?;
        let headers = match header_text {
            Some(h) => parse_uri_headers(src, h)?,
            None => Params::new(),
        };
        Ok(SipUri {
            secure,
            user,
            password,
            host,
            port,
            params,
            headers,
        })
    }

    pub(crate) fn write(&self, out: &mut String) {
        out.push_str(if self.secure { "sips:" } else { "sip:" });
        if let Some(u) = &self.user {
            out.push_str(u);
            if let Some(p) = &self.password {
                out.push(':');
                out.push_str(p);
            }
            out.push('@');
        }
        use std::fmt::Write;
        let _ = write!(out, "{}", self.host);
        if let Some(p) = self.port {
            let _ = write!(out, ":{p}");
        }
        self.params.write(out);
        for (i, h) in self.headers.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str(&h.name);
            out.push('=');
            if let Some(v) = &h.value {
                out.push_str(v);
            }
        }
    }
}

impl fmt::Display for SipUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write(&mut s);
        f.write_str(&s)
    }
}

/// Parses `*( ";" pname [ "=" pvalue ] )` with URI parameter characters.
pub(crate) fn parse_uri_params(src: &ByteStr, s: &str) -> Result<Params, ParseError> {
    let mut params = Params::new();
    if s.is_empty() {
        return Ok(params);
    }
    let body = s
        .strip_prefix(';')
        .ok_or(ParseError::Uri("expected ';' before a URI parameter"))?;
    for item in body.split(';') {
        let (name, value) = match item.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (item, None),
        };
        let ok = |t: &str| t.bytes().all(|b| is_param(b) || b == b'%') && escapes_well_formed(t);
        if name.is_empty() || !ok(name) {
            return Err(ParseError::Uri("invalid URI parameter name"));
        }
        if value.is_some_and(|v| v.is_empty() || !ok(v)) {
            return Err(ParseError::Uri("invalid URI parameter value"));
        }
        params.push(Param {
            name: src.slice_ref(name),
            value: value.map(|v| src.slice_ref(v)),
        });
    }
    Ok(params)
}

fn parse_uri_headers(src: &ByteStr, s: &str) -> Result<Params, ParseError> {
    let mut headers = Params::new();
    for item in s.split('&') {
        let (name, value) = item
            .split_once('=')
            .ok_or(ParseError::Uri("URI header without '='"))?;
        let ok = |t: &str| t.bytes().all(|b| is_hnv(b) || b == b'%') && escapes_well_formed(t);
        if name.is_empty() || !ok(name) || !ok(value) {
            return Err(ParseError::Uri("invalid character in a URI header"));
        }
        headers.push(Param {
            name: src.slice_ref(name),
            value: Some(src.slice_ref(value)),
        });
    }
    Ok(headers)
}
