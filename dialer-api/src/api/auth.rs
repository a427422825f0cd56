//! Bearer-token authentication: user API keys (stored as digests) and the admin token.

use super::AppState;
use super::error::ApiError;
use crate::store::UserRow;
use crate::store::secrets::{constant_time_eq, digest};
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer <token> header"))?;
    let text = header
        .to_str()
        .map_err(|_| ApiError::unauthorized("Authorization header is not text"))?;
    let token = text
        .strip_prefix("Bearer ")
        .or_else(|| text.strip_prefix("bearer "))
        .ok_or_else(|| ApiError::unauthorized("Authorization must be `Bearer <token>`"))?;
    Ok(token.trim())
}

/// The user whose API key authenticated the request.
#[derive(Debug, Clone)]
pub struct AuthUser(pub UserRow);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        let user = state
            .store
            .user_by_key_hash(&digest(token))
            .await?
            .ok_or_else(|| ApiError::unauthorized("unknown API key"))?;
        Ok(AuthUser(user))
    }
}

/// Proof that the request carried the admin token.
#[derive(Debug, Clone, Copy)]
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        admin_token(parts, state).map(|()| Admin)
    }
}

/// Whether the request carries the admin token; never refuses (for public routes that show
/// more to the admin).
#[derive(Debug, Clone, Copy)]
pub struct IsAdmin(pub bool);

impl FromRequestParts<AppState> for IsAdmin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, std::convert::Infallible> {
        Ok(IsAdmin(admin_token(parts, state).is_ok()))
    }
}

fn admin_token(parts: &Parts, state: &AppState) -> Result<(), ApiError> {
    let token = bearer(parts)?;
    let Some(expected) = &state.admin_token_hash else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "admin routes are disabled: set auth.admin_token",
        ));
    };
    if constant_time_eq(digest(token).as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this route needs the admin token",
        ))
    }
}
