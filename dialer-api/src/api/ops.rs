//! Operations routes: `/health`, `/metrics` and `/openapi.json`.

use super::AppState;
use super::auth::IsAdmin;
use super::error::ApiError;
use super::metrics::Gauges;
use super::phone_config::registration;
use crate::scheduler::RegistrationState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Registration state of one user's trunk (admin only).
#[derive(Debug, Serialize, ToSchema)]
pub struct TrunkHealth {
    /// Owner.
    pub user_id: String,
    /// Registration state.
    pub state: RegistrationState,
}

/// Service health. Public: aggregate figures only; the per-user list needs the admin token.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers.
    pub status: String,
    /// This node's id (when it runs a scheduler).
    pub node_id: Option<String>,
    /// Whether a call engine is present.
    pub engine: bool,
    /// Attempts queued.
    pub queue_depth: i64,
    /// Calls in flight (all nodes).
    pub active_calls: i64,
    /// Users' trunks per registration state (`registered`, `failed`...).
    pub trunks: BTreeMap<String, i64>,
    /// Each user's trunk and its state; only with `Authorization: Bearer <admin token>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trunks_by_user: Option<Vec<TrunkHealth>>,
}

async fn trunk_states(state: &AppState) -> Result<Vec<TrunkHealth>, ApiError> {
    Ok(state
        .store
        .all_phone_configs()
        .await?
        .into_iter()
        .map(|row| TrunkHealth {
            state: registration(state, &row.user_id).state,
            user_id: row.user_id,
        })
        .collect())
}

/// Trunks per registration state, every state listed (0 when none).
fn count_by_state(trunks: &[TrunkHealth]) -> BTreeMap<String, i64> {
    let name = |s: RegistrationState| {
        serde_json::to_value(s)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    let mut counts: BTreeMap<String, i64> = [
        RegistrationState::NotRequired,
        RegistrationState::Registering,
        RegistrationState::Registered,
        RegistrationState::Failed,
        RegistrationState::Unregistered,
    ]
    .into_iter()
    .map(|s| (name(s), 0))
    .collect();
    for t in trunks {
        *counts.entry(name(t.state)).or_default() += 1;
    }
    counts
}

/// Health: database, queue depth, calls in flight, trunks per registration state (and, for the
/// admin, each user's trunk).
#[utoipa::path(get, path = "/health", tag = "operations",
    security((), ("admin" = [])),
    responses((status = 200, body = Health), (status = 500, body = super::error::ErrorBody)))]
pub async fn health(
    State(state): State<AppState>,
    IsAdmin(admin): IsAdmin,
) -> Result<Json<Health>, ApiError> {
    let trunks = trunk_states(&state).await?;
    Ok(Json(Health {
        status: "ok".into(),
        node_id: state.scheduler.as_ref().map(|s| s.node_id().to_owned()),
        engine: state.engine.is_some(),
        queue_depth: state.store.queue_depth().await?,
        active_calls: state.store.calls_in_flight().await?,
        trunks: count_by_state(&trunks),
        trunks_by_user: admin.then_some(trunks),
    }))
}

/// Prometheus metrics: aggregate figures only (no user ids).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let gauges = Gauges {
        active_calls: state.store.calls_in_flight().await?,
        queue_depth: state.store.queue_depth().await?,
        trunks_by_state: count_by_state(&trunk_states(&state).await?),
        sip: state.engine.as_ref().and_then(|e| e.sip_stats()),
    };
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(&gauges),
    ))
}

/// This OpenAPI document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json", body = Object)))]
pub async fn openapi_json(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi.get().cloned().unwrap_or_else(|| "{}".into()),
    )
}
