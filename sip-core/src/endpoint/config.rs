//! What an [`Endpoint`](super::Endpoint) is configured with.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use crate::message::StatusCode;
use crate::transaction::TimerConfig;

/// One SIP proxy (registrar) of the trunk, already resolved: DNS lives in
/// the driver, not here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proxy {
    /// Where to send.
    pub addr: SocketAddr,
    /// The host name for Request-URIs, From/To and the digest realm
    /// (`sip1.example.com`).
    pub host: String,
}

impl Proxy {
    /// A proxy at `addr` named `host`.
    pub fn new(addr: SocketAddr, host: impl Into<String>) -> Proxy {
        Proxy {
            addr,
            host: host.into(),
        }
    }
}

/// The trunk account: who we are and where the trunk is.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// The SIP user (From/To of REGISTER, the Contact user).
    pub username: String,
    /// The digest user name when it differs from `username`.
    pub auth_username: Option<String>,
    /// The digest password.
    pub password: String,
    /// Proxies in order of preference (primary first).
    pub proxies: Vec<Proxy>,
    /// Display name in From.
    pub display_name: Option<String>,
    /// The From user of calls (an E.164 caller ID such as `+60123456789`);
    /// `username` when absent.
    pub caller_id: Option<String>,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("username", &self.username)
            .field("auth_username", &self.auth_username)
            .field("password", &"<redacted>")
            .field("proxies", &self.proxies)
            .field("display_name", &self.display_name)
            .field("caller_id", &self.caller_id)
            .finish()
    }
}

/// How registration behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrationPolicy {
    /// The Expires we ask for, in seconds.
    pub expires: u32,
    /// First wait after every proxy failed; doubles per round.
    pub retry_min: Duration,
    /// The longest wait between rounds (also the wait after a rejection
    /// such as 403, so a wrong password is not hammered).
    pub retry_max: Duration,
    /// While registered with a backup proxy, how often to try the primary.
    pub primary_retry: Duration,
    /// While registered, send a CRLF keep-alive this often to hold NAT
    /// bindings open (`None`: never).
    pub keepalive: Option<Duration>,
}

impl Default for RegistrationPolicy {
    /// Expires 3600; retries after 5 s doubling to 5 min; primary tried
    /// every 5 min; no keep-alive.
    fn default() -> Self {
        RegistrationPolicy {
            expires: 3600,
            retry_min: Duration::from_secs(5),
            retry_max: Duration::from_secs(300),
            primary_retry: Duration::from_secs(300),
            keepalive: None,
        }
    }
}

/// RFC 4028 session timers as a UAC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionTimerConfig {
    /// Session-Expires we ask for, in seconds.
    pub session_expires: u32,
    /// Our Min-SE, in seconds (at least 90).
    pub min_se: u32,
}

impl Default for SessionTimerConfig {
    /// Session-Expires 1800 s, Min-SE 90 s.
    fn default() -> Self {
        SessionTimerConfig {
            session_expires: 1800,
            min_se: 90,
        }
    }
}

/// Everything an endpoint needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointConfig {
    /// The address of our SIP socket (a concrete interface address, used in
    /// Via, Contact and SDP until a public address is known).
    pub local_addr: SocketAddr,
    /// Our address as seen from the trunk, when known in advance (a
    /// port-forwarded NAT). When set, addresses learned from `received` /
    /// `rport` are ignored.
    pub external_addr: Option<SocketAddr>,
    /// User-Agent (and Server) header value.
    pub user_agent: String,
    /// T1, T2, T4.
    pub timers: TimerConfig,
    /// The trunk account.
    pub account: Account,
    /// Registration behaviour.
    pub registration: RegistrationPolicy,
    /// Session timers for calls (`None`: do not ask for them; a peer's
    /// request is still honoured).
    pub session_timer: Option<SessionTimerConfig>,
    /// The status for INVITEs outside a dialog (we only dial out): 403.
    pub incoming_invite_status: StatusCode,
    /// Live server transactions at most; requests beyond get a stateless 503.
    pub max_server_transactions: usize,
}

impl EndpointConfig {
    /// A configuration with defaults for everything but the socket and
    /// account.
    pub fn new(local_addr: SocketAddr, account: Account) -> EndpointConfig {
        EndpointConfig {
            local_addr,
            external_addr: None,
            user_agent: concat!("Trunkline/", env!("CARGO_PKG_VERSION")).to_owned(),
            timers: TimerConfig::default(),
            account,
            registration: RegistrationPolicy::default(),
            session_timer: Some(SessionTimerConfig::default()),
            incoming_invite_status: StatusCode::FORBIDDEN,
            max_server_transactions: 1024,
        }
    }

    pub(crate) fn auth_username(&self) -> &str {
        self.account
            .auth_username
            .as_deref()
            .unwrap_or(&self.account.username)
    }
}

/// Why a configuration cannot be used.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// No proxy to register with or call through.
    #[error("the account lists no proxy")]
    NoProxy,
    /// The local address is unspecified (0.0.0.0 or ::).
    #[error("local_addr {0} is unspecified: give the interface address the socket uses")]
    UnspecifiedLocalAddr(SocketAddr),
    /// A name or value would not fit in a SIP header.
    #[error("{field} contains characters not allowed in SIP: {value:?}")]
    InvalidText {
        /// Which field.
        field: &'static str,
        /// Its value.
        value: String,
    },
    /// A timer value of zero.
    #[error("{0} must be greater than zero")]
    ZeroDuration(&'static str),
    /// A timer value beyond any sensible setting.
    #[error("{field} must be at most {max:?}")]
    TooLong {
        /// Which field.
        field: &'static str,
        /// The largest value accepted.
        max: std::time::Duration,
    },
}

fn printable(field: &'static str, value: &str) -> Result<(), ConfigError> {
    if value.chars().any(|c| c.is_control()) {
        return Err(ConfigError::InvalidText {
            field,
            value: value.to_owned(),
        });
    }
    Ok(())
}

/// Whether `value` can stand unescaped as the user part of a SIP URI
/// (RFC 3261 `user`: letters, digits and `-_.!~*'()&=+$,;?/%`), as the
/// account's user name and caller ID must.
pub fn is_user_part(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.!~*'()&=+$,;?/%".contains(&b))
}

fn user_part(field: &'static str, value: &str) -> Result<(), ConfigError> {
    if !is_user_part(value) {
        return Err(ConfigError::InvalidText {
            field,
            value: value.to_owned(),
        });
    }
    Ok(())
}

fn host_name(field: &'static str, value: &str) -> Result<(), ConfigError> {
    let ok = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b));
    if !ok {
        return Err(ConfigError::InvalidText {
            field,
            value: value.to_owned(),
        });
    }
    Ok(())
}

impl EndpointConfig {
    /// Checks what would otherwise produce malformed messages.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.account.proxies.is_empty() {
            return Err(ConfigError::NoProxy);
        }
        if self.local_addr.ip().is_unspecified() {
            return Err(ConfigError::UnspecifiedLocalAddr(self.local_addr));
        }
        user_part("account.username", &self.account.username)?;
        if let Some(c) = &self.account.caller_id {
            user_part("account.caller_id", c)?;
        }
        if let Some(a) = &self.account.auth_username {
            printable("account.auth_username", a)?;
        }
        if let Some(d) = &self.account.display_name {
            printable("account.display_name", d)?;
        }
        printable("user_agent", &self.user_agent)?;
        for p in &self.account.proxies {
            host_name("account.proxies.host", &p.host)?;
        }
        for (name, d) in [
            ("timers.t1", self.timers.t1),
            ("timers.t2", self.timers.t2),
            ("timers.t4", self.timers.t4),
            ("registration.retry_min", self.registration.retry_min),
            ("registration.retry_max", self.registration.retry_max),
            (
                "registration.primary_retry",
                self.registration.primary_retry,
            ),
        ] {
            if d.is_zero() {
                return Err(ConfigError::ZeroDuration(name));
            }
        }
        if self.registration.expires == 0 {
            return Err(ConfigError::ZeroDuration("registration.expires"));
        }
        Ok(())
    }
}
