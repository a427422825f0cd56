//! Settings of the trunk simulator.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use sip_core::transaction::TimerConfig;

use super::error::SimConfigError;
use super::outcome::OutcomePlan;

/// What the registrar (and the INVITE check) answers to a wrong password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WrongPassword {
    /// 403 Forbidden (what most trunks do).
    #[default]
    Forbidden,
    /// A fresh challenge (401 or 407) again, as some registrars do.
    Challenge,
}

impl FromStr for WrongPassword {
    type Err = SimConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "403" | "forbidden" => Ok(WrongPassword::Forbidden),
            "401" | "407" | "challenge" => Ok(WrongPassword::Challenge),
            other => Err(SimConfigError::BadRule(format!(
                "--wrong-password '{other}': use 403 or 401"
            ))),
        }
    }
}

/// How INVITEs are authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteAuth {
    /// A 407 Proxy-Authenticate challenge, answered with the account's
    /// credentials (like most trunks).
    Digest,
    /// Only INVITEs from these addresses are accepted (403 otherwise), with
    /// no challenge.
    Ip(Vec<IpAddr>),
}

/// A range of UDP ports for RTP: each call takes an even port and the odd
/// one above it for RTCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    /// The lowest port.
    pub first: u16,
    /// The highest port.
    pub last: u16,
}

impl FromStr for PortRange {
    type Err = SimConfigError;

    /// Parses `FIRST-LAST`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || SimConfigError::BadPortRange(s.to_owned());
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let first: u16 = a.trim().parse().map_err(|_| bad())?;
        let last: u16 = b.trim().parse().map_err(|_| bad())?;
        if first < 1024 || last <= first {
            return Err(bad());
        }
        Ok(PortRange { first, last })
    }
}

/// The account the registrar and the INVITE challenge accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
    /// Digest realm.
    pub realm: String,
}

impl Default for Account {
    /// `trunkline` / `secret` in realm `sim.trunkline.test`.
    fn default() -> Self {
        Account {
            username: "trunkline".into(),
            password: "secret".into(),
            realm: "sim.trunkline.test".into(),
        }
    }
}

/// Everything the simulator needs to run.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// The SIP UDP address (port 0 picks a free one).
    pub bind: SocketAddr,
    /// The address written in SDP and Contact; default the bind address,
    /// or 127.0.0.1 when bound to the unspecified address.
    pub media_address: Option<IpAddr>,
    /// RTP ports; `None` lets the system choose each pair.
    pub rtp_ports: Option<PortRange>,
    /// The account.
    pub account: Account,
    /// The answer to a wrong password.
    pub wrong_password: WrongPassword,
    /// Refuse every password, even the right one (to test failure reports).
    pub reject_password: bool,
    /// How INVITEs are authenticated.
    pub invite_auth: InviteAuth,
    /// Who gets which outcome.
    pub plan: OutcomePlan,
    /// How long an answered call lasts before the simulator sends BYE.
    pub talk_time: Duration,
    /// How long an unanswered call rings before 480 Temporarily Unavailable.
    pub no_answer_timeout: Duration,
    /// Codecs in the simulator's preference order (from PCMU, PCMA, GSM, G729).
    pub codecs: Vec<codecs::Codec>,
    /// How long the greeting played at the start of an answered call lasts.
    pub greeting: Duration,
    /// SIP transaction timers (T1, T2, T4).
    pub sip_timers: TimerConfig,
}

impl Default for SimConfig {
    /// `127.0.0.1:5070`, system-chosen RTP ports, the default account with
    /// 403 for a wrong password, INVITEs challenged, the default plan, 10 s
    /// talk, 60 s no-answer timeout, PCMU, PCMA, GSM, G729, a 3 s greeting.
    fn default() -> Self {
        SimConfig {
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 5070),
            media_address: None,
            rtp_ports: None,
            account: Account::default(),
            wrong_password: WrongPassword::default(),
            reject_password: false,
            invite_auth: InviteAuth::Digest,
            plan: OutcomePlan::default(),
            talk_time: Duration::from_secs(10),
            no_answer_timeout: Duration::from_secs(60),
            codecs: vec![
                codecs::Codec::Pcmu,
                codecs::Codec::Pcma,
                codecs::Codec::Gsm,
                codecs::Codec::G729,
            ],
            greeting: Duration::from_secs(3),
            sip_timers: TimerConfig::default(),
        }
    }
}

impl SimConfig {
    /// The same settings on `127.0.0.1:0` (a free port), for tests.
    pub fn loopback() -> SimConfig {
        SimConfig {
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            ..SimConfig::default()
        }
    }

    /// Checks the settings.
    pub fn validate(&self) -> Result<(), SimConfigError> {
        self.plan.validate()?;
        if self.codecs.is_empty() {
            return Err(SimConfigError::NoCodecs);
        }
        if self.account.username.is_empty() {
            return Err(SimConfigError::EmptyUsername);
        }
        if matches!(&self.invite_auth, InviteAuth::Ip(list) if list.is_empty()) {
            return Err(SimConfigError::NoAllowedAddress);
        }
        Ok(())
    }

    /// The address for SDP and Contact.
    pub fn advertised_ip(&self) -> IpAddr {
        match self.media_address {
            Some(ip) => ip,
            None if self.bind.ip().is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            None => self.bind.ip(),
        }
    }
}

/// Reads a codec name as SDP writes it (`PCMU`, `pcma`, `GSM`, `G729`).
pub fn parse_codec(name: &str) -> Result<codecs::Codec, SimConfigError> {
    let upper = name.trim().to_ascii_uppercase();
    codecs::Codec::ALL
        .into_iter()
        .find(|c| c.encoding_name() == upper)
        .ok_or_else(|| SimConfigError::UnknownCodec(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges_and_codecs_parse() {
        assert_eq!(
            "20000-20099".parse::<PortRange>(),
            Ok(PortRange {
                first: 20000,
                last: 20099
            })
        );
        for bad in ["20000", "2000-1000", "80-90", "a-b", "30000-30000"] {
            assert!(bad.parse::<PortRange>().is_err(), "{bad}");
        }
        assert_eq!(parse_codec("pcma"), Ok(codecs::Codec::Pcma));
        assert_eq!(parse_codec("G729"), Ok(codecs::Codec::G729));
        assert!(parse_codec("opus").is_err());
        assert_eq!("401".parse(), Ok(WrongPassword::Challenge));
        assert_eq!("403".parse(), Ok(WrongPassword::Forbidden));
    }

    #[test]
    fn validation_names_the_problem() {
        let mut c = SimConfig::loopback();
        assert_eq!(c.validate(), Ok(()));
        c.codecs.clear();
        assert_eq!(c.validate(), Err(SimConfigError::NoCodecs));
        let c = SimConfig {
            invite_auth: InviteAuth::Ip(Vec::new()),
            ..SimConfig::loopback()
        };
        assert_eq!(c.validate(), Err(SimConfigError::NoAllowedAddress));
        assert_eq!(
            SimConfig::loopback().advertised_ip(),
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        );
    }
}
