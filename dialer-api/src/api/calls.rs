//! The call log: `GET /v1/calls` (filters, cursor pagination) and `GET /v1/calls/{id}`.

use super::auth::AuthUser;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiPath, ApiQuery};
use super::users::time;
use super::{AppState, validate};
use crate::billing::Micros;
use crate::store::{CallFilter, CallRow, Cursor};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// Every call status.
pub const STATUSES: [&str; 9] = [
    "queued",
    "dialing",
    "ringing",
    "in_progress",
    "completed",
    "busy",
    "no_answer",
    "failed",
    "canceled",
];

/// When each step of a call happened.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Timeline {
    /// Queued.
    pub queued_at: DateTime<Utc>,
    /// INVITE sent.
    pub dialing_at: Option<DateTime<Utc>>,
    /// Ringing.
    pub ringing_at: Option<DateTime<Utc>>,
    /// Answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// Ended.
    pub ended_at: Option<DateTime<Utc>>,
}

/// RTP quality of an answered call.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Quality {
    /// Fraction of packets lost.
    pub loss: Option<f64>,
    /// Jitter (ms).
    pub jitter_ms: Option<f64>,
    /// Mean opinion score estimate.
    pub mos: Option<f64>,
}

/// One attempt in the call log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CallView {
    /// Call id.
    pub id: String,
    /// Twilio-style call SID.
    pub sid: String,
    /// Batch.
    pub batch_id: String,
    /// E.164 number.
    pub phone: String,
    /// Customer name.
    pub customer_name: String,
    /// Campaign.
    pub campaign_id: String,
    /// Prompt.
    pub prompt_id: String,
    /// Per-contact parameters.
    pub params: BTreeMap<String, String>,
    /// Attempt number, from 1.
    pub attempt: i64,
    /// `queued`, `dialing`, `ringing`, `in_progress`, `completed`, `busy`, `no_answer`, `failed`, `canceled`.
    pub status: String,
    /// Timestamps.
    pub timeline: Timeline,
    /// Final SIP status.
    pub sip_status: Option<i64>,
    /// SIP reason phrase.
    pub sip_reason: Option<String>,
    /// `callee`, `handler` or `trunkline`.
    pub hangup_by: Option<String>,
    /// INVITE to ringing (ms).
    pub ring_ms: Option<i64>,
    /// INVITE to answer (ms).
    pub answer_ms: Option<i64>,
    /// Talk time (ms).
    pub talk_ms: Option<i64>,
    /// Billable seconds.
    pub billable_seconds: i64,
    /// Credits charged.
    pub cost: f64,
    /// Codec.
    pub codec: Option<String>,
    /// RTP quality (answered calls).
    pub quality: Option<Quality>,
    /// Why it failed (`insufficient_credits`, `interrupted`, the engine's reason...).
    pub failure_reason: Option<String>,
}

impl CallView {
    /// The view of a stored call.
    pub fn from_row(row: &CallRow) -> Self {
        let quality = (row.loss.is_some() || row.jitter_ms.is_some() || row.mos.is_some())
            .then_some(Quality {
                loss: row.loss,
                jitter_ms: row.jitter_ms,
                mos: row.mos,
            });
        Self {
            id: row.id.clone(),
            sid: row.sid.clone(),
            batch_id: row.batch_id.clone(),
            phone: row.phone.clone(),
            customer_name: row.customer_name.clone(),
            campaign_id: row.campaign_id.clone(),
            prompt_id: row.prompt_id.clone(),
            params: serde_json::from_str(&row.params_json).unwrap_or_default(),
            attempt: row.attempt,
            status: row.status.clone(),
            timeline: Timeline {
                queued_at: time(row.created_at),
                dialing_at: row.dialing_at.map(time),
                ringing_at: row.ringing_at.map(time),
                answered_at: row.answered_at.map(time),
                ended_at: row.ended_at.map(time),
            },
            sip_status: row.sip_status,
            sip_reason: row.sip_reason.clone(),
            hangup_by: row.hangup_by.clone(),
            ring_ms: row.ring_ms,
            answer_ms: row.answer_ms,
            talk_ms: row.talk_ms,
            billable_seconds: row.billable_seconds,
            cost: Micros(row.cost).as_credits(),
            codec: row.codec.clone(),
            quality,
            failure_reason: row.failure_reason.clone(),
        }
    }
}

/// Filters of `GET /v1/calls`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallQuery {
    /// Only this batch.
    pub batch_id: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of calls, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CallPage {
    /// Calls.
    pub calls: Vec<CallView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Checks `limit` and `cursor` of a list request.
pub(super) fn page_params(
    limit: Option<i64>,
    cursor: Option<&str>,
) -> Result<(i64, Option<Cursor>), ApiError> {
    let limit = limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::validation("limit", "1 to 500"));
    }
    let cursor = match cursor {
        Some(text) => {
            let cursor = Cursor::decode(text)
                .ok_or_else(|| ApiError::validation("cursor", "not a cursor from this API"))?;
            validate::id_parameter("cursor", &cursor.id)?;
            Some(cursor)
        }
        None => None,
    };
    Ok((limit, cursor))
}

/// The user's call log.
#[utoipa::path(get, path = "/v1/calls", tag = "calls", params(CallQuery), security(("bearer" = [])),
    responses((status = 200, body = CallPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_calls(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<CallQuery>,
) -> Result<Json<CallPage>, ApiError> {
    let (limit, after) = page_params(query.limit, query.cursor.as_deref())?;
    if let Some(batch_id) = &query.batch_id {
        validate::id_parameter("batch_id", batch_id)?;
    }
    if let Some(status) = &query.status {
        if !STATUSES.contains(&status.as_str()) {
            return Err(ApiError::validation(
                "status",
                format!("one of {}", STATUSES.join(", ")),
            ));
        }
    }
    let filter = CallFilter {
        batch_id: query.batch_id,
        status: query.status,
        limit,
        after,
    };
    let rows = state.store.calls(&user.id, &filter).await?;
    let next_cursor = Cursor::after_page(&rows, limit, |r| (r.created_at, r.id.clone()));
    Ok(Json(CallPage {
        calls: rows.iter().map(CallView::from_row).collect(),
        next_cursor,
    }))
}

/// One call of the user.
#[utoipa::path(get, path = "/v1/calls/{id}", tag = "calls",
    params(("id" = String, Path, description = "Call id")), security(("bearer" = [])),
    responses((status = 200, body = CallView), (status = 404, body = ErrorBody)))]
pub async fn get_call(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CallView>, ApiError> {
    let row = state
        .store
        .call(&user.id, validate::known_id("call", &id)?)
        .await?
        .ok_or_else(|| ApiError::not_found("call"))?;
    Ok(Json(CallView::from_row(&row)))
}
