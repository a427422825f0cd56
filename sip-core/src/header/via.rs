//! The Via header (RFC 3261 20.42, RFC 3581 rport).

use crate::error::ParseError;
use std::fmt;
use std::net::IpAddr;

use super::HeaderValue;
use super::cursor::Cursor;
use crate::params::Params;
use crate::text::ByteStr;
use crate::text::chars::is_wsp;
use crate::uri::{Host, split_host_port};

/// The RFC 3261 branch prefix.
pub const MAGIC_COOKIE: &str = "z9hG4bK";

/// The transport of a Via.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Transport {
    /// UDP.
    Udp,
    /// TCP.
    Tcp,
    /// TLS over TCP.
    Tls,
    /// SCTP.
    Sctp,
    /// WebSocket (RFC 7118).
    Ws,
    /// Secure WebSocket (RFC 7118).
    Wss,
    /// Any other token, as written.
    Other(ByteStr),
}

impl Transport {
    /// The token as it is written in a Via.
    pub fn as_str(&self) -> &str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
            Transport::Sctp => "SCTP",
            Transport::Ws => "WS",
            Transport::Wss => "WSS",
            Transport::Other(t) => t,
        }
    }

    fn parse(src: &ByteStr, s: &str) -> Transport {
        for t in [
            Transport::Udp,
            Transport::Tcp,
            Transport::Tls,
            Transport::Sctp,
            Transport::Ws,
            Transport::Wss,
        ] {
            if s.eq_ignore_ascii_case(t.as_str()) {
                return t;
            }
        }
        Transport::Other(src.slice_ref(s))
    }

    /// Whether the transport is reliable (everything but UDP).
    pub fn is_reliable(&self) -> bool {
        !matches!(self, Transport::Udp)
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One Via value: `SIP/2.0/UDP host:port;branch=...;rport;received=...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Via {
    /// Protocol name (`SIP`).
    pub protocol_name: ByteStr,
    /// Protocol version (`2.0`).
    pub protocol_version: ByteStr,
    /// Transport.
    pub transport: Transport,
    /// sent-by host.
    pub host: Host,
    /// sent-by port.
    pub port: Option<u16>,
    /// Parameters (branch, rport, received, maddr, ttl, ...).
    pub params: Params,
}

impl Via {
    /// `SIP/2.0/<transport> host[:port];branch=<branch>`.
    pub fn new(
        transport: Transport,
        host: impl Into<Host>,
        port: Option<u16>,
        branch: &str,
    ) -> Via {
        let mut params = Params::new();
        params.set("branch", Some(ByteStr::from(branch)));
        Via {
            protocol_name: ByteStr::from_static("SIP"),
            protocol_version: ByteStr::from_static("2.0"),
            transport,
            host: host.into(),
            port,
            params,
        }
    }

    /// Adds an empty `rport` parameter (RFC 3581: ask for the source port).
    pub fn with_rport(mut self) -> Via {
        self.params.set("rport", None);
        self
    }

    /// The branch parameter.
    pub fn branch(&self) -> Option<&ByteStr> {
        self.params.value("branch")
    }

    /// Whether the branch is an RFC 3261 one: the magic cookie followed by at
    /// least one character. Otherwise transactions match by the RFC 2543
    /// rules (RFC 4475 3.2.1: a branch of only the cookie is not RFC 3261).
    pub fn has_rfc3261_branch(&self) -> bool {
        self.branch()
            .is_some_and(|b| b.len() > MAGIC_COOKIE.len() && b.starts_with(MAGIC_COOKIE))
    }

    /// The `received` address, if present and an IP address.
    pub fn received(&self) -> Option<IpAddr> {
        let v = self.params.value("received")?;
        let bare = v
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or(v);
        bare.parse().ok()
    }

    /// `rport`: `None` when absent, `Some(None)` when present without a
    /// value (a request asking for it), `Some(Some(port))` when filled in.
    pub fn rport(&self) -> Option<Option<u16>> {
        let p = self.params.get("rport")?;
        Some(p.value.as_ref().and_then(|v| v.parse().ok()))
    }

    /// The `maddr` parameter.
    pub fn maddr(&self) -> Option<&ByteStr> {
        self.params.value("maddr")
    }

    /// The `ttl` parameter.
    pub fn ttl(&self) -> Option<u8> {
        self.params.value("ttl").and_then(|v| v.parse().ok())
    }

    /// Sets `received` and fills `rport` (RFC 3581) as a server does for the
    /// source address of a request.
    pub fn set_received(&mut self, ip: IpAddr, port: u16) {
        self.params
            .set("received", Some(ByteStr::from(ip.to_string())));
        if self.params.contains("rport") {
            self.params
                .set("rport", Some(ByteStr::from(port.to_string())));
        }
    }
}

/// Parses one Via value; the error says what is wrong.
fn via_text(src: &ByteStr, s: &str) -> Result<Via, &'static str> {
    let mut c = Cursor::new(s);
    let name = c.token();
    c.skip_wsp();
    if name.is_empty() || !c.eat(b'/') {
        return Err("expected protocol name and '/'");
    }
    let version = c.skip_wsp().token();
    c.skip_wsp();
    if version.is_empty() || !c.eat(b'/') {
        return Err("expected protocol version and '/'");
    }
    let transport = c.skip_wsp().token();
    if transport.is_empty() || !c.skip_wsp_some() {
        return Err("expected transport and white space before sent-by");
    }
    let start = c.pos;
    if c.peek() == Some(b'[') {
        c.take_while(|b| b != b']');
        if !c.eat(b']') {
            return Err("IPv6 reference without ']'");
        }
    } else {
        c.take_while(|b| b != b':' && b != b';' && !is_wsp(b));
    }
    let host_text = &s[start..c.pos];
    c.skip_wsp();
    let port = if c.eat(b':') {
        c.skip_wsp();
        let digits = c.take_while(|b| b.is_ascii_digit());
        Some(
            digits
                .parse::<u16>()
                .map_err(|_| "sent-by port is not a number below 65536")?,
        )
    } else {
        None
    };
    let (host_only, _) = split_host_port(host_text).map_err(|e| e.what())?;
    let host = Host::parse(src, host_only).map_err(|e| e.what())?;
    let params = Params::parse_header(src, c.rest())?;
    Ok(Via {
        protocol_name: src.slice_ref(name),
        protocol_version: src.slice_ref(version),
        transport: Transport::parse(src, transport),
        host,
        port,
        params,
    })
}

impl HeaderValue for Via {
    fn parse_in(src: &ByteStr, s: &str) -> Result<Via, ParseError> {
        via_text(src, s).map_err(ParseError::Value)
    }

    fn write(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(
            out,
            "{}/{}/{} {}",
            self.protocol_name, self.protocol_version, self.transport, self.host
        );
        if let Some(p) = self.port {
            let _ = write!(out, ":{p}");
        }
        self.params.write(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_folded_spacing() {
        let v = Via::parse_value("SIP  /   2.0 /UDP 192.0.2.2;branch=390skdjuw").unwrap();
        assert_eq!(v.transport, Transport::Udp);
        assert_eq!(v.branch().unwrap(), "390skdjuw");
        assert!(!v.has_rfc3261_branch());
        let v = Via::parse_value("SIP / 2.0 / TCP spindle.example.com ; branch = z9hG4bK9ikj8")
            .unwrap();
        assert_eq!(v.host, Host::Domain("spindle.example.com".into()));
        assert!(v.has_rfc3261_branch());
        let v = Via::parse_value("SIP/2.0/UDP [2001:db8::9]:5070;rport=5071;received=2001:db8::1")
            .unwrap();
        assert_eq!(v.port, Some(5070));
        assert_eq!(v.rport(), Some(Some(5071)));
        assert_eq!(v.received().unwrap().to_string(), "2001:db8::1");
        assert_eq!(
            v.to_value(),
            "SIP/2.0/UDP [2001:db8::9]:5070;rport=5071;received=2001:db8::1"
        );
    }

    #[test]
    fn rejects_broken() {
        for bad in [
            "SIP/2.0/UDP",
            "SIP/2.0/UDP 192.0.2.15;;",
            "SIP/2.0 host",
            "SIP/2.0/UDP h:x",
            "SIP/2.0/UDPh",
        ] {
            assert!(Via::parse_value(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn builds_with_rport() {
        let mut v = Via::new(Transport::Udp, "10.0.0.1", Some(5060), "z9hG4bKabc").with_rport();
        assert_eq!(
            v.to_value(),
            "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc;rport"
        );
        assert_eq!(v.rport(), Some(None));
        v.set_received("203.0.113.9".parse().unwrap(), 40000);
        assert_eq!(
            v.to_value(),
            "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc;rport=40000;received=203.0.113.9"
        );
    }
}
