//! The RTP port range: one socket pair per call (RTP on an even port, RTCP
//! on the odd port above it), taken from a pool and given back when the
//! pair is dropped, whatever way the call ended.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use tokio::net::UdpSocket;

use super::error::EngineError;

/// The free even ports of the range.
#[derive(Debug)]
pub struct PortPool {
    ip: IpAddr,
    min: u16,
    max: u16,
    free: Mutex<VecDeque<u16>>,
}

impl PortPool {
    /// A pool of the pairs in `min..=max`, bound on `ip` (the SIP bind address).
    pub fn new(ip: IpAddr, min: u16, max: u16) -> Arc<PortPool> {
        let first = u32::from(min).next_multiple_of(2);
        let free = (first..u32::from(max))
            .step_by(2)
            .filter_map(|p| u16::try_from(p).ok())
            .collect();
        Arc::new(PortPool {
            ip,
            min,
            max,
            free: Mutex::new(free),
        })
    }

    /// Pairs not handed out.
    pub fn available(&self) -> usize {
        self.free.lock().map(|f| f.len()).unwrap_or(0)
    }

    fn take(&self) -> Option<u16> {
        self.free.lock().ok()?.pop_front()
    }

    fn give_back(&self, port: u16) {
        if let Ok(mut free) = self.free.lock() {
            free.push_back(port);
        }
    }

    /// Binds the next free pair. A port another program holds goes to the
    /// back of the queue and the next one is tried; every port is tried at
    /// most once.
    pub async fn allocate(self: &Arc<PortPool>) -> Result<RtpPorts, EngineError> {
        let tries = self.available();
        for _ in 0..tries {
            let Some(port) = self.take() else { break };
            let rtcp_port = port + 1;
            let rtp = UdpSocket::bind(SocketAddr::new(self.ip, port)).await;
            let rtcp = UdpSocket::bind(SocketAddr::new(self.ip, rtcp_port)).await;
            match (rtp, rtcp) {
                (Ok(rtp), Ok(rtcp)) => {
                    return Ok(RtpPorts {
                        rtp,
                        rtcp,
                        port,
                        pool: Arc::clone(self),
                    });
                }
                _ => self.give_back(port),
            }
        }
        Err(EngineError::NoRtpPort {
            min: self.min,
            max: self.max,
        })
    }
}

/// One call's RTP and RTCP sockets; the pair returns to the pool on drop.
#[derive(Debug)]
pub struct RtpPorts {
    /// The RTP socket (even port).
    pub rtp: UdpSocket,
    /// The RTCP socket (the odd port above).
    pub rtcp: UdpSocket,
    port: u16,
    pool: Arc<PortPool>,
}

impl RtpPorts {
    /// The RTP port (RTCP is one above).
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for RtpPorts {
    fn drop(&mut self) {
        self.pool.give_back(self.port);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hands_out_even_odd_pairs_and_takes_them_back() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        // Find a free even port with its odd neighbour, then use a range of one pair.
        let probe = PortPool::new(ip, 40_000, 60_000);
        let pair = probe.allocate().await.unwrap();
        let base = pair.port();
        drop(pair);
        let pool = PortPool::new(ip, base, base + 1);
        assert_eq!(pool.available(), 1);
        let pair = pool.allocate().await.unwrap();
        assert_eq!(pair.port() % 2, 0);
        assert_eq!(pair.rtp.local_addr().unwrap().port(), base);
        assert_eq!(pair.rtcp.local_addr().unwrap().port(), base + 1);
        assert_eq!(pool.available(), 0);
        let err = pool.allocate().await.unwrap_err();
        assert!(err.to_string().contains("no free RTP port"), "{err}");
        drop(pair);
        assert_eq!(pool.available(), 1);
        assert!(pool.allocate().await.is_ok());
    }

    #[tokio::test]
    async fn skips_ports_held_by_someone_else() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let probe = PortPool::new(ip, 40_000, 60_000);
        let a = probe.allocate().await.unwrap();
        let b = probe.allocate().await.unwrap();
        let (held, free) = (a.port(), b.port());
        drop(b);
        // `a` still holds its pair: a pool over both pairs must give the other one.
        let (lo, hi) = (held.min(free), held.max(free));
        let pool = PortPool::new(ip, lo, hi + 1);
        let got = pool.allocate().await.unwrap();
        assert_ne!(got.port(), held);
        assert_eq!(got.port() % 2, 0);
        drop(a);
    }

    #[test]
    fn an_odd_minimum_starts_at_the_next_even_port() {
        let pool = PortPool::new("127.0.0.1".parse().unwrap(), 10_001, 10_006);
        assert_eq!(
            pool.free
                .lock()
                .unwrap()
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            [10_002, 10_004]
        );
    }
}
