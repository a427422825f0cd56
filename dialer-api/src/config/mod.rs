//! Trunkline's configuration: a TOML file, then environment overrides, then
//! validation that names the key at fault.
//!
//! ```toml
//! [sip]
//! bind = "0.0.0.0:5060"
//! external_address = "203.0.113.10"   # optional
//! user_agent = "Trunkline/0.1.0"
//! [rtp]
//! port_min = 10000
//! port_max = 20000
//! [[trunks]]                          # optional for `trunkline serve`
//! name = "alienvoip"
//! proxies = ["sip1.alienvoip.com:5060", "sip3.alienvoip.com:5060"]
//! username = "646006395"
//! password = "secret"
//! caller_id = "+60123456789"
//! codecs = ["PCMU", "G729", "GSM"]
//! [handler]                           # optional for `trunkline serve`
//! url = "ws://127.0.0.1:9000/stream"
//! protocol = "twilio"                 # twilio | pcm | audiosocket
//! [http]
//! bind = "127.0.0.1:8080"
//! [storage]
//! url = "sqlite://trunkline.db"
//! [auth]
//! admin_token = "a long random string"
//! [security]
//! allow_private_handlers = false
//! secret_key = "<openssl rand -base64 32>"
//! [doctor]                            # optional, for `trunkline doctor`
//! test_number = "+60198765432"        # an echo test the codec check may call
//! ```
//!
//! # Environment overrides
//!
//! Every key can be set by a variable named `TRUNKLINE_<SECTION>__<KEY>`
//! (double underscore between section and key, any case), e.g.
//! `TRUNKLINE_SIP__BIND=0.0.0.0:5070` or `TRUNKLINE_HANDLER__URL=ws://...`.
//! Trunks are addressed by their 0-based index:
//! `TRUNKLINE_TRUNKS__0__PASSWORD=...`; the index one past the last trunk
//! adds a trunk. Values are text: numbers and booleans are written as usual
//! (`10000`, `true`), lists comma-separated (`PCMU,G729`). An empty value
//! removes the key so its default applies. Overrides win over the file, and
//! an error in an overridden value names the variable.

mod doctor;
mod e164;
mod env;
mod error;
mod handler;
mod reader;
mod secret;
mod service;
mod sip;
mod trunk;

use std::path::Path;

use toml::{Table, Value};

pub use doctor::DoctorConfig;
pub use e164::{E164Error, normalize_e164, region_of};
pub use env::ENV_PREFIX;
pub use error::{ConfigError, EnvProblem, Problem};
pub use handler::{HandlerAddress, HandlerConfig, HandlerProtocol, InvalidField};
pub use secret::{Secret, SecretKey};
pub use service::{AuthConfig, HttpConfig, MIN_ADMIN_TOKEN_LEN, SecurityConfig, StorageConfig};
pub use sip::{RtpConfig, SipConfig};
pub use trunk::{
    DEFAULT_SIP_PORT, ProxyAddr, Transport, TrunkConfig, is_host, parse_codec, parse_codec_list,
};

use reader::{Origins, invalid, type_name};

/// The top-level sections, in the order they are read.
pub const SECTIONS: &[&str] = &[
    "sip", "rtp", "trunks", "handler", "http", "storage", "auth", "security", "doctor",
];

/// The whole validated configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// `[sip]`.
    pub sip: SipConfig,
    /// `[rtp]`.
    pub rtp: RtpConfig,
    /// `[[trunks]]`, possibly empty.
    pub trunks: Vec<TrunkConfig>,
    /// `[handler]`, if given.
    pub handler: Option<HandlerConfig>,
    /// `[http]`.
    pub http: HttpConfig,
    /// `[storage]`.
    pub storage: StorageConfig,
    /// `[auth]`.
    pub auth: AuthConfig,
    /// `[security]`.
    pub security: SecurityConfig,
    /// `[doctor]`.
    pub doctor: DoctorConfig,
}

impl Config {
    /// Reads `path`, applies this process's `TRUNKLINE_*__*` variables and validates.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::from_sources(&text, env::process_env()?)
    }

    /// Builds a configuration from the process environment alone (no file).
    pub fn from_process_env() -> Result<Config, ConfigError> {
        Config::from_sources("", env::process_env()?)
    }

    /// Parses TOML `text`, applies the overrides in `env` (name, value pairs;
    /// names not of the override form are ignored) and validates.
    pub fn from_sources(
        text: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut root: Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigError::Syntax {
                message: e.to_string().trim_end().to_owned(),
            })?;
        let origins = env::apply(&mut root, env)?;
        let empty = Origins::default();
        let mut keys: Vec<&String> = root.keys().collect();
        keys.sort();
        if let Some(unknown) = keys.into_iter().find(|k| !SECTIONS.contains(&k.as_str())) {
            return Err(invalid(
                &empty,
                unknown.clone(),
                Problem::UnknownKey { known: SECTIONS },
            ));
        }
        let section = |name: &str| -> Result<Option<&Table>, ConfigError> {
            match root.get(name) {
                None => Ok(None),
                Some(Value::Table(t)) => Ok(Some(t)),
                Some(other) => Err(invalid(
                    &origins,
                    name.to_owned(),
                    Problem::WrongType {
                        expected: "a table",
                        found: type_name(other),
                    },
                )),
            }
        };
        Ok(Config {
            sip: sip::read_sip(section("sip")?, &origins)?,
            rtp: sip::read_rtp(section("rtp")?, &origins)?,
            trunks: trunk::read_trunks(root.get("trunks"), &origins)?,
            handler: handler::read_handler(section("handler")?, &origins)?,
            http: service::read_http(section("http")?, &origins)?,
            storage: service::read_storage(section("storage")?, &origins)?,
            auth: service::read_auth(section("auth")?, &origins)?,
            security: service::read_security(section("security")?, &origins)?,
            doctor: doctor::read_doctor(section("doctor")?, &origins)?,
        })
    }

    /// The trunk called `name`, or the first trunk when `name` is `None`.
    pub fn trunk(&self, name: Option<&str>) -> Option<&TrunkConfig> {
        match name {
            None => self.trunks.first(),
            Some(name) => self.trunks.iter().find(|t| t.name == name),
        }
    }
}

#[cfg(test)]
mod tests;
