//! Turning a trunk's proxies into socket addresses (DNS through tokio), and
//! finding the interface address the trunk is reached from.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use sip_core::endpoint::Proxy;

use super::error::TrunkError;
use super::trunk::Trunk;
use crate::config::ProxyAddr;

/// How long one DNS lookup may take.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Resolves every proxy of `trunk` to an address of the SIP socket's
/// family (`ipv4`). Proxies that do not resolve are left out (and logged)
/// as long as one does.
pub(crate) async fn resolve_proxies(trunk: &Trunk, ipv4: bool) -> Result<Vec<Proxy>, TrunkError> {
    let mut proxies = Vec::new();
    let mut failures = Vec::new();
    for p in &trunk.proxies {
        let host = trunk.domain.clone().unwrap_or_else(|| p.host.clone());
        match resolve_proxy(p, ipv4).await {
            Ok(addr) => proxies.push(Proxy::new(addr, sip_host(&host))),
            Err(reason) => {
                tracing::warn!(trunk = %trunk.name, proxy = %p, %reason, "proxy does not resolve");
                failures.push(format!("{p}: {reason}"));
            }
        }
    }
    if proxies.is_empty() {
        return Err(TrunkError::Unresolvable {
            trunk: trunk.name.clone(),
            failures,
        });
    }
    Ok(proxies)
}

/// Looks one proxy up (at most 5 s) and picks an address of the SIP
/// socket's family (`ipv4`); the error is the reason in words.
pub(crate) async fn resolve_proxy(p: &ProxyAddr, ipv4: bool) -> Result<SocketAddr, String> {
    let looked_up = tokio::time::timeout(
        LOOKUP_TIMEOUT,
        tokio::net::lookup_host((p.host.as_str(), p.port)),
    )
    .await;
    match looked_up {
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            match addrs.iter().find(|a| a.is_ipv4() == ipv4) {
                Some(a) => Ok(*a),
                None if addrs.is_empty() => Err("no address".to_owned()),
                None => Err(format!(
                    "no {} address (the SIP socket is {})",
                    if ipv4 { "IPv4" } else { "IPv6" },
                    if ipv4 { "IPv4" } else { "IPv6" }
                )),
            }
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!(
            "no DNS answer within {} s",
            LOOKUP_TIMEOUT.as_secs()
        )),
    }
}

/// A host as it appears in a SIP URI (IPv6 in brackets).
fn sip_host(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// The local address that reaches `peer`: `bound` itself unless it is a
/// wildcard, else the interface the routing table picks (found with a
/// connected UDP socket; nothing is sent).
pub(crate) fn local_ip_toward(bound: IpAddr, peer: SocketAddr) -> IpAddr {
    if !bound.is_unspecified() {
        return bound;
    }
    let any: SocketAddr = if peer.is_ipv4() {
        SocketAddr::from(([0, 0, 0, 0], 0))
    } else {
        SocketAddr::from(([0u16; 8], 0))
    };
    std::net::UdpSocket::bind(any)
        .and_then(|s| {
            s.connect(peer)?;
            s.local_addr()
        })
        .map(|a| a.ip())
        .unwrap_or(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trunk(proxies: &[&str]) -> Trunk {
        Trunk {
            name: "t".into(),
            proxies: proxies
                .iter()
                .map(|p| ProxyAddr::parse(p).unwrap())
                .collect(),
            username: "u".into(),
            password: String::new(),
            domain: None,
            caller_id: "+60123456789".into(),
            display_name: None,
            codecs: vec![codecs::Codec::Pcmu],
            register: false,
            register_expires: 3600,
        }
    }

    #[tokio::test]
    async fn resolves_names_and_keeps_the_ones_that_work() {
        let t = trunk(&["localhost:5062", "no-such-host.invalid:5060", "127.0.0.1"]);
        let proxies = resolve_proxies(&t, true).await.unwrap();
        assert_eq!(proxies.len(), 2);
        assert_eq!(proxies[0].addr, "127.0.0.1:5062".parse().unwrap());
        assert_eq!(proxies[0].host, "localhost");
        assert_eq!(proxies[1].addr, "127.0.0.1:5060".parse().unwrap());
    }

    #[tokio::test]
    async fn says_why_when_nothing_resolves() {
        let err = resolve_proxies(&trunk(&["no-such-host.invalid"]), true)
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("cannot reach the trunk: no-such-host.invalid:5060:"),
            "{text}"
        );
    }

    #[test]
    fn finds_the_interface_toward_a_peer() {
        let ip = local_ip_toward(
            "0.0.0.0".parse().unwrap(),
            "127.0.0.1:5060".parse().unwrap(),
        );
        assert!(ip.is_loopback(), "{ip}");
        let fixed: IpAddr = "192.0.2.4".parse().unwrap();
        assert_eq!(
            local_ip_toward(fixed, "127.0.0.1:5060".parse().unwrap()),
            fixed
        );
    }
}
