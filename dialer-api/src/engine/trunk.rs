//! A trunk as the engine uses it, from the configuration file
//! (`[[trunks]]`) or from a user's stored phone configuration, and the SIP
//! endpoint settings it turns into once its proxies are resolved.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use codecs::Codec;
use sip_core::endpoint::{Account, EndpointConfig, Proxy, RegistrationPolicy};
use sip_core::transaction::TimerConfig;

use super::error::TrunkError;
use super::settings::EngineSettings;
use crate::config::{ProxyAddr, TrunkConfig};
use crate::scheduler::TrunkSettings;
use crate::scheduler::model::Codec as ModelCodec;

/// One SIP trunk account.
#[derive(Clone, PartialEq, Eq)]
pub struct Trunk {
    /// The trunk's key: its configured name, or the user id of a stored one.
    pub name: String,
    /// Proxies in order: primary, then failovers.
    pub proxies: Vec<ProxyAddr>,
    /// Account user (AOR user part, digest user); may be empty when `register` is false.
    pub username: String,
    /// Digest password.
    pub password: String,
    /// Host for Request-URIs, From/To and the realm when it is not each
    /// proxy's own name (`None`: each proxy's host).
    pub domain: Option<String>,
    /// Caller ID in E.164, the From user of calls.
    pub caller_id: String,
    /// Display name in From, if any.
    pub display_name: Option<String>,
    /// Codecs to offer, in order.
    pub codecs: Vec<Codec>,
    /// Whether to keep a registration.
    pub register: bool,
    /// The registration lifetime asked for, in seconds.
    pub register_expires: u32,
}

impl fmt::Debug for Trunk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trunk")
            .field("name", &self.name)
            .field("proxies", &self.proxies)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("domain", &self.domain)
            .field("caller_id", &self.caller_id)
            .field("display_name", &self.display_name)
            .field("codecs", &self.codecs)
            .field("register", &self.register)
            .field("register_expires", &self.register_expires)
            .finish()
    }
}

impl From<&TrunkConfig> for Trunk {
    fn from(t: &TrunkConfig) -> Trunk {
        let default_domain = t.proxies.first().map(|p| p.host.as_str());
        Trunk {
            name: t.name.clone(),
            proxies: t.proxies.clone(),
            username: t.username.clone(),
            password: t.password.expose().to_owned(),
            domain: (Some(t.domain.as_str()) != default_domain).then(|| t.domain.clone()),
            caller_id: t.caller_id.clone(),
            display_name: (!t.display_name.is_empty()).then(|| t.display_name.clone()),
            codecs: t.codecs.clone(),
            register: t.register,
            register_expires: t.register_expires,
        }
    }
}

fn codec_of(c: ModelCodec) -> Codec {
    match c {
        ModelCodec::Pcmu => Codec::Pcmu,
        ModelCodec::Pcma => Codec::Pcma,
        ModelCodec::G729 => Codec::G729,
        ModelCodec::Gsm => Codec::Gsm,
    }
}

impl TryFrom<&TrunkSettings> for Trunk {
    type Error = TrunkError;

    fn try_from(t: &TrunkSettings) -> Result<Trunk, TrunkError> {
        let proxies = t
            .proxies
            .iter()
            .map(|p| {
                ProxyAddr::parse(p).map_err(|e| TrunkError::BadProxy {
                    trunk: t.name.clone(),
                    proxy: p.clone(),
                    reason: e.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Trunk {
            name: t.name.clone(),
            proxies,
            username: t.username.clone(),
            password: t.password.clone(),
            domain: t.domain.clone().filter(|d| !d.trim().is_empty()),
            caller_id: t.caller_id.clone(),
            display_name: t.display_name.clone().filter(|d| !d.trim().is_empty()),
            codecs: t.codecs.iter().copied().map(codec_of).collect(),
            register: t.register,
            register_expires: 3600,
        })
    }
}

/// The SDP form of a codec we offer.
pub(crate) fn sdp_codec(c: Codec) -> sip_core::sdp::Codec {
    match c {
        Codec::Pcmu => sip_core::sdp::Codec::pcmu(),
        Codec::Pcma => sip_core::sdp::Codec::pcma(),
        Codec::G729 => sip_core::sdp::Codec::g729(),
        Codec::Gsm => sip_core::sdp::Codec::gsm(),
        other => sip_core::sdp::Codec::new(
            other.encoding_name(),
            other.clock_rate(),
            other.payload_type(),
        ),
    }
}

impl Trunk {
    /// The SIP endpoint settings for this trunk, with its proxies resolved
    /// and our interface address toward them.
    pub(crate) fn endpoint_config(
        &self,
        settings: &EngineSettings,
        proxies: Vec<Proxy>,
        local: SocketAddr,
    ) -> Result<EndpointConfig, TrunkError> {
        let username = if self.username.is_empty() {
            self.caller_id.clone()
        } else {
            self.username.clone()
        };
        let account = Account {
            username,
            auth_username: None,
            password: self.password.clone(),
            proxies,
            display_name: self.display_name.clone(),
            caller_id: Some(self.caller_id.clone()),
        };
        let mut config = EndpointConfig::new(local, account);
        config.external_addr = settings
            .external_address
            .map(|ip: IpAddr| SocketAddr::new(ip, local.port()));
        config.user_agent = settings.user_agent.clone();
        config.timers = TimerConfig {
            t1: settings.sip_t1,
            ..TimerConfig::default()
        };
        config.registration = RegistrationPolicy {
            expires: self.register_expires,
            ..RegistrationPolicy::default()
        };
        config.validate().map_err(|e| TrunkError::Account {
            trunk: self.name.clone(),
            reason: e.to_string(),
        })?;
        Ok(config)
    }
}
