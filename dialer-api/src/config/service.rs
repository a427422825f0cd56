//! `[http]`, `[storage]`, `[auth]` and `[security]`: settings of `trunkline serve`.

use std::net::SocketAddr;

use super::error::{ConfigError, Problem};
use super::reader::{Fields, Origins, no_control_chars};
use super::secret::{Secret, SecretKey};
use super::sip::socket_addr;

/// The shortest admin token accepted.
pub const MIN_ADMIN_TOKEN_LEN: usize = 16;

/// `[http]`: the HTTP API listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// Address to listen on (`bind`, default `127.0.0.1:8080`).
    pub bind: SocketAddr,
}

impl Default for HttpConfig {
    fn default() -> HttpConfig {
        HttpConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
        }
    }
}

/// `[storage]`: the database behind the queue, call logs and credits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageConfig {
    /// `sqlite://PATH` or `postgres://...` (`url`, default `sqlite://trunkline.db`).
    pub url: String,
}

impl Default for StorageConfig {
    fn default() -> StorageConfig {
        StorageConfig {
            url: "sqlite://trunkline.db".into(),
        }
    }
}

/// `[auth]`: API authentication.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthConfig {
    /// Bearer token for admin routes (`admin_token`, at least 16 characters);
    /// `None` disables admin routes.
    pub admin_token: Option<Secret>,
}

/// `[security]`: guards for a service that takes handler URLs from users.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityConfig {
    /// Allow handler URLs that resolve to loopback, private or link-local
    /// addresses (`allow_private_handlers`, default false).
    pub allow_private_handlers: bool,
    /// Key that encrypts stored trunk passwords (`secret_key`, base64 of 32
    /// bytes; usually set as `TRUNKLINE_SECURITY__SECRET_KEY`).
    pub secret_key: Option<SecretKey>,
}

pub(crate) fn read_http(
    table: Option<&toml::Table>,
    origins: &Origins,
) -> Result<HttpConfig, ConfigError> {
    let mut http = HttpConfig::default();
    let Some(table) = table else { return Ok(http) };
    let f = Fields::new("http".into(), table, origins, &["bind"])?;
    if let Some(bind) = f.text("bind")? {
        http.bind = socket_addr(&f, "bind", bind)?;
    }
    Ok(http)
}

pub(crate) fn read_storage(
    table: Option<&toml::Table>,
    origins: &Origins,
) -> Result<StorageConfig, ConfigError> {
    let mut storage = StorageConfig::default();
    let Some(table) = table else {
        return Ok(storage);
    };
    let f = Fields::new("storage".into(), table, origins, &["url"])?;
    if let Some(url) = f.text("url")? {
        let url = url.trim();
        no_control_chars(&f, "url", url)?;
        let lower = url.to_ascii_lowercase();
        let rest = ["sqlite://", "sqlite:", "postgres://", "postgresql://"]
            .iter()
            .find_map(|scheme| lower.strip_prefix(scheme));
        if rest.is_none_or(str::is_empty) {
            return Err(f.error(
                "url",
                Problem::BadStorageUrl {
                    value: url.to_owned(),
                },
            ));
        }
        storage.url = url.to_owned();
    }
    Ok(storage)
}

pub(crate) fn read_auth(
    table: Option<&toml::Table>,
    origins: &Origins,
) -> Result<AuthConfig, ConfigError> {
    let Some(table) = table else {
        return Ok(AuthConfig::default());
    };
    let f = Fields::new("auth".into(), table, origins, &["admin_token"])?;
    let admin_token = match f.text("admin_token")? {
        None => None,
        Some(token) => {
            no_control_chars(&f, "admin_token", token)?;
            if token.chars().count() < MIN_ADMIN_TOKEN_LEN {
                return Err(f.error(
                    "admin_token",
                    Problem::TooShort {
                        min: MIN_ADMIN_TOKEN_LEN,
                    },
                ));
            }
            Some(Secret::new(token))
        }
    };
    Ok(AuthConfig { admin_token })
}

pub(crate) fn read_security(
    table: Option<&toml::Table>,
    origins: &Origins,
) -> Result<SecurityConfig, ConfigError> {
    let Some(table) = table else {
        return Ok(SecurityConfig::default());
    };
    let f = Fields::new(
        "security".into(),
        table,
        origins,
        &["allow_private_handlers", "secret_key"],
    )?;
    let allow_private_handlers = f.boolean("allow_private_handlers")?.unwrap_or(false);
    let secret_key = match f.text("secret_key")? {
        None => None,
        Some(text) => Some(
            SecretKey::from_base64(text)
                .ok_or_else(|| f.error("secret_key", Problem::BadSecretKey))?,
        ),
    };
    Ok(SecurityConfig {
        allow_private_handlers,
        secret_key,
    })
}
