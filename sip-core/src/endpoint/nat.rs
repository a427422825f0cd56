//! Our address as the trunk sees it: configured, learned from the
//! `received` / `rport` parameters of responses (RFC 3581), or local.

use std::net::{IpAddr, SocketAddr};

use crate::header::Via;

#[derive(Clone, Debug)]
pub(crate) struct Nat {
    local: SocketAddr,
    external: Option<SocketAddr>,
    learned: Option<SocketAddr>,
}

impl Nat {
    pub(crate) fn new(local: SocketAddr, external: Option<SocketAddr>) -> Nat {
        Nat {
            local,
            external,
            learned: None,
        }
    }

    /// The address for Via, Contact and SDP.
    pub(crate) fn advertised(&self) -> SocketAddr {
        self.external.or(self.learned).unwrap_or(self.local)
    }

    /// Our public address, when configured or learned.
    pub(crate) fn public_ip(&self) -> Option<IpAddr> {
        self.external.or(self.learned).map(|a| a.ip())
    }

    /// Reads the top Via of a response to one of our requests; returns the
    /// new advertised address when it changed.
    pub(crate) fn learn(&mut self, via: &Via) -> Option<SocketAddr> {
        if self.external.is_some() {
            return None;
        }
        let ip: IpAddr = via.received().or_else(|| via.host.ip())?;
        let port = match via.rport() {
            Some(Some(p)) if p != 0 => p,
            _ => self.advertised().port(),
        };
        let seen = SocketAddr::new(ip, port);
        if seen == self.advertised() {
            return None;
        }
        self.learned = Some(seen);
        Some(seen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::HeaderValue;

    #[test]
    fn learns_from_received_and_rport() {
        let local: SocketAddr = "10.0.0.5:5060".parse().unwrap();
        let mut nat = Nat::new(local, None);
        let same =
            Via::parse_value("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKa;rport=5060").unwrap();
        assert_eq!(nat.learn(&same), None);
        let natted = Via::parse_value(
            "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKa;rport=40001;received=203.0.113.9",
        )
        .unwrap();
        let public: SocketAddr = "203.0.113.9:40001".parse().unwrap();
        assert_eq!(nat.learn(&natted), Some(public));
        assert_eq!(nat.learn(&natted), None);
        assert_eq!(nat.advertised(), public);
        let mut fixed = Nat::new(local, Some("198.51.100.1:5060".parse().unwrap()));
        assert_eq!(fixed.learn(&natted), None);
        assert_eq!(fixed.advertised(), "198.51.100.1:5060".parse().unwrap());
    }
}
