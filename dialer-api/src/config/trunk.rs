//! `[[trunks]]`: the SIP trunk accounts Trunkline registers to and dials through.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use codecs::Codec;
use sip_core::endpoint::is_user_part;

use super::e164::normalize_e164;
use super::error::{ConfigError, Problem};
use super::reader::{Fields, Origins, no_control_chars, type_name};
use super::secret::Secret;

/// The SIP port used when a proxy is given without one.
pub const DEFAULT_SIP_PORT: u16 = 5060;

/// One `[[trunks]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkConfig {
    /// A name to pick the trunk by (`--trunk NAME`); unique.
    pub name: String,
    /// SIP proxies in order: the primary first, then failovers.
    pub proxies: Vec<ProxyAddr>,
    /// SIP transport.
    pub transport: Transport,
    /// Account user name (digest user and AOR user part); may be empty only when `register` is false.
    pub username: String,
    /// Account password; may be empty.
    pub password: Secret,
    /// AOR host and realm hint; defaults to the first proxy's host.
    pub domain: String,
    /// Caller ID, normalised to E.164.
    pub caller_id: String,
    /// Display name for the From header; may be empty.
    pub display_name: String,
    /// Codecs to offer, in order.
    pub codecs: Vec<Codec>,
    /// Whether to REGISTER (some trunks authenticate by source IP only).
    pub register: bool,
    /// Registration lifetime asked for, in seconds.
    pub register_expires: u32,
}

/// SIP transports; only UDP for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Transport {
    /// SIP over UDP.
    Udp,
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("udp")
    }
}

/// A SIP proxy address: a host name or IP and a port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProxyAddr {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// UDP port.
    pub port: u16,
}

impl fmt::Display for ProxyAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl ProxyAddr {
    /// Parses `host`, `host:port`, `ip:port` or `[ipv6]:port`; the port defaults to 5060.
    pub fn parse(text: &str) -> Result<ProxyAddr, Problem> {
        let value = text.trim();
        let bad = |reason| Problem::BadProxy {
            value: text.to_owned(),
            reason,
        };
        if value.is_empty() {
            return Err(bad("it is empty"));
        }
        if value.contains("://") || value.to_ascii_lowercase().starts_with("sip:") {
            return Err(bad("write host:port without a scheme"));
        }
        let (host, port) = split_host_port(value).map_err(bad)?;
        let port = match port {
            None => DEFAULT_SIP_PORT,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or(bad("the port is not a number from 1 to 65535"))?,
        };
        if !is_host(host) {
            return Err(bad("not a host name or IP address"));
        }
        Ok(ProxyAddr {
            host: host.to_owned(),
            port,
        })
    }
}

/// Splits `host`, `host:port` or `[ipv6]:port` (port text not yet checked).
pub(crate) fn split_host_port(value: &str) -> Result<(&str, Option<&str>), &'static str> {
    if let Some(rest) = value.strip_prefix('[') {
        let (inside, after) = rest.split_once(']').ok_or("missing ']'")?;
        if inside.parse::<Ipv6Addr>().is_err() {
            return Err("not an IPv6 address in brackets");
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or("expected ':' after ']'")?),
        };
        Ok((inside, port))
    } else {
        match value.split_once(':') {
            Some((h, p)) if !p.contains(':') => Ok((h, Some(p))),
            Some(_) => Err("put an IPv6 address in brackets: [addr]:port"),
            None => Ok((value, None)),
        }
    }
}

/// True for an IP address or a DNS host name (letters, digits, '-' and '.').
pub fn is_host(text: &str) -> bool {
    if text.parse::<IpAddr>().is_ok() {
        return true;
    }
    let name = text.strip_suffix('.').unwrap_or(text);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// Looks a codec up by the name used in configuration: `PCMU`, `PCMA`,
/// `G729`, `GSM` (any case), or `ulaw`/`alaw`/`G.729`.
pub fn parse_codec(name: &str) -> Option<Codec> {
    let name = name.trim();
    Codec::from_rtpmap(name, 8000).or_else(|| match name.to_ascii_lowercase().as_str() {
        "ulaw" | "mulaw" | "g711u" => Some(Codec::Pcmu),
        "alaw" | "g711a" => Some(Codec::Pcma),
        "g.729" | "g729a" => Some(Codec::G729),
        _ => None,
    })
}

/// Parses a codec list in offer order: not empty, known names, no repeats.
pub fn parse_codec_list(names: &[String]) -> Result<Vec<Codec>, Problem> {
    if names.is_empty() {
        return Err(Problem::EmptyList);
    }
    let mut codecs = Vec::with_capacity(names.len());
    for name in names {
        let codec = parse_codec(name).ok_or_else(|| Problem::UnknownCodec {
            value: name.clone(),
        })?;
        if codecs.contains(&codec) {
            return Err(Problem::DuplicateCodec {
                value: name.clone(),
            });
        }
        codecs.push(codec);
    }
    Ok(codecs)
}

const TRUNK_KEYS: &[&str] = &[
    "name",
    "proxies",
    "transport",
    "username",
    "password",
    "domain",
    "caller_id",
    "display_name",
    "codecs",
    "register",
    "register_expires",
];

fn read_trunk(f: &Fields<'_>) -> Result<TrunkConfig, ConfigError> {
    let name = f.required_text("name")?.trim();
    no_control_chars(f, "name", name)?;
    if name.is_empty() {
        return Err(f.error("name", Problem::Empty));
    }
    let proxies = f
        .list("proxies")?
        .ok_or_else(|| f.error("proxies", Problem::Missing))?;
    if proxies.is_empty() {
        return Err(f.error("proxies", Problem::EmptyList));
    }
    let proxies = proxies
        .iter()
        .enumerate()
        .map(|(i, p)| ProxyAddr::parse(p).map_err(|e| f.error(&format!("proxies[{i}]"), e)))
        .collect::<Result<Vec<_>, _>>()?;
    let transport = match f.text("transport")?.map(str::trim) {
        None => Transport::Udp,
        Some(t) if t.eq_ignore_ascii_case("udp") => Transport::Udp,
        Some(t) => {
            return Err(f.error(
                "transport",
                Problem::UnsupportedTransport {
                    value: t.to_owned(),
                },
            ));
        }
    };
    let register = f.boolean("register")?.unwrap_or(true);
    let username = f.text("username")?.unwrap_or("").trim().to_owned();
    no_control_chars(f, "username", &username)?;
    if register && username.is_empty() {
        return Err(f.error("username", Problem::Missing));
    }
    if !username.is_empty() && !is_user_part(&username) {
        return Err(f.error("username", Problem::BadSipUser { value: username }));
    }
    let password = f.text("password")?.unwrap_or("");
    no_control_chars(f, "password", password)?;
    let domain = match f.text("domain")?.map(str::trim) {
        None => proxies.first().map(|p| p.host.clone()).unwrap_or_default(),
        Some(d) if is_host(d) => d.to_owned(),
        Some(d) => {
            return Err(f.error(
                "domain",
                Problem::BadHost {
                    value: d.to_owned(),
                },
            ));
        }
    };
    let caller_id = f.required_text("caller_id")?;
    let caller_id = normalize_e164(caller_id, None).map_err(|e| f.error("caller_id", e.into()))?;
    let display_name = f.text("display_name")?.unwrap_or("").trim().to_owned();
    no_control_chars(f, "display_name", &display_name)?;
    let codecs = match f.list("codecs")? {
        None => Codec::ALL.to_vec(),
        Some(names) => parse_codec_list(&names).map_err(|e| f.error("codecs", e))?,
    };
    let register_expires = f
        .uint("register_expires", 60, 604_800)?
        .and_then(|e| u32::try_from(e).ok())
        .unwrap_or(3600);
    Ok(TrunkConfig {
        name: name.to_owned(),
        proxies,
        transport,
        username,
        password: Secret::new(password),
        domain,
        caller_id,
        display_name,
        codecs,
        register,
        register_expires,
    })
}

pub(crate) fn read_trunks(
    value: Option<&toml::Value>,
    origins: &Origins,
) -> Result<Vec<TrunkConfig>, ConfigError> {
    let entries = match value {
        None => return Ok(Vec::new()),
        Some(toml::Value::Array(entries)) => entries,
        Some(other) => {
            return Err(super::reader::invalid(
                origins,
                "trunks".into(),
                Problem::WrongType {
                    expected: "an array of tables ([[trunks]])",
                    found: type_name(other),
                },
            ));
        }
    };
    let mut trunks: Vec<TrunkConfig> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let path = format!("trunks[{i}]");
        let toml::Value::Table(table) = entry else {
            return Err(super::reader::invalid(
                origins,
                path,
                Problem::WrongType {
                    expected: "a table",
                    found: type_name(entry),
                },
            ));
        };
        let f = Fields::new(path, table, origins, TRUNK_KEYS)?;
        let trunk = read_trunk(&f)?;
        if trunks.iter().any(|t| t.name == trunk.name) {
            return Err(f.error("name", Problem::DuplicateName { name: trunk.name }));
        }
        trunks.push(trunk);
    }
    Ok(trunks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy(text: &str) -> Result<(String, u16), Problem> {
        ProxyAddr::parse(text).map(|p| (p.host, p.port))
    }

    #[test]
    fn parses_proxy_forms() {
        assert_eq!(
            proxy("sip1.alienvoip.com:5060"),
            Ok(("sip1.alienvoip.com".into(), 5060))
        );
        assert_eq!(
            proxy("sip3.alienvoip.com"),
            Ok(("sip3.alienvoip.com".into(), 5060))
        );
        assert_eq!(proxy("192.0.2.7:5080"), Ok(("192.0.2.7".into(), 5080)));
        assert_eq!(
            proxy("[2001:db8::1]:5062"),
            Ok(("2001:db8::1".into(), 5062))
        );
        assert_eq!(proxy("[2001:db8::1]"), Ok(("2001:db8::1".into(), 5060)));
        assert_eq!(
            ProxyAddr::parse("[2001:db8::1]:5062").unwrap().to_string(),
            "[2001:db8::1]:5062"
        );
    }

    #[test]
    fn rejects_bad_proxies_with_a_reason() {
        let reason = |text| match ProxyAddr::parse(text) {
            Err(Problem::BadProxy { reason, .. }) => reason,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(
            reason("sip:sip1.example.com"),
            "write host:port without a scheme"
        );
        assert_eq!(
            reason("udp://sip1.example.com"),
            "write host:port without a scheme"
        );
        assert_eq!(reason("host:0"), "the port is not a number from 1 to 65535");
        assert_eq!(
            reason("host:70000"),
            "the port is not a number from 1 to 65535"
        );
        assert_eq!(reason("host:"), "the port is not a number from 1 to 65535");
        assert_eq!(
            reason("2001:db8::1"),
            "put an IPv6 address in brackets: [addr]:port"
        );
        assert_eq!(reason("bad host:5060"), "not a host name or IP address");
        assert_eq!(reason("-bad.example.com"), "not a host name or IP address");
        assert_eq!(reason("[nope]:5060"), "not an IPv6 address in brackets");
        assert_eq!(reason(""), "it is empty");
    }

    #[test]
    fn parses_codec_names_and_aliases() {
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            parse_codec_list(&names(&["ulaw", "G.729", "gsm", "PCMA"])),
            Ok(vec![Codec::Pcmu, Codec::G729, Codec::Gsm, Codec::Pcma])
        );
        assert_eq!(parse_codec_list(&[]), Err(Problem::EmptyList));
        assert_eq!(
            parse_codec_list(&names(&["PCMU", "OPUS"])),
            Err(Problem::UnknownCodec {
                value: "OPUS".into()
            })
        );
        assert_eq!(
            parse_codec_list(&names(&["PCMU", "ulaw"])),
            Err(Problem::DuplicateCodec {
                value: "ulaw".into()
            })
        );
    }
}
