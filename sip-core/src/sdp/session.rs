//! The SDP text format (RFC 4566): parse and print.

use std::fmt::Write;
use std::net::IpAddr;

use crate::error::ParseError;

/// `o=` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// User name (`-` when none).
    pub username: String,
    /// Session id.
    pub session_id: u64,
    /// Session version; a new offer or answer in the same session increments it.
    pub session_version: u64,
    /// Address of the originator (as written: an IP or a host name).
    pub address: String,
    /// `IP4` or `IP6`.
    pub addr_type: String,
}

/// `c=` line: `IN IP4 192.0.2.1` (an optional `/ttl` is kept in `address`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// `IP4` or `IP6`.
    pub addr_type: String,
    /// The address as written.
    pub address: String,
}

impl Connection {
    /// `IN IP4`/`IN IP6` for `ip`.
    pub fn from_ip(ip: IpAddr) -> Connection {
        Connection {
            addr_type: if ip.is_ipv4() {
                "IP4".into()
            } else {
                "IP6".into()
            },
            address: ip.to_string(),
        }
    }

    /// The address as an IP, if it is one (without a `/ttl` suffix).
    pub fn ip(&self) -> Option<IpAddr> {
        self.address.split('/').next().and_then(|a| a.parse().ok())
    }

    /// Whether this is the RFC 2543 hold address `0.0.0.0` (or `::`).
    pub fn is_hold(&self) -> bool {
        self.ip().is_some_and(|ip| ip.is_unspecified())
    }
}

/// `a=name[:value]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// Name.
    pub name: String,
    /// Value after the colon.
    pub value: Option<String>,
}

impl Attribute {
    /// An attribute with a value.
    pub fn new(name: &str, value: impl Into<String>) -> Attribute {
        Attribute {
            name: name.into(),
            value: Some(value.into()),
        }
    }

    /// A flag attribute (`a=sendrecv`).
    pub fn flag(name: &str) -> Attribute {
        Attribute {
            name: name.into(),
            value: None,
        }
    }
}

/// An `m=` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaDescription {
    /// Media type (`audio`).
    pub media: String,
    /// Port (0 rejects the stream).
    pub port: u16,
    /// Number of ports after `/`, if written.
    pub port_count: Option<u16>,
    /// Transport protocol (`RTP/AVP`).
    pub proto: String,
    /// Formats (payload type numbers for RTP).
    pub formats: Vec<String>,
    /// Media-level `c=`.
    pub connection: Option<Connection>,
    /// Other lines of the section (`i=`, `b=`, `k=`), in order.
    pub other_lines: Vec<(char, String)>,
    /// `a=` lines.
    pub attributes: Vec<Attribute>,
}

/// A whole session description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionDescription {
    /// `o=`.
    pub origin: Origin,
    /// `s=` (`-` when there is nothing to say).
    pub session_name: String,
    /// Session-level `c=`.
    pub connection: Option<Connection>,
    /// `t=` lines (usually one `0 0`).
    pub times: Vec<String>,
    /// Other session-level lines (`i= u= e= p= b= r= z= k=`), in order.
    pub other_lines: Vec<(char, String)>,
    /// Session-level `a=` lines.
    pub attributes: Vec<Attribute>,
    /// The media sections.
    pub media: Vec<MediaDescription>,
}

fn attr_lookup<'a>(attrs: &'a [Attribute], name: &str) -> impl Iterator<Item = &'a Attribute> {
    let name = name.to_owned();
    attrs
        .iter()
        .filter(move |a| a.name.eq_ignore_ascii_case(&name))
}

impl MediaDescription {
    /// Values of the attributes called `name`.
    pub fn attribute_values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> {
        attr_lookup(&self.attributes, name).filter_map(|a| a.value.as_deref())
    }

    /// Whether a flag or attribute called `name` is present.
    pub fn has_attribute(&self, name: &str) -> bool {
        attr_lookup(&self.attributes, name).next().is_some()
    }
}

impl SessionDescription {
    /// Whether a session-level attribute called `name` is present.
    pub fn has_attribute(&self, name: &str) -> bool {
        attr_lookup(&self.attributes, name).next().is_some()
    }

    /// Values of the session-level attributes called `name`.
    pub fn attribute_values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> {
        attr_lookup(&self.attributes, name).filter_map(|a| a.value.as_deref())
    }

    /// Parses an SDP body. Lines end in CRLF or LF; a line must be
    /// `<letter>=<value>`. `v=0` must come first, followed by `o=`.
    pub fn parse(body: &[u8]) -> Result<SessionDescription, ParseError> {
        let text = std::str::from_utf8(body).map_err(|_| ParseError::Sdp {
            line: 0,
            what: "not UTF-8",
        })?;
        let mut origin = None;
        let mut session_name = None;
        let mut connection = None;
        let mut times = Vec::new();
        let mut other_lines = Vec::new();
        let mut attributes = Vec::new();
        let mut media: Vec<MediaDescription> = Vec::new();
        let mut seen_version = false;
        for (index, raw) in text.split('\n').enumerate() {
            let line_no = index + 1;
            let err = |what| ParseError::Sdp {
                line: line_no,
                what,
            };
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if line.is_empty() {
                continue;
            }
            let b = line.as_bytes();
            if b.len() < 2 || b[1] != b'=' || !b[0].is_ascii_lowercase() {
                return Err(err("line is not <letter>=<value>"));
            }
            let kind = b[0] as char;
            let value = &line[2..];
            if !seen_version {
                if kind != 'v' || value != "0" {
                    return Err(err("the first line must be v=0"));
                }
                seen_version = true;
                continue;
            }
            match (kind, media.last_mut()) {
                ('v', _) => return Err(err("v= appears twice")),
                ('o', None) if origin.is_none() => {
                    origin = Some(parse_origin(value).ok_or(err("malformed o= line"))?)
                }
                ('s', None) => session_name = Some(value.to_owned()),
                ('c', None) => {
                    connection = Some(parse_connection(value).ok_or(err("malformed c= line"))?)
                }
                ('t', None) => times.push(value.to_owned()),
                ('a', None) => attributes.push(parse_attribute(value)),
                ('m', _) => media.push(parse_media(value).ok_or(err("malformed m= line"))?),
                ('c', Some(m)) => {
                    m.connection = Some(parse_connection(value).ok_or(err("malformed c= line"))?)
                }
                ('a', Some(m)) => m.attributes.push(parse_attribute(value)),
                ('i' | 'b' | 'k', Some(m)) => m.other_lines.push((kind, value.to_owned())),
                ('i' | 'u' | 'e' | 'p' | 'b' | 'r' | 'z' | 'k', None) => {
                    other_lines.push((kind, value.to_owned()))
                }
                _ => return Err(err("line type not allowed here")),
            }
        }
        if !seen_version {
            return Err(ParseError::Sdp {
                line: 1,
                what: "empty session description",
            });
        }
        let origin = origin.ok_or(ParseError::Sdp {
            line: 2,
            what: "missing o= line",
        })?;
        Ok(SessionDescription {
            origin,
            session_name: session_name.unwrap_or_else(|| "-".into()),
            connection,
            times,
            other_lines,
            attributes,
            media,
        })
    }

    /// The SDP text, with CRLF line ends, in RFC 4566 order.
    pub fn to_text(&self) -> String {
        let mut s = String::with_capacity(256);
        let o = &self.origin;
        let _ = write!(
            s,
            "v=0\r\no={} {} {} IN {} {}\r\ns={}\r\n",
            o.username, o.session_id, o.session_version, o.addr_type, o.address, self.session_name
        );
        let order = |k: char| "iuepbrzk".find(k).unwrap_or(8);
        let mut extras: Vec<&(char, String)> = self.other_lines.iter().collect();
        extras.sort_by_key(|(k, _)| order(*k));
        for (k, v) in extras.iter().filter(|(k, _)| "iuep".contains(*k)) {
            let _ = write!(s, "{k}={v}\r\n");
        }
        if let Some(c) = &self.connection {
            let _ = write!(s, "c=IN {} {}\r\n", c.addr_type, c.address);
        }
        for (k, v) in extras.iter().filter(|(k, _)| *k == 'b') {
            let _ = write!(s, "{k}={v}\r\n");
        }
        for t in &self.times {
            let _ = write!(s, "t={t}\r\n");
        }
        for (k, v) in extras.iter().filter(|(k, _)| "rzk".contains(*k)) {
            let _ = write!(s, "{k}={v}\r\n");
        }
        write_attributes(&self.attributes, &mut s);
        for m in &self.media {
            let _ = write!(s, "m={} {}", m.media, m.port);
            if let Some(n) = m.port_count {
                let _ = write!(s, "/{n}");
            }
            let _ = write!(s, " {}", m.proto);
            for f in &m.formats {
                let _ = write!(s, " {f}");
            }
            s.push_str("\r\n");
            for (k, v) in m.other_lines.iter().filter(|(k, _)| *k == 'i') {
                let _ = write!(s, "{k}={v}\r\n");
            }
            if let Some(c) = &m.connection {
                let _ = write!(s, "c=IN {} {}\r\n", c.addr_type, c.address);
            }
            for (k, v) in m.other_lines.iter().filter(|(k, _)| *k != 'i') {
                let _ = write!(s, "{k}={v}\r\n");
            }
            write_attributes(&m.attributes, &mut s);
        }
        s
    }
}

fn write_attributes(attrs: &[Attribute], s: &mut String) {
    for a in attrs {
        match &a.value {
            Some(v) => {
                let _ = write!(s, "a={}:{v}\r\n", a.name);
            }
            None => {
                let _ = write!(s, "a={}\r\n", a.name);
            }
        }
    }
}

fn parse_origin(v: &str) -> Option<Origin> {
    let f: Vec<&str> = v.split(' ').filter(|x| !x.is_empty()).collect();
    match f.as_slice() {
        [user, id, version, "IN", addr_type, address] => Some(Origin {
            username: (*user).to_owned(),
            session_id: id.parse().ok()?,
            session_version: version.parse().ok()?,
            addr_type: (*addr_type).to_owned(),
            address: (*address).to_owned(),
        }),
        _ => None,
    }
}

fn parse_connection(v: &str) -> Option<Connection> {
    let f: Vec<&str> = v.split(' ').filter(|x| !x.is_empty()).collect();
    match f.as_slice() {
        ["IN", addr_type, address] => Some(Connection {
            addr_type: (*addr_type).to_owned(),
            address: (*address).to_owned(),
        }),
        _ => None,
    }
}

fn parse_attribute(v: &str) -> Attribute {
    match v.split_once(':') {
        Some((n, val)) => Attribute {
            name: n.to_owned(),
            value: Some(val.to_owned()),
        },
        None => Attribute {
            name: v.to_owned(),
            value: None,
        },
    }
}

fn parse_media(v: &str) -> Option<MediaDescription> {
    let mut f = v.split(' ').filter(|x| !x.is_empty());
    let media = f.next()?.to_owned();
    let port_text = f.next()?;
    let (port, port_count) = match port_text.split_once('/') {
        Some((p, n)) => (p.parse().ok()?, Some(n.parse().ok()?)),
        None => (port_text.parse().ok()?, None),
    };
    let proto = f.next()?.to_owned();
    let formats = f.map(str::to_owned).collect();
    Some(MediaDescription {
        media,
        port,
        port_count,
        proto,
        formats,
        connection: None,
        other_lines: Vec::new(),
        attributes: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC4566_EXAMPLE: &str = "v=0\r\no=jdoe 2890844526 2890842807 IN IP4 10.47.16.5\r\ns=SDP Seminar\r\ni=A Seminar on the session description protocol\r\nu=http://www.example.com/seminars/sdp.pdf\r\ne=j.doe@example.com (Jane Doe)\r\nc=IN IP4 224.2.17.12/127\r\nt=2873397496 2873404696\r\na=recvonly\r\nm=audio 49170 RTP/AVP 0\r\nm=video 51372 RTP/AVP 99\r\na=rtpmap:99 h263-1998/90000\r\n";

    #[test]
    fn parses_and_prints_the_rfc_4566_example() {
        let sdp = SessionDescription::parse(RFC4566_EXAMPLE.as_bytes()).unwrap();
        assert_eq!(sdp.origin.session_id, 2890844526);
        assert_eq!(sdp.connection.as_ref().unwrap().address, "224.2.17.12/127");
        assert_eq!(
            sdp.connection.as_ref().unwrap().ip(),
            Some("224.2.17.12".parse().unwrap())
        );
        assert!(sdp.has_attribute("recvonly"));
        assert_eq!(sdp.media.len(), 2);
        assert_eq!(
            sdp.media[1].attribute_values("rtpmap").collect::<Vec<_>>(),
            vec!["99 h263-1998/90000"]
        );
        assert_eq!(sdp.to_text(), RFC4566_EXAMPLE);
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "o=x\r\n",
            "v=1\r\n",
            "v=0\r\nx\r\n",
            "v=0\r\no=a b c\r\n",
            "v=0\r\no=- 1 1 IN IP4 h\r\nm=audio x RTP/AVP 0\r\n",
        ] {
            assert!(
                SessionDescription::parse(bad.as_bytes()).is_err(),
                "{bad:?}"
            );
        }
    }
}
