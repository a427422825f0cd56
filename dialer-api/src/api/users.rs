//! Users (admin), credits top-ups, `/v1/me` and the ledger.

use super::auth::{Admin, AuthUser};
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiPath, RawBody};
use super::{AppState, body};
use crate::billing::Micros;
use crate::store::secrets::{digest, random_token};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /v1/users` body.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// Display name.
    #[serde(default)]
    pub name: String,
}

/// A new user and its credentials (shown once).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedUser {
    /// User id.
    pub id: String,
    /// Name.
    pub name: String,
    /// API key for `Authorization: Bearer` (only its digest is stored).
    pub api_key: String,
    /// Account SID handed to handlers (`accountSid`).
    pub account_sid: String,
    /// Key of the HMAC-SHA256 webhook signatures.
    pub webhook_secret: String,
}

/// `POST /v1/users/{id}/credits` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopUp {
    /// Credits to add (positive).
    pub amount: f64,
    /// Why (kept in the ledger).
    #[serde(default)]
    pub note: Option<String>,
}

/// A balance after a change.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Balance {
    /// User id.
    pub user_id: String,
    /// Spendable credits (reservations of calls in flight already taken out).
    pub balance: f64,
}

/// The authenticated user.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// User id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Account SID.
    pub account_sid: String,
    /// Spendable credits.
    pub balance: f64,
    /// Creation time.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// One ledger entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntry {
    /// Entry id.
    pub id: String,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// `top_up`, `reserve` (before a call) or `settle` (unused reservation returned after it).
    pub kind: String,
    /// Signed change in credits.
    pub amount: f64,
    /// Balance after the change.
    pub balance_after: f64,
    /// The call, for `reserve` and `settle`.
    pub call_id: Option<String>,
    /// Note.
    pub note: Option<String>,
}

/// The user's ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ledger {
    /// Entries, oldest first.
    pub entries: Vec<LedgerEntry>,
}

pub(super) fn time(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Creates a user (admin token).
#[utoipa::path(post, path = "/v1/users", tag = "users", request_body = CreateUser,
    security(("admin" = [])),
    responses((status = 201, body = CreatedUser), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    _admin: Admin,
    RawBody(raw): RawBody,
) -> Result<(StatusCode, Json<CreatedUser>), ApiError> {
    let request: CreateUser = if raw.is_empty() {
        CreateUser::default()
    } else {
        body::parse(&raw)?
    };
    if request.name.len() > 200 {
        return Err(ApiError::validation("name", "at most 200 characters"));
    }
    super::validate::plain_text(&request.name).map_err(|m| ApiError::validation("name", m))?;
    let api_key = random_token("tk_");
    let webhook_secret = random_token("whsec_");
    let account_sid = random_token("AC");
    let user = state
        .store
        .create_user(
            &request.name,
            &digest(&api_key),
            &account_sid,
            &state.secrets.seal(&webhook_secret),
            crate::store::now_ms(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUser {
            id: user.id,
            name: user.name,
            api_key,
            account_sid,
            webhook_secret,
        }),
    ))
}

/// Adds credits to a user (admin token); writes a ledger row.
#[utoipa::path(post, path = "/v1/users/{id}/credits", tag = "users", request_body = TopUp,
    params(("id" = String, Path, description = "User id")),
    security(("admin" = [])),
    responses((status = 200, body = Balance), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn top_up(
    State(state): State<AppState>,
    _admin: Admin,
    ApiPath(id): ApiPath<String>,
    RawBody(raw): RawBody,
) -> Result<Json<Balance>, ApiError> {
    super::validate::known_id("user", &id)?;
    let request: TopUp = body::parse(&raw)?;
    let amount = Micros::from_credits(request.amount)
        .filter(|m| m.0 > 0)
        .ok_or_else(|| ApiError::validation("amount", "must be a positive number of credits"))?;
    if request.note.as_ref().is_some_and(|n| n.len() > 500) {
        return Err(ApiError::validation("note", "at most 500 characters"));
    }
    if let Some(note) = &request.note {
        super::validate::plain_text(note).map_err(|m| ApiError::validation("note", m))?;
    }
    let balance = state
        .store
        .top_up(
            &id,
            amount.0,
            request.note.as_deref(),
            crate::store::now_ms(),
        )
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(Json(Balance {
        user_id: id,
        balance: Micros(balance).as_credits(),
    }))
}

/// The authenticated user and balance.
#[utoipa::path(get, path = "/v1/me", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(AuthUser(user): AuthUser) -> Json<Me> {
    Json(Me {
        id: user.id,
        name: user.name,
        account_sid: user.account_sid,
        balance: Micros(user.balance).as_credits(),
        created_at: time(user.created_at),
    })
}

/// Every change of the authenticated user's balance.
#[utoipa::path(get, path = "/v1/ledger", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Ledger), (status = 401, body = ErrorBody)))]
pub async fn ledger(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Ledger>, ApiError> {
    let entries = state
        .store
        .ledger(&user.id)
        .await?
        .into_iter()
        .map(|row| LedgerEntry {
            id: row.id,
            at: time(row.created_at),
            kind: row.kind,
            amount: Micros(row.amount).as_credits(),
            balance_after: Micros(row.balance_after).as_credits(),
            call_id: row.call_id,
            note: row.note,
        })
        .collect();
    Ok(Json(Ledger { entries }))
}
