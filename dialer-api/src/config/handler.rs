//! `[handler]`: where the AI handler is and which protocol it speaks.

use std::fmt;
use std::str::FromStr;

use tokio_tungstenite::tungstenite::http::Uri;

use super::error::{ConfigError, Problem};
use super::reader::{Fields, Origins};
use super::trunk::{is_host, split_host_port};

/// The wire protocol toward the AI handler (DESIGN.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum HandlerProtocol {
    /// Twilio Media Streams over WebSocket (JSON, base64 u-law 8 kHz).
    #[default]
    Twilio,
    /// Raw 16-bit PCM over WebSocket at 8, 16 or 24 kHz, with JSON control frames.
    Pcm,
    /// Asterisk AudioSocket over TCP (8 kHz 16-bit PCM).
    AudioSocket,
}

impl HandlerProtocol {
    /// The name used in configuration and on the command line.
    pub const fn as_str(self) -> &'static str {
        match self {
            HandlerProtocol::Twilio => "twilio",
            HandlerProtocol::Pcm => "pcm",
            HandlerProtocol::AudioSocket => "audiosocket",
        }
    }

    /// The handler sample rates this protocol allows.
    pub const fn allowed_rates(self) -> &'static [u32] {
        match self {
            HandlerProtocol::Pcm => &[8000, 16000, 24000],
            HandlerProtocol::Twilio | HandlerProtocol::AudioSocket => &[8000],
        }
    }
}

impl fmt::Display for HandlerProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HandlerProtocol {
    type Err = Problem;

    fn from_str(s: &str) -> Result<HandlerProtocol, Problem> {
        match s.trim().to_ascii_lowercase().as_str() {
            "twilio" => Ok(HandlerProtocol::Twilio),
            "pcm" => Ok(HandlerProtocol::Pcm),
            "audiosocket" => Ok(HandlerProtocol::AudioSocket),
            _ => Err(Problem::UnknownProtocol {
                value: s.to_owned(),
            }),
        }
    }
}

/// Where to reach the handler, checked against its protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandlerAddress {
    /// A `ws://` or `wss://` URL (twilio, pcm).
    WebSocket {
        /// The URL as configured.
        url: String,
    },
    /// A TCP endpoint (audiosocket).
    Tcp {
        /// Host name or IP address (IPv6 without brackets).
        host: String,
        /// TCP port.
        port: u16,
    },
}

/// A handler setting that failed validation: which field and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct InvalidField {
    /// `url`, `protocol` or `sample_rate`.
    pub field: &'static str,
    /// What is wrong.
    pub problem: Problem,
}

/// A validated handler target: `[handler]` in the file, `--handler`/`--protocol`
/// on the command line, or a batch's `handler` in the HTTP API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerConfig {
    url: String,
    protocol: HandlerProtocol,
    sample_rate: u32,
    address: HandlerAddress,
}

impl HandlerConfig {
    /// Validates a handler target. `url` is `ws://` or `wss://` for twilio
    /// and pcm, `tcp://host:port` or `host:port` for audiosocket.
    /// `sample_rate` defaults to 8000; pcm also takes 16000 and 24000.
    pub fn new(
        url: &str,
        protocol: HandlerProtocol,
        sample_rate: Option<u32>,
    ) -> Result<HandlerConfig, InvalidField> {
        let url = url.trim();
        let address = parse_address(url, protocol).map_err(|problem| InvalidField {
            field: "url",
            problem,
        })?;
        let sample_rate = sample_rate.unwrap_or(8000);
        if !protocol.allowed_rates().contains(&sample_rate) {
            return Err(InvalidField {
                field: "sample_rate",
                problem: Problem::SampleRateNotAllowed {
                    value: sample_rate,
                    protocol: protocol.as_str(),
                    allowed: match protocol {
                        HandlerProtocol::Pcm => "8000, 16000 or 24000",
                        _ => "8000 only",
                    },
                },
            });
        }
        let url = match &address {
            HandlerAddress::WebSocket { url } => url.clone(),
            HandlerAddress::Tcp { host, port } if host.contains(':') => {
                format!("tcp://[{host}]:{port}")
            }
            HandlerAddress::Tcp { host, port } => format!("tcp://{host}:{port}"),
        };
        Ok(HandlerConfig {
            url,
            protocol,
            sample_rate,
            address,
        })
    }

    /// The handler's URL (`tcp://host:port` for audiosocket), as used in messages.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The protocol.
    pub fn protocol(&self) -> HandlerProtocol {
        self.protocol
    }

    /// The handler's sample rate in Hz (always 8000 except for pcm).
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Where to connect.
    pub fn address(&self) -> &HandlerAddress {
        &self.address
    }
}

fn parse_address(url: &str, protocol: HandlerProtocol) -> Result<HandlerAddress, Problem> {
    let bad = |reason| Problem::BadHandlerUrl {
        value: url.to_owned(),
        protocol: protocol.as_str(),
        reason,
    };
    if url.is_empty() {
        return Err(Problem::Empty);
    }
    match protocol {
        HandlerProtocol::Twilio | HandlerProtocol::Pcm => {
            let lower = url.to_ascii_lowercase();
            if !(lower.starts_with("ws://") || lower.starts_with("wss://")) {
                return Err(bad("use a ws:// or wss:// URL"));
            }
            let uri: Uri = url.parse().map_err(|_| bad("not a valid URL"))?;
            let host = uri.host().ok_or(bad("the URL has no host"))?;
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if !is_host(host) {
                return Err(bad("the URL's host is not a host name or IP address"));
            }
            Ok(HandlerAddress::WebSocket {
                url: url.to_owned(),
            })
        }
        HandlerProtocol::AudioSocket => {
            let rest = match url.split_once("://") {
                None => url,
                Some((scheme, rest)) if scheme.eq_ignore_ascii_case("tcp") => rest,
                Some(_) => return Err(bad("use tcp://host:port or host:port")),
            };
            let rest = rest.strip_suffix('/').unwrap_or(rest);
            if rest.contains('/') {
                return Err(bad("a TCP address has no path"));
            }
            let (host, port) = split_host_port(rest).map_err(bad)?;
            let port = port
                .ok_or(bad("the port is missing"))?
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or(bad("the port is not a number from 1 to 65535"))?;
            if !is_host(host) {
                return Err(bad("not a host name or IP address"));
            }
            Ok(HandlerAddress::Tcp {
                host: host.to_owned(),
                port,
            })
        }
    }
}

pub(crate) fn read_handler(
    table: Option<&toml::Table>,
    origins: &Origins,
) -> Result<Option<HandlerConfig>, ConfigError> {
    let Some(table) = table else { return Ok(None) };
    let f = Fields::new(
        "handler".into(),
        table,
        origins,
        &["url", "protocol", "sample_rate"],
    )?;
    let url = f.required_text("url")?;
    let protocol = match f.text("protocol")? {
        None => HandlerProtocol::Twilio,
        Some(p) => p.parse().map_err(|e| f.error("protocol", e))?,
    };
    let sample_rate = f
        .uint("sample_rate", 1, u64::from(u32::MAX))?
        .and_then(|r| u32::try_from(r).ok());
    HandlerConfig::new(url, protocol, sample_rate)
        .map(Some)
        .map_err(|e| f.error(e.field, e.problem))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(url: &str, protocol: HandlerProtocol) -> &'static str {
        match HandlerConfig::new(url, protocol, None) {
            Err(InvalidField {
                problem: Problem::BadHandlerUrl { reason, .. },
                ..
            }) => reason,
            other => panic!("{url}: {other:?}"),
        }
    }

    #[test]
    fn websocket_protocols_take_ws_urls() {
        for protocol in [HandlerProtocol::Twilio, HandlerProtocol::Pcm] {
            let h = HandlerConfig::new("ws://127.0.0.1:9000/stream", protocol, None).unwrap();
            assert_eq!(h.url(), "ws://127.0.0.1:9000/stream");
            assert_eq!(h.sample_rate(), 8000);
            assert!(HandlerConfig::new("wss://bot.example.com/ws?x=1", protocol, None).is_ok());
            assert_eq!(
                reason("http://bot.example.com/ws", protocol),
                "use a ws:// or wss:// URL"
            );
            assert_eq!(
                reason("tcp://127.0.0.1:9000", protocol),
                "use a ws:// or wss:// URL"
            );
            assert_eq!(reason("ws:///path", protocol), "not a valid URL");
        }
    }

    #[test]
    fn audiosocket_takes_tcp_addresses() {
        let h = HandlerConfig::new("127.0.0.1:9092", HandlerProtocol::AudioSocket, None).unwrap();
        assert_eq!(h.url(), "tcp://127.0.0.1:9092");
        assert_eq!(
            h.address(),
            &HandlerAddress::Tcp {
                host: "127.0.0.1".into(),
                port: 9092
            }
        );
        let h = HandlerConfig::new("tcp://[::1]:9092", HandlerProtocol::AudioSocket, None).unwrap();
        assert_eq!(h.url(), "tcp://[::1]:9092");
        let a = HandlerProtocol::AudioSocket;
        assert_eq!(
            reason("ws://127.0.0.1:9092", a),
            "use tcp://host:port or host:port"
        );
        assert_eq!(reason("tcp://127.0.0.1", a), "the port is missing");
        assert_eq!(
            reason("tcp://127.0.0.1:9092/x", a),
            "a TCP address has no path"
        );
        assert_eq!(
            reason("tcp://127.0.0.1:0", a),
            "the port is not a number from 1 to 65535"
        );
    }

    #[test]
    fn only_pcm_takes_wideband_rates() {
        let ws = "ws://127.0.0.1:9000/";
        for rate in [8000, 16000, 24000] {
            let h = HandlerConfig::new(ws, HandlerProtocol::Pcm, Some(rate)).unwrap();
            assert_eq!(h.sample_rate(), rate);
        }
        let err = HandlerConfig::new(ws, HandlerProtocol::Pcm, Some(44100)).unwrap_err();
        assert_eq!(err.field, "sample_rate");
        assert_eq!(
            err.to_string(),
            "sample_rate: 44100 Hz is not allowed for protocol pcm (allowed: 8000, 16000 or 24000)"
        );
        let err = HandlerConfig::new(ws, HandlerProtocol::Twilio, Some(16000)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "sample_rate: 16000 Hz is not allowed for protocol twilio (allowed: 8000 only)"
        );
    }

    #[test]
    fn protocol_names() {
        assert_eq!("Twilio".parse(), Ok(HandlerProtocol::Twilio));
        assert_eq!("audiosocket".parse(), Ok(HandlerProtocol::AudioSocket));
        assert_eq!(
            "sip".parse::<HandlerProtocol>(),
            Err(Problem::UnknownProtocol {
                value: "sip".into()
            })
        );
    }
}
