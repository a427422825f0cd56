//! `[sip]` and `[rtp]`: where Trunkline listens for SIP and which ports its media uses.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::error::{ConfigError, Problem};
use super::reader::{Fields, Origins, no_control_chars};

/// `[sip]`: the SIP UDP socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipConfig {
    /// Local address of the SIP socket (`bind`, default `0.0.0.0:5060`).
    pub bind: SocketAddr,
    /// Public IP to put in Contact, Via and SDP when behind NAT
    /// (`external_address`); `None` learns it from `received`/`rport`.
    pub external_address: Option<IpAddr>,
    /// The `User-Agent` header (`user_agent`, default `Trunkline/<version>`).
    pub user_agent: String,
    /// A call nobody answers is canceled (`no_answer`) after this long
    /// (`ring_timeout`, whole seconds from 1 to 600, default 60).
    pub ring_timeout: Duration,
}

impl Default for SipConfig {
    fn default() -> SipConfig {
        SipConfig {
            bind: SocketAddr::from(([0, 0, 0, 0], 5060)),
            external_address: None,
            user_agent: format!("Trunkline/{}", env!("CARGO_PKG_VERSION")),
            ring_timeout: Duration::from_secs(60),
        }
    }
}

/// `[rtp]`: the UDP port range for media; each call takes an even port for
/// RTP and the odd one above it for RTCP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpConfig {
    /// Lowest port (`port_min`, default 10000).
    pub port_min: u16,
    /// Highest port (`port_max`, default 20000).
    pub port_max: u16,
}

impl Default for RtpConfig {
    fn default() -> RtpConfig {
        RtpConfig {
            port_min: 10000,
            port_max: 20000,
        }
    }
}

impl RtpConfig {
    /// How many RTP/RTCP port pairs (even port, odd port above it) the range
    /// holds: the most calls that can have media at once.
    pub fn pair_count(&self) -> usize {
        let first_even = u32::from(self.port_min).next_multiple_of(2);
        let max = u32::from(self.port_max);
        if first_even + 1 > max {
            0
        } else {
            ((max - 1 - first_even) / 2 + 1) as usize
        }
    }
}

/// Parses an `ip:port` value.
pub(crate) fn socket_addr(
    fields: &Fields<'_>,
    key: &str,
    value: &str,
) -> Result<SocketAddr, ConfigError> {
    value.trim().parse().map_err(|_| {
        fields.error(
            key,
            Problem::BadSocketAddr {
                value: value.to_owned(),
            },
        )
    })
}

pub(crate) fn read_sip(
    table: Option<&toml::Table>,
    origins: &Origins,
) -> Result<SipConfig, ConfigError> {
    let mut sip = SipConfig::default();
    let Some(table) = table else { return Ok(sip) };
    let f = Fields::new(
        "sip".into(),
        table,
        origins,
        &["bind", "external_address", "user_agent", "ring_timeout"],
    )?;
    if let Some(bind) = f.text("bind")? {
        sip.bind = socket_addr(&f, "bind", bind)?;
    }
    if let Some(ext) = f.text("external_address")? {
        let ip = ext.trim().parse().map_err(|_| {
            f.error(
                "external_address",
                Problem::BadIpAddr {
                    value: ext.to_owned(),
                },
            )
        })?;
        sip.external_address = Some(ip);
    }
    if let Some(ua) = f.text("user_agent")? {
        no_control_chars(&f, "user_agent", ua)?;
        if ua.trim().is_empty() {
            return Err(f.error("user_agent", Problem::Empty));
        }
        sip.user_agent = ua.trim().to_owned();
    }
    if let Some(seconds) = f.uint("ring_timeout", 1, 600)? {
        sip.ring_timeout = Duration::from_secs(seconds);
    }
    Ok(sip)
}

pub(crate) fn read_rtp(
    table: Option<&toml::Table>,
    origins: &Origins,
) -> Result<RtpConfig, ConfigError> {
    let mut rtp = RtpConfig::default();
    let Some(table) = table else { return Ok(rtp) };
    let f = Fields::new("rtp".into(), table, origins, &["port_min", "port_max"])?;
    let port = |key| -> Result<Option<u16>, ConfigError> {
        Ok(f.uint(key, 1024, 65535)?
            .and_then(|p| u16::try_from(p).ok()))
    };
    if let Some(min) = port("port_min")? {
        rtp.port_min = min;
    }
    if let Some(max) = port("port_max")? {
        rtp.port_max = max;
    }
    let (min, max) = (rtp.port_min, rtp.port_max);
    if min > max {
        return Err(f.error("port_min", Problem::PortRangeInverted { min, max }));
    }
    if rtp.pair_count() == 0 {
        return Err(f.error("port_max", Problem::PortRangeTooSmall { min, max }));
    }
    Ok(rtp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_even_odd_pairs() {
        let pairs = |port_min, port_max| RtpConfig { port_min, port_max }.pair_count();
        assert_eq!(pairs(10000, 20000), 5000);
        assert_eq!(pairs(10000, 10001), 1);
        assert_eq!(pairs(10001, 10002), 0);
        assert_eq!(pairs(10001, 10003), 1);
        assert_eq!(pairs(10000, 10000), 0);
        assert_eq!(pairs(65534, 65535), 1);
    }
}
