//! `PUT`/`GET /v1/phone-config`: the user's own trunk. The password is write-only: sealed with
//! AES-256-GCM, never returned, never logged. Saving applies the trunk to the engine, which
//! (re)registers it; `GET` shows the registration state and last error.

use super::auth::AuthUser;
use super::error::{ApiError, ErrorBody};
use super::extract::RawBody;
use super::users::time;
use super::{AppState, body, validate};
use crate::config::{Problem, ProxyAddr, is_host, normalize_e164};
use crate::scheduler::model::PhoneConfig;
use crate::scheduler::{RegistrationState, RegistrationStatus, TrunkSettings};
use crate::store::PhoneConfigRow;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sip_core::endpoint::{Account, ConfigError as SipConfigError, EndpointConfig, Proxy};
use std::net::SocketAddr;
use utoipa::ToSchema;

/// `PUT /v1/phone-config` body: the configuration and its password.
#[derive(Debug, ToSchema)]
pub struct PhoneConfigInput {
    /// The trunk.
    #[serde(flatten)]
    pub config: PhoneConfig,
    /// Trunk password; write-only. May be left out to keep the stored one.
    pub password: Option<String>,
}

/// `GET /v1/phone-config`: the configuration without its password, and registration.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PhoneConfigView {
    /// The trunk.
    #[serde(flatten)]
    pub config: PhoneConfig,
    /// A password is stored (it is never shown).
    pub password_set: bool,
    /// Registration state and last error.
    pub registration: RegistrationStatus,
    /// Last saved.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Checks a configuration with the parsers `check-config` and the engine use (so the API
/// accepts what they accept) and writes the caller ID in E.164; the error names the field.
pub fn check(config: &mut PhoneConfig) -> Result<(), ApiError> {
    if config.proxies.is_empty() || config.proxies.len() > 2 {
        return Err(ApiError::validation(
            "proxies",
            "give one or two proxies: primary, then secondary",
        ));
    }
    let proxies = config
        .proxies
        .iter()
        .enumerate()
        .map(|(i, p)| {
            ProxyAddr::parse(p).map_err(|e| ApiError::validation(format!("proxies[{i}]"), e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if config.username.trim().is_empty() || config.username.len() > 128 {
        return Err(ApiError::validation("username", "1 to 128 characters"));
    }
    if let Some(d) = &config.domain {
        if !is_host(d) {
            let problem = Problem::BadHost { value: d.clone() };
            return Err(ApiError::validation("domain", problem));
        }
    }
    config.caller_id = normalize_e164(&config.caller_id, None)
        .map_err(|e| ApiError::validation("caller_id", e))?;
    if config.display_name.as_ref().is_some_and(|n| n.len() > 64) {
        return Err(ApiError::validation(
            "display_name",
            "at most 64 characters",
        ));
    }
    if config.codecs.is_empty() {
        return Err(ApiError::validation("codecs", "offer at least one codec"));
    }
    for (i, codec) in config.codecs.iter().enumerate() {
        if config.codecs[..i].contains(codec) {
            let value = serde_json::to_value(codec)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            return Err(ApiError::validation(
                format!("codecs[{i}]"),
                Problem::DuplicateCodec { value },
            ));
        }
    }
    sip_account(config, &proxies)?;
    if !(1..=1000).contains(&config.max_concurrent_calls) {
        return Err(ApiError::validation("max_concurrent_calls", "1 to 1000"));
    }
    if !(1..=100).contains(&config.max_calls_per_second) {
        return Err(ApiError::validation("max_calls_per_second", "1 to 100"));
    }
    if !config.rate_per_minute.is_finite()
        || config.rate_per_minute < 0.0
        || config.rate_per_minute > 1e6
    {
        return Err(ApiError::validation(
            "rate_per_minute",
            "a number of credits from 0 to 1000000",
        ));
    }
    if !(1..=3600).contains(&config.billing_increment_seconds) {
        return Err(ApiError::validation(
            "billing_increment_seconds",
            "1 to 3600",
        ));
    }
    for (i, p) in config.allowed_prefixes.iter().enumerate() {
        validate::prefix(p)
            .map_err(|m| ApiError::validation(format!("allowed_prefixes[{i}]"), m))?;
    }
    Ok(())
}

/// Checks the SIP account the engine builds from these fields with the SIP stack's own check
/// (`EndpointConfig::validate`): a user name with a space or `@`, or a display name with a line
/// break, would be refused there at registration.
fn sip_account(config: &PhoneConfig, proxies: &[ProxyAddr]) -> Result<(), ApiError> {
    // The socket address is irrelevant to the check: any concrete one will do.
    let placeholder = SocketAddr::from(([192, 0, 2, 1], 5060));
    let account = Account {
        username: config.username.clone(),
        auth_username: None,
        password: String::new(),
        proxies: proxies
            .iter()
            .map(|p| Proxy::new(placeholder, p.host.clone()))
            .collect(),
        display_name: config.display_name.clone().filter(|d| !d.trim().is_empty()),
        caller_id: Some(config.caller_id.clone()),
    };
    EndpointConfig::new(placeholder, account)
        .validate()
        .map_err(|e| {
            let field = match &e {
                SipConfigError::InvalidText { field, .. } => match *field {
                    "account.username" => "username",
                    "account.display_name" => "display_name",
                    "account.caller_id" => "caller_id",
                    _ => "proxies",
                },
                _ => "proxies",
            };
            ApiError::validation(field, format!("the SIP stack refuses it: {e}"))
        })
}

/// Registration as the API shows it.
pub fn registration(state: &AppState, user_id: &str) -> RegistrationStatus {
    match &state.engine {
        Some(engine) => engine.registration(user_id),
        None => RegistrationStatus {
            state: RegistrationState::Unregistered,
            last_error: Some(
                "this build has no call engine: nothing is registered or dialed".into(),
            ),
            since: None,
        },
    }
}

fn view(state: &AppState, row: &PhoneConfigRow) -> Result<PhoneConfigView, ApiError> {
    let config: PhoneConfig = serde_json::from_str(&row.config_json).map_err(|e| {
        ApiError::from(crate::store::StoreError::Corrupt {
            what: "phone config",
            detail: e.to_string(),
        })
    })?;
    Ok(PhoneConfigView {
        config,
        password_set: !row.password_enc.is_empty(),
        registration: registration(state, &row.user_id),
        updated_at: time(row.updated_at),
    })
}

/// Saves the user's trunk and (re)registers it.
#[utoipa::path(put, path = "/v1/phone-config", tag = "phone-config", request_body = PhoneConfigInput,
    security(("bearer" = [])),
    responses((status = 200, body = PhoneConfigView), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_phone_config(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    RawBody(raw): RawBody,
) -> Result<Json<PhoneConfigView>, ApiError> {
    let mut value: serde_json::Value = body::parse(&raw)?;
    let password = match value.as_object_mut() {
        Some(map) => match map.remove("password") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(p)) => Some(p),
            Some(_) => return Err(ApiError::validation("password", "must be a string")),
        },
        None => return Err(ApiError::bad_request("the body must be a JSON object")),
    };
    let PhoneConfigInput { config, password } = PhoneConfigInput {
        config: body::from_value(value)?,
        password,
    };
    let mut config = config;
    check(&mut config)?;
    let existing = state.store.phone_config(&user.id).await?;
    let (password_enc, password) = match password {
        Some(p) if p.is_empty() || p.len() > 256 => {
            return Err(ApiError::validation("password", "1 to 256 characters"));
        }
        Some(p) => (state.secrets.seal(&p), p),
        None => match &existing {
            Some(row) => {
                let plain = state.secrets.open(&row.password_enc).map_err(|e| {
                    ApiError::validation("password", format!("{e}; send the password again"))
                })?;
                (row.password_enc.clone(), plain)
            }
            None => {
                return Err(ApiError::validation(
                    "password",
                    "required when the trunk is first saved",
                ));
            }
        },
    };
    let config_json = serde_json::to_string(&config)
        .map_err(|e| ApiError::bad_request(format!("configuration cannot be stored: {e}")))?;
    let row = PhoneConfigRow {
        user_id: user.id.clone(),
        config_json,
        password_enc,
        updated_at: crate::store::now_ms(),
    };
    state.store.save_phone_config(&row).await?;
    if let Some(engine) = &state.engine {
        engine.apply_trunk(
            &user.id,
            TrunkSettings::from_config(&user.id, &config, password),
        );
    }
    tracing::info!(user = %user.id, proxies = ?config.proxies, "phone config saved");
    state.wake_scheduler();
    Ok(Json(view(&state, &row)?))
}

/// The user's trunk (without password) and its registration state.
#[utoipa::path(get, path = "/v1/phone-config", tag = "phone-config", security(("bearer" = [])),
    responses((status = 200, body = PhoneConfigView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_phone_config(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<PhoneConfigView>, ApiError> {
    let row = state
        .store
        .phone_config(&user.id)
        .await?
        .ok_or_else(|| ApiError::not_found("phone config"))?;
    Ok(Json(view(&state, &row)?))
}
