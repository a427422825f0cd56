//! How long a registration lasts and when to refresh it.

use std::time::Duration;

use crate::message::Response;
use crate::uri::SipUri;

/// The lifetime the registrar granted in a 2xx: the `expires` parameter of
/// the Contact that is ours, else the Expires header, else what we asked.
pub(crate) fn granted_expires(resp: &Response, ours: &SipUri, requested: u32) -> u32 {
    let contacts = resp.headers.contacts().unwrap_or_default();
    let mine = contacts.iter().filter_map(|c| c.addr()).find(|a| {
        a.uri.as_sip().is_some_and(|u| {
            u.user == ours.user
                && u.host
                    .to_string()
                    .eq_ignore_ascii_case(&ours.host.to_string())
                && u.port.unwrap_or(5060) == ours.port.unwrap_or(5060)
        })
    });
    if let Some(e) = mine.and_then(|a| a.expires().ok().flatten()) {
        return e;
    }
    resp.headers.expires().ok().flatten().unwrap_or(requested)
}

/// When to refresh a registration granted for `expires` seconds: the
/// earlier of 90 % of it and 30 s before it runs out, but not before half
/// of it (for very short grants).
pub(crate) fn refresh_after(expires: u32) -> Duration {
    let e = Duration::from_secs(u64::from(expires));
    let ninety = e.mul_f64(0.9);
    let margin = e.saturating_sub(Duration::from_secs(30));
    ninety.min(margin).max(e / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_is_the_earlier_of_90_percent_and_30_s_early() {
        assert_eq!(refresh_after(3600), Duration::from_secs(3240));
        assert_eq!(refresh_after(600), Duration::from_secs(540));
        assert_eq!(refresh_after(120), Duration::from_secs(90));
        assert_eq!(refresh_after(60), Duration::from_secs(30));
        assert_eq!(refresh_after(20), Duration::from_secs(10));
    }

    #[test]
    fn granted_prefers_our_contact() {
        let ours = SipUri::new(std::net::IpAddr::from([10, 0, 0, 1]))
            .with_user("alice")
            .with_port(5060);
        let resp = Response::parse(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx\r\n\
             Contact: <sip:alice@10.0.0.9:5060>;expires=50, <sip:alice@10.0.0.1>;expires=1800\r\n\
             Expires: 900\r\nContent-Length: 0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(granted_expires(&resp, &ours, 3600), 1800);
        let header_only = Response::parse(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx\r\nExpires: 900\r\nContent-Length: 0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(granted_expires(&header_only, &ours, 3600), 900);
        let none = Response::parse(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx\r\nContent-Length: 0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(granted_expires(&none, &ours, 3600), 3600);
    }
}
