//! Input checks shared by the routes: phone numbers, destination allowlists, proxy addresses
//! and outbound URLs (handler and webhook) with the private-address guard.

use super::error::ApiError;
use crate::config::normalize_e164;
use reqwest::Url;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Why a contact's number was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberRejection {
    /// Not a valid international number.
    Invalid,
    /// Valid, but outside the trunk's `allowed_prefixes`.
    NotAllowed,
}

/// Normalises a destination and checks it against the allowlist (empty allows all).
/// The number is read as `check-config` reads a caller ID (`config::normalize_e164`, no default
/// region); text over 32 bytes is refused before parsing.
pub fn destination(text: &str, allowed_prefixes: &[String]) -> Result<String, NumberRejection> {
    if text.len() > 32 {
        return Err(NumberRejection::Invalid);
    }
    let number = normalize_e164(text, None).map_err(|_| NumberRejection::Invalid)?;
    if allowed_prefixes.is_empty() || allowed_prefixes.iter().any(|p| number.starts_with(p)) {
        Ok(number)
    } else {
        Err(NumberRejection::NotAllowed)
    }
}

/// Checks text that is stored and shown as is (names, ids, notes): no control characters.
/// PostgreSQL cannot store NUL in text at all, and line breaks have no place in these fields.
pub fn plain_text(text: &str) -> Result<(), &'static str> {
    if text.chars().any(char::is_control) {
        return Err("control characters (NUL, line breaks, tabs) are not allowed");
    }
    Ok(())
}

/// Checks an id taken from a request path before it reaches the store. Ids never hold control
/// characters (and PostgreSQL refuses NUL in a text parameter), so such an id names nothing:
/// `what` (`batch`, `call`, `user`) is not found.
pub fn known_id<'a>(what: &str, id: &'a str) -> Result<&'a str, ApiError> {
    plain_text(id).map_err(|_| ApiError::not_found(what))?;
    Ok(id)
}

/// Checks an id given as a query parameter or inside a cursor: a 422 naming `field` when it
/// holds control characters.
pub fn id_parameter(field: &str, id: &str) -> Result<(), ApiError> {
    plain_text(id).map_err(|m| ApiError::validation(field, m))
}

/// Checks an allowlist entry: `+` and 1 to 15 digits.
pub fn prefix(text: &str) -> Result<(), &'static str> {
    let digits = text
        .strip_prefix('+')
        .ok_or("a prefix starts with '+', e.g. \"+60\"")?;
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("a prefix is '+' followed by 1 to 15 digits");
    }
    Ok(())
}

/// Whether an address is loopback, private, link-local, unspecified, reserved or otherwise not
/// a public unicast address. IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64
/// `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that IPv4 address.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_internal_v4(v4),
            None => is_internal_v6(v6),
        },
    }
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`),
/// NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::/48`) address.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let o = v6.octets();
    let low = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(low),
        // `::` and `::1` are IPv6's own unspecified and loopback addresses.
        [0, 0, 0, 0, 0, 0, _, _] if !v6.is_unspecified() && !v6.is_loopback() => Some(low),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
        [0x2002, ..] => Some(Ipv4Addr::new(o[2], o[3], o[4], o[5])),
        _ => None,
    }
}

fn is_internal_v6(v6: Ipv6Addr) -> bool {
    let first = v6.segments()[0];
    v6.is_loopback()
        || v6.is_unspecified()
        || v6.is_multicast()
        // fc00::/7 unique local
        || (first & 0xfe00) == 0xfc00
        // fe80::/10 link-local
        || (first & 0xffc0) == 0xfe80
        // fec0::/10 site-local (deprecated, still routed inside sites)
        || (first & 0xffc0) == 0xfec0
}

fn is_internal_v4(v4: Ipv4Addr) -> bool {
    let o = v4.octets();
    v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_multicast()
        // 0.0.0.0/8 "this network"
        || o[0] == 0
        // 100.64.0.0/10 shared address space (carrier-grade NAT)
        || (o[0] == 100 && (64..128).contains(&o[1]))
        // 198.18.0.0/15 benchmarking
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
        // 240.0.0.0/4 reserved, with 255.255.255.255 broadcast
        || o[0] >= 240
}

/// A DNS resolver for outbound HTTP (webhooks) that keeps only public addresses: a host name
/// that passed [`outbound_url`] at submit time cannot be re-pointed at an internal service
/// before delivery (DNS rebinding). A name with no public address fails to resolve.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicOnlyResolver;

impl reqwest::dns::Resolve for PublicOnlyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(public_addresses(name.as_str().to_owned()))
    }
}

async fn public_addresses(
    host: String,
) -> Result<reqwest::dns::Addrs, Box<dyn std::error::Error + Send + Sync>> {
    let public: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
        .await?
        .filter(|a| !is_internal(a.ip()))
        .collect();
    if public.is_empty() {
        return Err(format!(
            "'{host}' resolves to no public address (loopback, private and link-local \
             addresses are refused unless security.allow_private_handlers = true)"
        )
        .into());
    }
    Ok(Box::new(public.into_iter()))
}

/// Which outbound URL is being checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlKind {
    /// An AI handler: `ws`/`wss` (or `tcp` for AudioSocket).
    Handler {
        /// AudioSocket handlers are plain TCP.
        audiosocket: bool,
    },
    /// A webhook: `http`/`https`.
    Webhook,
}

/// Checks an outbound URL's scheme and that its host does not resolve to an internal address
/// (unless `allow_private`). Returns the error message on failure.
pub async fn outbound_url(text: &str, kind: UrlKind, allow_private: bool) -> Result<(), String> {
    let url = Url::parse(text).map_err(|e| format!("'{text}' is not a URL ({e})"))?;
    let schemes: &[&str] = match kind {
        UrlKind::Handler { audiosocket: false } => &["ws", "wss"],
        UrlKind::Handler { audiosocket: true } => &["tcp"],
        UrlKind::Webhook => &["http", "https"],
    };
    if !schemes.contains(&url.scheme()) {
        return Err(format!(
            "scheme '{}' is not allowed here; use {}",
            url.scheme(),
            schemes
                .iter()
                .map(|s| format!("{s}://"))
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
    let host = url.host().ok_or_else(|| format!("'{text}' has no host"))?;
    let port = url.port_or_known_default().unwrap_or(match url.scheme() {
        "wss" => 443,
        _ => 80,
    });
    if allow_private {
        return Ok(());
    }
    let addresses: Vec<IpAddr> = match host {
        url::Host::Ipv4(ip) => vec![IpAddr::V4(ip)],
        url::Host::Ipv6(ip) => vec![IpAddr::V6(ip)],
        url::Host::Domain(name) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|e| format!("cannot resolve '{name}': {e}"))?
            .map(|a| a.ip())
            .collect(),
    };
    if addresses.is_empty() {
        return Err(format!("'{text}' resolves to no address"));
    }
    if let Some(ip) = addresses.into_iter().find(|ip| is_internal(*ip)) {
        return Err(format!(
            "'{text}' resolves to {ip}, a loopback, private or link-local address; \
             refused unless security.allow_private_handlers = true"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlist_applies_after_normalising() {
        let allow = vec!["+60".to_owned()];
        assert_eq!(
            destination("+60 12 345 6789", &allow).as_deref(),
            Ok("+60123456789")
        );
        assert_eq!(
            destination("+16502530000", &allow),
            Err(NumberRejection::NotAllowed)
        );
        assert_eq!(destination("12", &allow), Err(NumberRejection::Invalid));
        assert_eq!(
            destination("0123456789", &[]),
            Err(NumberRejection::Invalid)
        );
        assert_eq!(
            destination(&format!("+60{}", "1".repeat(40)), &[]),
            Err(NumberRejection::Invalid)
        );
        assert!(destination("+16502530000", &[]).is_ok());
    }

    #[test]
    fn plain_text_refuses_control_characters() {
        assert!(plain_text("Aminah binti Ali, Kuala Lumpur").is_ok());
        assert!(plain_text("").is_ok());
        assert!(plain_text("a\0b").is_err());
        assert!(plain_text("a\nb").is_err());
        assert!(plain_text("a\u{7f}").is_err());
    }

    #[test]
    fn prefixes() {
        assert!(prefix("+60").is_ok());
        assert!(prefix("60").is_err());
        assert!(prefix("+6a").is_err());
        assert!(prefix("+").is_err());
    }

    #[test]
    fn internal_addresses() {
        let table = [
            // IPv4
            ("127.0.0.1", true),
            ("10.1.2.3", true),
            ("172.16.0.1", true),
            ("192.168.1.1", true),
            ("169.254.169.254", true),
            ("0.0.0.0", true),
            ("0.1.2.3", true),
            ("100.64.0.1", true),
            ("100.127.255.254", true),
            ("100.128.0.1", false),
            ("100.63.255.255", false),
            ("198.18.0.1", true),
            ("198.19.255.255", true),
            ("198.20.0.1", false),
            ("198.17.255.255", false),
            ("224.0.0.1", true),
            ("240.0.0.1", true),
            ("255.255.255.255", true),
            ("203.0.113.10", false),
            ("8.8.8.8", false),
            // IPv6
            ("::1", true),
            ("::", true),
            ("fe80::1", true),
            ("fd00::1", true),
            ("fc00::1", true),
            ("fec0::1", true),
            ("feff::1", true),
            ("ff02::1", true),
            ("2001:4860:4860::8888", false),
            // IPv6 carrying an IPv4 address: judged by it.
            ("::ffff:127.0.0.1", true),
            ("::ffff:10.0.0.1", true),
            ("::ffff:8.8.8.8", false),
            ("::127.0.0.1", true),
            ("::8.8.8.8", false),
            ("64:ff9b::127.0.0.1", true),
            ("64:ff9b::a9fe:a9fe", true),
            ("64:ff9b::8.8.8.8", false),
            ("2002:7f00:1::1", true),
            ("2002:c0a8:101::", true),
            ("2002:808:808::1", false),
        ];
        for (ip, internal) in table {
            assert_eq!(is_internal(ip.parse().unwrap()), internal, "{ip}");
        }
    }

    #[tokio::test]
    async fn handler_urls_are_checked() {
        let ws = UrlKind::Handler { audiosocket: false };
        assert!(
            outbound_url("ws://203.0.113.10/stream", ws, false)
                .await
                .is_ok()
        );
        assert!(
            outbound_url("wss://[2001:db8::1]/s", ws, false)
                .await
                .is_ok()
        );
        assert!(
            outbound_url("http://203.0.113.10/", ws, false)
                .await
                .is_err()
        );
        let err = outbound_url("ws://127.0.0.1:9000/", ws, false)
            .await
            .unwrap_err();
        assert!(err.contains("allow_private_handlers"), "{err}");
        assert!(
            outbound_url("ws://localhost:9000/", ws, false)
                .await
                .is_err()
        );
        assert!(
            outbound_url("ws://169.254.169.254/", ws, false)
                .await
                .is_err()
        );
        assert!(outbound_url("ws://127.0.0.1:9000/", ws, true).await.is_ok());
        let tcp = UrlKind::Handler { audiosocket: true };
        assert!(
            outbound_url("tcp://203.0.113.10:9092", tcp, false)
                .await
                .is_ok()
        );
        assert!(
            outbound_url("ws://203.0.113.10:9092", tcp, false)
                .await
                .is_err()
        );
        assert!(
            outbound_url("https://203.0.113.10/hook", UrlKind::Webhook, false)
                .await
                .is_ok()
        );
        assert!(
            outbound_url("not a url", UrlKind::Webhook, false)
                .await
                .is_err()
        );
    }
}
