//! Matching messages to transactions (RFC 3261 17.1.3 and 17.2.3) and where
//! responses go (18.2.2, RFC 3581).

use std::net::{IpAddr, SocketAddr};

use crate::header::Via;
use crate::message::{Method, Request, Response};
use crate::text::ByteStr;

/// A client transaction: the branch of the top Via and the CSeq method
/// (a CANCEL shares its INVITE's branch).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct ClientKey {
    branch: ByteStr,
    method: Method,
}

impl ClientKey {
    /// The key of a request we send; `None` without an RFC 3261 branch.
    pub(super) fn of_request(req: &Request) -> Option<ClientKey> {
        let via = req.headers.top_via().ok()?;
        if !via.has_rfc3261_branch() {
            return None;
        }
        Some(ClientKey {
            branch: via.branch()?.clone(),
            method: req.method.clone(),
        })
    }

    /// The key a response belongs to.
    pub(super) fn of_response(resp: &Response) -> Option<ClientKey> {
        let via = resp.headers.top_via().ok()?;
        let cseq = resp.headers.cseq().ok()?;
        Some(ClientKey {
            branch: via.branch()?.clone(),
            method: cseq.method,
        })
    }

    pub(super) fn branch(&self) -> &str {
        &self.branch
    }
}

/// A server transaction. RFC 3261 requests match by branch, sent-by and
/// method (ACK matching the INVITE); older requests by the RFC 2543 rules.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum ServerKey {
    Rfc3261 {
        branch: ByteStr,
        sent_by: String,
        method: Method,
    },
    Rfc2543 {
        request_uri: String,
        from_tag: Option<ByteStr>,
        to_tag: Option<ByteStr>,
        call_id: ByteStr,
        seq: u32,
        method: Method,
        top_via: String,
    },
}

fn sent_by(via: &Via) -> String {
    let mut s = via.host.to_string().to_ascii_lowercase();
    if let Some(p) = via.port {
        s.push(':');
        s.push_str(&p.to_string());
    }
    s
}

impl ServerKey {
    /// The key of `req`, treating it as a request of `method` (INVITE for an
    /// ACK or for the CANCEL looking for its INVITE). `to_tag` overrides the
    /// To tag for RFC 2543 matching (an ACK carries the tag of our response,
    /// its INVITE usually none).
    pub(super) fn of_request(
        req: &Request,
        method: Method,
        to_tag: Option<Option<ByteStr>>,
    ) -> Option<ServerKey> {
        let via = req.headers.top_via().ok()?;
        if via.has_rfc3261_branch() {
            return Some(ServerKey::Rfc3261 {
                branch: via.branch()?.clone(),
                sent_by: sent_by(&via),
                method,
            });
        }
        let to_tag = match to_tag {
            Some(t) => t,
            None => req.headers.to().ok()?.tag().cloned(),
        };
        Some(ServerKey::Rfc2543 {
            request_uri: req.uri.to_string(),
            from_tag: req.headers.from().ok()?.tag().cloned(),
            to_tag,
            call_id: req.headers.call_id().ok()?,
            seq: req.headers.cseq().ok()?.seq,
            method,
            top_via: crate::header::HeaderValue::to_value(&via).to_string(),
        })
    }
}

/// Where to send the responses to a request that arrived from `source`
/// with top Via `via` (RFC 3261 18.2.2 for unreliable transports, with RFC
/// 3581 symmetric response routing): the `maddr` address with the sent-by
/// port (5060 by default) when the Via has one that is an IP address (a
/// host name would need DNS, which is the driver's job, so it falls through
/// to the next rule); otherwise the source address when the Via asks for
/// `rport`; otherwise the source IP with the sent-by port.
pub fn response_destination(via: &Via, source: SocketAddr) -> SocketAddr {
    let port = via.port.unwrap_or(5060);
    let maddr = via.maddr().and_then(|m| {
        let bare = m
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or(m);
        bare.parse::<IpAddr>().ok()
    });
    if let Some(ip) = maddr {
        return SocketAddr::new(ip, port);
    }
    if via.rport().is_some() {
        return source;
    }
    SocketAddr::new(source.ip(), port)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::HeaderValue;

    #[test]
    fn response_destination_follows_rport() {
        let src: SocketAddr = "198.51.100.7:40123".parse().unwrap();
        let with = Via::parse_value("SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKa;rport").unwrap();
        assert_eq!(response_destination(&with, src), src);
        let without = Via::parse_value("SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKa").unwrap();
        assert_eq!(
            response_destination(&without, src),
            "198.51.100.7:5062".parse().unwrap()
        );
        let no_port = Via::parse_value("SIP/2.0/UDP host.example;branch=z9hG4bKa").unwrap();
        assert_eq!(
            response_destination(&no_port, src),
            "198.51.100.7:5060".parse().unwrap()
        );
    }

    #[test]
    fn response_destination_prefers_an_ip_maddr() {
        let src: SocketAddr = "198.51.100.7:40123".parse().unwrap();
        let v4 = Via::parse_value(
            "SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKa;maddr=239.255.255.1;ttl=1;rport",
        )
        .unwrap();
        assert_eq!(
            response_destination(&v4, src),
            "239.255.255.1:5062".parse().unwrap()
        );
        let v6 = Via::parse_value("SIP/2.0/UDP h;branch=z9hG4bKa;maddr=[2001:db8::9]").unwrap();
        assert_eq!(
            response_destination(&v6, src),
            "[2001:db8::9]:5060".parse().unwrap()
        );
        // A host name cannot be resolved here: the rport rule applies.
        let named =
            Via::parse_value("SIP/2.0/UDP h:5070;branch=z9hG4bKa;maddr=proxy.example;rport")
                .unwrap();
        assert_eq!(response_destination(&named, src), src);
    }
}
