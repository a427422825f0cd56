//! Probing a SIP proxy with OPTIONS: one client transaction of sip-core's
//! transaction layer (RFC 3261 retransmissions) on a UDP socket connected
//! to the proxy, bounded by a wait. The answer's top Via tells the address
//! the proxy saw us at (`received` / `rport`, RFC 3581).

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand::Rng;
use sip_core::transaction::{TimerConfig, TransactionEvent, TransactionLayer, TransactionOutput};
use sip_core::{
    HeaderName, Method, NameAddr, Request, Response, SipUri, StatusCode, Transport, Via,
};
use tokio::net::UdpSocket;

use crate::config::ProxyAddr;

/// A proxy's final answer to our OPTIONS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OptionsAnswer {
    /// The status.
    pub(crate) status: StatusCode,
    /// The reason phrase.
    pub(crate) reason: String,
    /// From the first send to the answer.
    pub(crate) rtt: Duration,
    /// Our socket's address (what the Via said).
    pub(crate) local: SocketAddr,
    /// What the proxy saw: `received` (or our Via host) and `rport` (if filled).
    pub(crate) seen_ip: IpAddr,
    /// The `rport` value, when the proxy filled it in.
    pub(crate) seen_port: Option<u16>,
}

/// Why an OPTIONS probe got no answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ProbeError {
    /// No socket toward the proxy could be opened.
    #[error("cannot open a UDP socket toward {addr}: {source}")]
    Socket {
        /// The proxy's address.
        addr: SocketAddr,
        /// The socket error.
        source: std::io::Error,
    },
    /// The proxy's host answered with ICMP port unreachable.
    #[error("{proxy} refused the datagram (ICMP port unreachable): nothing listens on that port")]
    Refused {
        /// The proxy as configured.
        proxy: String,
    },
    /// No final response within the wait.
    #[error("no answer from {proxy} in {} s", .wait.as_secs_f64())]
    Timeout {
        /// The proxy as configured.
        proxy: String,
        /// The wait.
        wait: Duration,
    },
    /// Sending failed (no route, network down).
    #[error("cannot send to {proxy}: {source}")]
    Send {
        /// The proxy as configured.
        proxy: String,
        /// The socket error.
        source: std::io::Error,
    },
}

/// Sends OPTIONS to `proxy` at `addr` from `bind_ip` (port 0) and waits up
/// to `wait` for a final response.
pub(crate) async fn probe(
    proxy: &ProxyAddr,
    addr: SocketAddr,
    bind_ip: IpAddr,
    user_agent: &str,
    wait: Duration,
) -> Result<OptionsAnswer, ProbeError> {
    let socket = open(addr, bind_ip)
        .await
        .map_err(|source| ProbeError::Socket { addr, source })?;
    let local = socket
        .local_addr()
        .map_err(|source| ProbeError::Socket { addr, source })?;
    let name = proxy.to_string();
    let request = options_request(proxy, local, user_agent);
    let started = Instant::now();
    let deadline = started + wait;
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let timeout = || ProbeError::Timeout {
        proxy: name.clone(),
        wait,
    };
    if layer.send_request(started, request, addr).is_err() {
        return Err(timeout());
    }
    let mut buf = vec![0u8; sip_core::endpoint::MAX_DATAGRAM];
    loop {
        while let Some(output) = layer.poll_output() {
            match output {
                TransactionOutput::Transmit(t) => {
                    if let Err(source) = socket.send(&t.data).await {
                        return Err(socket_error(&name, source));
                    }
                }
                TransactionOutput::Event(TransactionEvent::Response { response, .. })
                    if response.status.is_final() =>
                {
                    return Ok(answer(response, started.elapsed(), local));
                }
                TransactionOutput::Event(
                    TransactionEvent::Timeout { .. } | TransactionEvent::TransportError { .. },
                ) => return Err(timeout()),
                TransactionOutput::Event(_) => {}
            }
        }
        let wake = layer.poll_timeout().map_or(deadline, |t| t.min(deadline));
        tokio::select! {
            received = socket.recv(&mut buf) => match received {
                Ok(n) => {
                    let data = Bytes::copy_from_slice(buf.get(..n).unwrap_or_default());
                    if let Ok(response) = Response::parse(data) {
                        let _ = layer.receive_response(Instant::now(), response);
                    }
                }
                Err(source) => return Err(socket_error(&name, source)),
            },
            () = tokio::time::sleep_until(wake.into()) => {
                let now = Instant::now();
                if now >= deadline {
                    return Err(timeout());
                }
                layer.handle_timeout(now);
            }
        }
    }
}

/// A UDP socket on `bind_ip` (or the wildcard of `addr`'s family when
/// `bind_ip` is of the other family), connected to `addr` so ICMP errors
/// come back as socket errors.
async fn open(addr: SocketAddr, bind_ip: IpAddr) -> std::io::Result<UdpSocket> {
    let ip = match (bind_ip, addr) {
        (IpAddr::V4(_), SocketAddr::V4(_)) | (IpAddr::V6(_), SocketAddr::V6(_)) => bind_ip,
        (_, SocketAddr::V4(_)) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        (_, SocketAddr::V6(_)) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    let socket = UdpSocket::bind(SocketAddr::new(ip, 0)).await?;
    socket.connect(addr).await?;
    Ok(socket)
}

fn socket_error(proxy: &str, source: std::io::Error) -> ProbeError {
    if source.kind() == ErrorKind::ConnectionRefused {
        ProbeError::Refused {
            proxy: proxy.to_owned(),
        }
    } else {
        ProbeError::Send {
            proxy: proxy.to_owned(),
            source,
        }
    }
}

fn sip_uri(host: &str) -> SipUri {
    match host.parse::<IpAddr>() {
        Ok(ip) => SipUri::new(ip),
        Err(_) => SipUri::new(host),
    }
}

fn token(len: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
        .collect()
}

fn options_request(proxy: &ProxyAddr, local: SocketAddr, user_agent: &str) -> Request {
    let target = sip_uri(&proxy.host).with_port(proxy.port);
    let from =
        NameAddr::new(sip_uri(&proxy.host).with_user("trunkline-doctor")).with_tag(&token(10));
    let branch = format!("z9hG4bK{}", token(16));
    Request::builder(Method::Options, target.clone())
        .via(Via::new(Transport::Udp, local.ip(), Some(local.port()), &branch).with_rport())
        .max_forwards(70)
        .from(from)
        .to(NameAddr::new(target))
        .call_id(format!("{}@trunkline-doctor", token(20)))
        .cseq(1)
        .header(HeaderName::UserAgent, user_agent.to_owned())
        .header(HeaderName::Accept, "application/sdp")
        .build()
}

fn answer(response: Response, rtt: Duration, local: SocketAddr) -> OptionsAnswer {
    let via = response.headers.top_via().ok();
    let seen_ip = via
        .as_ref()
        .and_then(|v| v.received().or_else(|| v.host.ip()))
        .unwrap_or(local.ip());
    let seen_port = via.as_ref().and_then(|v| v.rport()).flatten();
    OptionsAnswer {
        status: response.status,
        reason: String::from_utf8_lossy(response.reason.as_bytes()).into_owned(),
        rtt,
        local,
        seen_ip,
        seen_port,
    }
}
