//! Hosts: domain names, IPv4 addresses and IPv6 references.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::ParseError;
use crate::text::ByteStr;

/// The host part of a URI or of a Via sent-by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Host {
    /// A domain name, as written (compare with `eq_ignore_ascii_case`).
    Domain(ByteStr),
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 address (written `[...]` in SIP).
    Ipv6(Ipv6Addr),
}

impl Host {
    /// Parses `hostname / IPv4address / IPv6reference`.
    pub(crate) fn parse(src: &ByteStr, s: &str) -> Result<Host, ParseError> {
        if let Some(inner) = s.strip_prefix('[') {
            let inner = inner
                .strip_suffix(']')
                .ok_or(ParseError::Uri("IPv6 reference without ']'"))?;
            return inner
                .parse::<Ipv6Addr>()
                .map(Host::Ipv6)
                .map_err(|_| ParseError::Uri("invalid IPv6 address"));
        }
        if s.is_empty() {
            return Err(ParseError::Uri("empty host"));
        }
        if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return s
                .parse::<Ipv4Addr>()
                .map(Host::Ipv4)
                .map_err(|_| ParseError::Uri("invalid IPv4 address"));
        }
        let valid = s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
        if !valid || s.starts_with(['.', '-']) {
            return Err(ParseError::Uri("invalid character in host name"));
        }
        Ok(Host::Domain(src.slice_ref(s)))
    }

    /// The address, for IP hosts.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Host::Domain(_) => None,
            Host::Ipv4(a) => Some(IpAddr::V4(*a)),
            Host::Ipv6(a) => Some(IpAddr::V6(*a)),
        }
    }
}

impl From<IpAddr> for Host {
    fn from(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(a) => Host::Ipv4(a),
            IpAddr::V6(a) => Host::Ipv6(a),
        }
    }
}

impl From<&str> for Host {
    /// An IP address when `s` is one (with or without brackets), a domain name otherwise.
    fn from(s: &str) -> Self {
        let bare = s
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or(s);
        match bare.parse::<IpAddr>() {
            Ok(ip) => Host::from(ip),
            Err(_) => Host::Domain(ByteStr::from(s)),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => f.write_str(d),
            Host::Ipv4(a) => write!(f, "{a}"),
            Host::Ipv6(a) => write!(f, "[{a}]"),
        }
    }
}

/// Splits `host[:port]`, with IPv6 references in brackets.
pub(crate) fn split_host_port(s: &str) -> Result<(&str, Option<u16>), ParseError> {
    let (host, port) = if s.starts_with('[') {
        let close = s
            .find(']')
            .ok_or(ParseError::Uri("IPv6 reference without ']'"))?;
        let (h, rest) = s.split_at(close + 1);
        match rest.strip_prefix(':') {
            Some(p) => (h, Some(p)),
            None if rest.is_empty() => (h, None),
            None => return Err(ParseError::Uri("unexpected text after IPv6 reference")),
        }
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => Some(
            p.parse::<u16>()
                .map_err(|_| ParseError::Uri("port out of range"))?,
        ),
        Some(_) => return Err(ParseError::Uri("port is not a number")),
    };
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hosts() {
        let src = ByteStr::from("x");
        assert_eq!(
            Host::parse(&src, "192.0.2.1").unwrap(),
            Host::Ipv4(Ipv4Addr::new(192, 0, 2, 1))
        );
        assert_eq!(
            Host::parse(&src, "[2001:db8::1]").unwrap().to_string(),
            "[2001:db8::1]"
        );
        assert_eq!(
            Host::parse(&src, "Example.COM").unwrap(),
            Host::Domain("Example.COM".into())
        );
        assert!(Host::parse(&src, "999.1.1.1").is_err());
        assert!(Host::parse(&src, "a b").is_err());
        assert!(Host::parse(&src, "[::1").is_err());
        assert_eq!(
            split_host_port("[::1]:5060").unwrap(),
            ("[::1]", Some(5060))
        );
        assert!(split_host_port("h:70000").is_err());
        assert_eq!(split_host_port("h").unwrap(), ("h", None));
    }
}
