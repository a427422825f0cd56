//! The RTP port range: binds a few even/odd pairs at both ends of
//! `[rtp] port_min..=port_max` on the SIP bind address, as calls will.

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, UdpSocket};

use super::check::Check;
use crate::config::RtpConfig;

const NAME: &str = "rtp ports";

/// The even ports of up to two pairs at each end of the range.
pub(crate) fn sample_pairs(rtp: &RtpConfig) -> Vec<u16> {
    let first = u32::from(rtp.port_min).next_multiple_of(2);
    let max = u32::from(rtp.port_max);
    if max < first + 1 {
        return Vec::new();
    }
    let last = (max - 1) & !1;
    let mut ports: Vec<u32> = [first, first + 2, last.saturating_sub(2), last]
        .into_iter()
        .filter(|p| *p >= first && *p <= last)
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
        .into_iter()
        .filter_map(|p| u16::try_from(p).ok())
        .collect()
}

/// Binds the sample pairs on `ip` (holding them all until the end, then
/// releasing them) and judges the range.
pub(crate) fn rtp_check(ip: IpAddr, rtp: &RtpConfig) -> Check {
    let range = format!("{}-{}", rtp.port_min, rtp.port_max);
    let pairs = sample_pairs(rtp);
    let mut held = Vec::new();
    let mut errors = Vec::new();
    for port in &pairs {
        let bind = |p: u16| UdpSocket::bind(SocketAddr::new(ip, p)).map_err(|e| (p, e));
        match bind(*port).and_then(|a| bind(port + 1).map(|b| (a, b))) {
            Ok(sockets) => held.push(sockets),
            Err(e) => errors.push(e),
        }
    }
    let bound = held.len();
    drop(held);
    let list = pairs
        .iter()
        .map(|p| format!("{p}/{}", p + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let capacity = rtp.pair_count();
    match errors.first() {
        None => Check::pass(
            NAME,
            format!(
                "{range} on {ip}: room for {capacity} calls at once; bound the pairs at both ends ({list})"
            ),
        ),
        Some((port, e)) if bound == 0 => Check::fail(
            NAME,
            format!("{range} on {ip}: cannot bind port {port}: {e}"),
            advice(e.kind(), ip),
        ),
        Some((port, e)) => Check::pass(
            NAME,
            format!(
                "{range} on {ip}: room for {capacity} calls at once; bound {bound} of {} sample pairs \
                 (port {port}: {e}; calls skip ports another program holds)",
                pairs.len()
            ),
        ),
    }
}

fn advice(kind: ErrorKind, ip: IpAddr) -> String {
    match kind {
        ErrorKind::AddrInUse => {
            "another program holds these ports: stop it or move [rtp] port_min/port_max to a free range"
                .to_owned()
        }
        ErrorKind::AddrNotAvailable => {
            format!("{ip} is not an address of this machine: fix [sip] bind")
        }
        ErrorKind::PermissionDenied => {
            "this user may not bind these ports: pick a range above 1023 in [rtp]".to_owned()
        }
        _ => "fix [rtp] port_min/port_max".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::check::Status;

    fn range(port_min: u16, port_max: u16) -> Vec<u16> {
        sample_pairs(&RtpConfig { port_min, port_max })
    }

    #[test]
    fn samples_both_ends_of_the_range() {
        assert_eq!(range(10000, 20000), [10000, 10002, 19996, 19998]);
        assert_eq!(range(10001, 20000), [10002, 10004, 19996, 19998]);
        assert_eq!(range(10000, 10003), [10000, 10002]);
        assert_eq!(range(10000, 10001), [10000]);
        assert_eq!(range(65534, 65535), [65534]);
        assert!(range(10001, 10002).is_empty());
    }

    /// Binds an even/odd pair the system has free.
    fn hold_free_pair(ip: IpAddr) -> (u16, UdpSocket, UdpSocket) {
        for _ in 0..100 {
            let probe = UdpSocket::bind((ip, 0)).unwrap();
            let base = probe.local_addr().unwrap().port() & !1;
            drop(probe);
            if let (Ok(a), Ok(b)) = (UdpSocket::bind((ip, base)), UdpSocket::bind((ip, base + 1))) {
                return (base, a, b);
            }
        }
        panic!("no free even/odd port pair on {ip} in 100 tries");
    }

    #[test]
    fn ports_held_elsewhere_fail_with_the_range_and_error() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let (base, a, b) = hold_free_pair(ip);
        let rtp = RtpConfig {
            port_min: base,
            port_max: base + 1,
        };
        let check = rtp_check(ip, &rtp);
        assert_eq!(check.status, Status::Fail, "{check}");
        assert!(
            check.detail.contains(&format!("{base}-{}", base + 1)),
            "{check}"
        );
        assert!(check.advice.unwrap().contains("another program holds"));
        drop((a, b));
        assert_eq!(rtp_check(ip, &rtp).status, Status::Pass);
    }
}
