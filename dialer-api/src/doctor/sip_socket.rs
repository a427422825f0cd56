//! The SIP socket: can `[sip] bind` be bound? When it is taken (a running
//! `trunkline serve`) the other checks use a free port on the same address.

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};

use super::check::Check;

const NAME: &str = "sip socket";

/// Tries `bind`; returns the line and the address the doctor's own SIP
/// socket should use.
pub(crate) fn sip_socket_check(bind: SocketAddr) -> (Check, SocketAddr) {
    let fallback = SocketAddr::new(bind.ip(), 0);
    match UdpSocket::bind(bind) {
        Ok(socket) => {
            drop(socket);
            let detail = if bind.port() == 0 {
                format!("{bind}: a free port is picked")
            } else {
                format!("{bind} is free")
            };
            (Check::pass(NAME, detail), bind)
        }
        Err(e) if e.kind() == ErrorKind::AddrInUse => (
            Check::skip(
                NAME,
                format!(
                    "{bind} is in use (a running trunkline serve?); the checks below use a free port on {}",
                    bind.ip()
                ),
            ),
            fallback,
        ),
        Err(e) => {
            let (advice, fallback) = match e.kind() {
                ErrorKind::PermissionDenied => (
                    "ports below 1024 need CAP_NET_BIND_SERVICE (AmbientCapabilities in \
                     deploy/trunkline.service), or set [sip] bind to a port above 1023"
                        .to_owned(),
                    fallback,
                ),
                ErrorKind::AddrNotAvailable => (
                    format!(
                        "{} is not an address of this machine: fix [sip] bind (0.0.0.0:5060 \
                         listens on every interface)",
                        bind.ip()
                    ),
                    SocketAddr::new(unspecified(bind.ip()), 0),
                ),
                _ => ("fix [sip] bind".to_owned(), fallback),
            };
            (
                Check::fail(NAME, format!("cannot bind {bind}: {e}"), advice),
                fallback,
            )
        }
    }
}

fn unspecified(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::check::Status;

    #[test]
    fn a_taken_port_is_skipped_and_a_foreign_address_fails() {
        let held = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = held.local_addr().unwrap();
        let (check, fallback) = sip_socket_check(addr);
        assert_eq!(check.status, Status::Skip, "{check}");
        assert_eq!(fallback, "127.0.0.1:0".parse().unwrap());
        let (check, _) = sip_socket_check("127.0.0.1:0".parse().unwrap());
        assert_eq!(check.status, Status::Pass, "{check}");
        let (check, fallback) = sip_socket_check("192.0.2.77:5060".parse().unwrap());
        assert_eq!(check.status, Status::Fail, "{check}");
        assert!(check.advice.unwrap().contains("fix [sip] bind"));
        assert_eq!(fallback, "0.0.0.0:0".parse().unwrap());
    }
}
