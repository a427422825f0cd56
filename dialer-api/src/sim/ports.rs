//! RTP port pairs: an even port for RTP and the odd one above it for RTCP.

use std::io;
use std::net::{IpAddr, SocketAddr};

use tokio::net::UdpSocket;

use super::config::PortRange;

/// How many system-chosen ports are tried before giving up.
const ATTEMPTS: usize = 64;

/// The two sockets of one call.
#[derive(Debug)]
pub(super) struct MediaSockets {
    pub(super) rtp: UdpSocket,
    pub(super) rtcp: UdpSocket,
}

impl MediaSockets {
    /// The RTP port.
    pub(super) fn port(&self) -> u16 {
        self.rtp.local_addr().map_or(0, |a| a.port())
    }
}

/// Hands out port pairs from a range, or from the system.
#[derive(Debug)]
pub(super) struct PortAllocator {
    ip: IpAddr,
    range: Option<PortRange>,
    next: u16,
}

impl PortAllocator {
    /// Pairs on `ip`, within `range` if given.
    pub(super) fn new(ip: IpAddr, range: Option<PortRange>) -> PortAllocator {
        let next = range.map_or(0, |r| r.first.saturating_add(r.first % 2));
        PortAllocator { ip, range, next }
    }

    async fn pair_at(&self, port: u16) -> io::Result<MediaSockets> {
        let rtp = UdpSocket::bind(SocketAddr::new(self.ip, port)).await?;
        let port = rtp.local_addr()?.port();
        if port % 2 == 1 || port == u16::MAX {
            return Err(io::Error::new(io::ErrorKind::AddrInUse, "odd port"));
        }
        let rtcp = UdpSocket::bind(SocketAddr::new(self.ip, port + 1)).await?;
        Ok(MediaSockets { rtp, rtcp })
    }

    /// Opens the next free pair.
    pub(super) async fn open(&mut self) -> io::Result<MediaSockets> {
        let Some(range) = self.range else {
            let mut last = None;
            for _ in 0..ATTEMPTS {
                match self.pair_at(0).await {
                    Ok(pair) => return Ok(pair),
                    Err(e) => last = Some(e),
                }
            }
            return Err(last.unwrap_or_else(|| io::Error::other("no port pair")));
        };
        let first = range.first.saturating_add(range.first % 2);
        let pairs = usize::from(range.last.saturating_sub(first)).div_ceil(2);
        for _ in 0..pairs {
            let port = self.next;
            self.next = if port.saturating_add(3) > range.last {
                first
            } else {
                port + 2
            };
            if port.saturating_add(1) > range.last {
                continue;
            }
            if let Ok(pair) = self.pair_at(port).await {
                return Ok(pair);
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!(
                "every RTP port pair in {}-{} is in use",
                range.first, range.last
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[tokio::test]
    async fn pairs_are_even_and_adjacent_and_the_range_is_honoured() {
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let mut any = PortAllocator::new(ip, None);
        let pair = any.open().await.unwrap();
        let port = pair.port();
        assert_eq!(port % 2, 0);
        assert_eq!(pair.rtcp.local_addr().unwrap().port(), port + 1);

        // A small range somewhere free: take every pair, then run out.
        let base = 40_000 + (std::process::id() % 5000) as u16 * 4;
        let mut ranged = PortAllocator::new(
            ip,
            Some(PortRange {
                first: base + 1,
                last: base + 6,
            }),
        );
        let mut held = Vec::new();
        while let Ok(p) = ranged.open().await {
            assert!(p.port() > base && p.port() < base + 6, "{}", p.port());
            held.push(p);
            assert!(held.len() <= 2);
        }
        assert!(!held.is_empty());
        let err = ranged.open().await.unwrap_err();
        assert!(err.to_string().contains("in use"), "{err}");
    }
}
