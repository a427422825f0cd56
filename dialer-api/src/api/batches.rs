//! Batches: submit (with `Idempotency-Key`), read, list, cancel, pause and resume.

use super::auth::AuthUser;
use super::calls::{STATUSES, page_params};
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiPath, ApiQuery, RawBody};
use super::users::time;
use super::validate::{NumberRejection, UrlKind};
use super::{AppState, body, validate};
use crate::billing::Micros;
use crate::scheduler::model::{
    BatchSpec, HandlerProtocol, HandlerSpec, PhoneConfig, RetryPolicy, Schedule,
};
use crate::scheduler::window::ParsedWindow;
use crate::store::{BatchRow, Cursor, Idempotent, InsertBatch, NewBatch, NewContact, secrets};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use utoipa::{IntoParams, ToSchema};

/// One contact to call.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    /// Number in international format (`+60 12-345 6789`); normalised to E.164.
    pub phone: String,
    /// Name passed to the handler.
    #[serde(default)]
    pub customer_name: String,
    /// Extra handler parameters (strings, numbers or booleans).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub params: BTreeMap<String, serde_json::Value>,
}

/// `POST /v1/batches` body.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// Campaign id passed to the handler.
    pub campaign_id: String,
    /// Prompt id passed to the handler.
    pub prompt_id: String,
    /// The AI handler.
    pub handler: HandlerSpec,
    /// Contacts to call.
    pub contacts: Vec<ContactInput>,
    /// Start time and calling window.
    #[serde(default)]
    pub schedule: Option<Schedule>,
    /// Retry policy (default: no retry).
    #[serde(default)]
    pub retry: Option<RetryPolicy>,
    /// Longest call in seconds (default from the server).
    #[serde(default)]
    pub max_duration_seconds: Option<u32>,
    /// Receives a signed POST on every call state change.
    #[serde(default)]
    pub webhook_url: Option<String>,
}

/// A contact that was not queued.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct RejectedContact {
    /// Position in the request.
    pub index: usize,
    /// The number as given.
    pub phone: String,
    /// `invalid_number`, `not_allowed_prefix` or `duplicate_number`.
    pub reason: String,
    /// Explanation.
    pub message: String,
}

/// Acceptance of one contact.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContactResult {
    /// Position in the request.
    pub index: usize,
    /// E.164 number when accepted, the given text otherwise.
    pub phone: String,
    /// Queued.
    pub accepted: bool,
    /// Why not (see [`RejectedContact::reason`]).
    pub reason: Option<String>,
}

/// Progress summary of a batch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Progress {
    /// Contacts queued (first attempt or retry).
    pub queued: i64,
    /// Contacts being called now.
    pub in_progress: i64,
    /// Contacts finished (answered, or out of attempts, or canceled).
    pub done: i64,
    /// Contacts answered.
    pub completed: i64,
    /// Contacts finished without an answer (busy, no answer, failed).
    pub failed: i64,
    /// Attempts made or queued.
    pub attempts: i64,
    /// Credits charged so far.
    pub cost: f64,
    /// `done / accepted` in percent.
    pub percent: f64,
}

/// A batch with its counts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchView {
    /// Batch id.
    pub id: String,
    /// `running`, `paused`, `canceled` or `completed`.
    pub state: String,
    /// The accepted settings.
    #[serde(flatten)]
    pub spec: BatchSpec,
    /// Created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Finished.
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Contacts in the request.
    pub total_contacts: i64,
    /// Contacts queued.
    pub accepted: i64,
    /// Contacts refused, with reasons.
    pub rejected: Vec<RejectedContact>,
    /// Contacts per status of their latest attempt.
    pub counts: BTreeMap<String, i64>,
    /// Summary.
    pub progress: Progress,
    /// Per-contact acceptance (submit responses only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<ContactResult>>,
}

/// A page of batches, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchPage {
    /// Batches.
    pub batches: Vec<BatchView>,
    /// Pass as `cursor` for the next page.
    pub next_cursor: Option<String>,
}

/// Paging of `GET /v1/batches`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BatchQuery {
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Per-contact acceptance of a submitted batch as it was decided and stored: the stored
/// rejections, and every other contact queued under its E.164 number. A replay shows the same,
/// whatever the phone config says now.
fn contact_results(submitted: &[ContactInput], rejected: &[RejectedContact]) -> Vec<ContactResult> {
    let rejected: HashMap<usize, &RejectedContact> =
        rejected.iter().map(|r| (r.index, r)).collect();
    submitted
        .iter()
        .enumerate()
        .map(|(index, contact)| match rejected.get(&index) {
            Some(r) => ContactResult {
                index,
                phone: r.phone.clone(),
                accepted: false,
                reason: Some(r.reason.clone()),
            },
            None => ContactResult {
                index,
                phone: validate::destination(&contact.phone, &[])
                    .unwrap_or_else(|_| contact.phone.clone()),
                accepted: true,
                reason: None,
            },
        })
        .collect()
}

/// The view of a stored batch; with the `submitted` contacts (submit responses), their
/// per-contact acceptance too.
async fn batch_view(
    state: &AppState,
    row: &BatchRow,
    submitted: Option<&[ContactInput]>,
) -> Result<BatchView, ApiError> {
    let spec: BatchSpec = serde_json::from_str(&row.spec_json).map_err(|e| {
        ApiError::from(crate::store::StoreError::Corrupt {
            what: "batch",
            detail: e.to_string(),
        })
    })?;
    let rejected: Vec<RejectedContact> =
        serde_json::from_str(&row.rejected_json).unwrap_or_default();
    let raw = state.store.batch_counts(&row.id).await?;
    let mut counts: BTreeMap<String, i64> = STATUSES.iter().map(|s| ((*s).to_owned(), 0)).collect();
    counts.extend(raw.by_status);
    let n = |s: &str| counts.get(s).copied().unwrap_or(0);
    let accepted = row.total_contacts - rejected.len() as i64;
    let done = n("completed") + n("busy") + n("no_answer") + n("failed") + n("canceled");
    let progress = Progress {
        queued: n("queued"),
        in_progress: n("dialing") + n("ringing") + n("in_progress"),
        done,
        completed: n("completed"),
        failed: n("busy") + n("no_answer") + n("failed"),
        attempts: raw.attempts,
        cost: Micros(raw.cost).as_credits(),
        percent: if accepted > 0 {
            100.0 * done as f64 / accepted as f64
        } else {
            100.0
        },
    };
    let contacts = submitted.map(|c| contact_results(c, &rejected));
    Ok(BatchView {
        id: row.id.clone(),
        state: row.state.clone(),
        spec,
        created_at: time(row.created_at),
        completed_at: row.completed_at.map(time),
        total_contacts: row.total_contacts,
        accepted,
        rejected,
        counts,
        progress,
        contacts,
    })
}

fn param_text(field: String, value: &serde_json::Value) -> Result<String, ApiError> {
    match value {
        serde_json::Value::String(s) => Ok(s.clone()),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        serde_json::Value::Bool(b) => Ok(b.to_string()),
        _ => Err(ApiError::validation(
            field,
            "parameter values are strings, numbers or booleans",
        )),
    }
}

async fn check_request(state: &AppState, request: &BatchRequest) -> Result<BatchSpec, ApiError> {
    for (field, value) in [
        ("campaign_id", &request.campaign_id),
        ("prompt_id", &request.prompt_id),
    ] {
        if value.trim().is_empty() || value.len() > 200 {
            return Err(ApiError::validation(field, "1 to 200 characters"));
        }
        validate::plain_text(value).map_err(|m| ApiError::validation(field, m))?;
    }
    let audiosocket = request.handler.protocol == HandlerProtocol::Audiosocket;
    validate::outbound_url(
        &request.handler.url,
        UrlKind::Handler { audiosocket },
        state.policy.allow_private_handlers,
    )
    .await
    .map_err(|m| ApiError::validation("handler.url", m))?;
    if !matches!(request.handler.sample_rate, 8000 | 16000 | 24000) {
        return Err(ApiError::validation(
            "handler.sample_rate",
            "8000, 16000 or 24000",
        ));
    }
    if request.contacts.is_empty() {
        return Err(ApiError::validation(
            "contacts",
            "give at least one contact",
        ));
    }
    if request.contacts.len() > state.policy.max_contacts {
        return Err(ApiError::validation(
            "contacts",
            format!("at most {} contacts per batch", state.policy.max_contacts),
        ));
    }
    let schedule = request.schedule.clone().unwrap_or_default();
    if let Some(w) = &schedule.window {
        ParsedWindow::parse(w)
            .map_err(|e| ApiError::validation(format!("schedule.window.{}", e.field()), e))?;
    }
    let retry = request.retry.clone().unwrap_or_default();
    if !(1..=10).contains(&retry.max_attempts) {
        return Err(ApiError::validation("retry.max_attempts", "1 to 10"));
    }
    if retry.delay_seconds > 7 * 86_400 {
        return Err(ApiError::validation(
            "retry.delay_seconds",
            "at most 604800 (a week)",
        ));
    }
    let max_duration = request
        .max_duration_seconds
        .unwrap_or(state.policy.default_max_duration_seconds);
    if max_duration == 0 || max_duration > state.policy.max_duration_limit_seconds {
        return Err(ApiError::validation(
            "max_duration_seconds",
            format!("1 to {}", state.policy.max_duration_limit_seconds),
        ));
    }
    if let Some(url) = &request.webhook_url {
        validate::outbound_url(url, UrlKind::Webhook, state.policy.allow_private_handlers)
            .await
            .map_err(|m| ApiError::validation("webhook_url", m))?;
    }
    Ok(BatchSpec {
        campaign_id: request.campaign_id.clone(),
        prompt_id: request.prompt_id.clone(),
        handler: request.handler.clone(),
        schedule,
        retry,
        max_duration_seconds: max_duration,
        webhook_url: request.webhook_url.clone(),
    })
}

/// Contacts split by acceptance.
struct SortedContacts {
    accepted: Vec<NewContact>,
    rejected: Vec<RejectedContact>,
}

/// Splits contacts into accepted (normalised) and rejected ones.
fn sort_contacts(
    contacts: &[ContactInput],
    config: &PhoneConfig,
) -> Result<SortedContacts, ApiError> {
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    let mut seen = HashSet::new();
    for (index, contact) in contacts.iter().enumerate() {
        if contact.customer_name.len() > 200 {
            return Err(ApiError::validation(
                format!("contacts[{index}].customer_name"),
                "at most 200 characters",
            ));
        }
        validate::plain_text(&contact.customer_name)
            .map_err(|m| ApiError::validation(format!("contacts[{index}].customer_name"), m))?;
        let mut params = BTreeMap::new();
        for (key, value) in &contact.params {
            params.insert(
                key.clone(),
                param_text(format!("contacts[{index}].params.{key}"), value)?,
            );
        }
        let verdict = match validate::destination(&contact.phone, &config.allowed_prefixes) {
            Ok(number) if !seen.insert(number.clone()) => Err((
                "duplicate_number",
                format!("{number} appears earlier in this batch"),
            )),
            Ok(number) => Ok(number),
            Err(NumberRejection::Invalid) => Err((
                "invalid_number",
                format!(
                    "'{}' is not a valid international number (+ country code, then the number)",
                    contact.phone
                ),
            )),
            Err(NumberRejection::NotAllowed) => Err((
                "not_allowed_prefix",
                format!(
                    "'{}' is outside allowed_prefixes {:?}",
                    contact.phone, config.allowed_prefixes
                ),
            )),
        };
        match verdict {
            Ok(number) => {
                accepted.push(NewContact {
                    index: index as i64,
                    phone: number,
                    customer_name: contact.customer_name.clone(),
                    params_json: serde_json::to_string(&params).unwrap_or_else(|_| "{}".into()),
                });
            }
            Err((reason, message)) => {
                rejected.push(RejectedContact {
                    index,
                    phone: contact.phone.clone(),
                    reason: reason.to_owned(),
                    message,
                });
            }
        }
    }
    Ok(SortedContacts { accepted, rejected })
}

/// Submits a batch. Invalid or disallowed numbers are rejected one by one; the rest are queued.
/// A repeated request with the same `Idempotency-Key` and body returns the first batch.
#[utoipa::path(post, path = "/v1/batches", tag = "batches", request_body = BatchRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries of this request safe")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Accepted", body = BatchView),
        (status = 200, description = "Replay of an earlier request with this Idempotency-Key", body = BatchView),
        (status = 402, description = "Balance below one billing increment", body = ErrorBody),
        (status = 409, description = "No phone config saved", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_batch(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    headers: HeaderMap,
    RawBody(raw): RawBody,
) -> Result<(StatusCode, Json<BatchView>), ApiError> {
    let request: BatchRequest = body::parse(&raw)?;
    let idempotency = match headers.get("idempotency-key") {
        Some(v) => {
            let key = v
                .to_str()
                .ok()
                .filter(|k| !k.is_empty() && k.len() <= 200)
                .ok_or_else(|| {
                    ApiError::validation("Idempotency-Key", "1 to 200 visible characters")
                })?;
            Some((
                key.to_owned(),
                secrets::digest(&String::from_utf8_lossy(&raw)),
            ))
        }
        None => None,
    };
    if let Some((key, hash)) = &idempotency {
        match state.store.idempotent_batch(&user.id, key, hash).await? {
            Some(Idempotent::Replayed(row)) => {
                let view = batch_view(&state, &row, Some(&request.contacts)).await?;
                return Ok((StatusCode::OK, Json(view)));
            }
            Some(Idempotent::KeyReused) => return Err(key_reused()),
            None => {}
        }
    }
    let config_row = state.store.phone_config(&user.id).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            "phone_config_required",
            "save your trunk with PUT /v1/phone-config before submitting batches",
        )
    })?;
    let config: PhoneConfig = serde_json::from_str(&config_row.config_json).map_err(|e| {
        ApiError::from(crate::store::StoreError::Corrupt {
            what: "phone config",
            detail: e.to_string(),
        })
    })?;
    let spec = check_request(&state, &request).await?;
    let tariff = crate::scheduler::tariff(&config);
    if user.balance < tariff.one_increment().0 {
        return Err(ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            "insufficient_credits",
            format!(
                "the balance ({} credits) does not cover one billing increment ({} credits)",
                Micros(user.balance).as_credits(),
                tariff.one_increment().as_credits()
            ),
        ));
    }
    let SortedContacts { accepted, rejected } = sort_contacts(&request.contacts, &config)?;
    let now = crate::store::now_ms();
    let due_at = spec
        .schedule
        .start_at
        .map(|t| t.timestamp_millis().max(now))
        .unwrap_or(now);
    let new_batch = NewBatch {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user.id.clone(),
        spec_json: serde_json::to_string(&spec)
            .map_err(|e| ApiError::bad_request(format!("batch cannot be stored: {e}")))?,
        rejected_json: serde_json::to_string(&rejected).unwrap_or_else(|_| "[]".into()),
        total_contacts: request.contacts.len() as i64,
        campaign_id: spec.campaign_id.clone(),
        prompt_id: spec.prompt_id.clone(),
        due_at,
        contacts: accepted,
        idempotency,
        now,
    };
    let (status, row) = match state.store.insert_batch(&new_batch).await? {
        InsertBatch::Created(row) => (StatusCode::CREATED, row),
        InsertBatch::Replayed(row) => (StatusCode::OK, row),
        InsertBatch::KeyReused => return Err(key_reused()),
    };
    tracing::info!(user = %user.id, batch = %row.id, queued = new_batch.contacts.len(), "batch accepted");
    state.wake_scheduler();
    let view = batch_view(&state, &row, Some(&request.contacts)).await?;
    Ok((status, Json(view)))
}

fn key_reused() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
        "this Idempotency-Key was used with a different request body",
    )
}

/// One batch with its counts and progress.
#[utoipa::path(get, path = "/v1/batches/{id}", tag = "batches",
    params(("id" = String, Path, description = "Batch id")), security(("bearer" = [])),
    responses((status = 200, body = BatchView), (status = 404, body = ErrorBody)))]
pub async fn get_batch(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<BatchView>, ApiError> {
    let row = state
        .store
        .batch(&user.id, validate::known_id("batch", &id)?)
        .await?
        .ok_or_else(|| ApiError::not_found("batch"))?;
    Ok(Json(batch_view(&state, &row, None).await?))
}

/// The user's batches, newest first.
#[utoipa::path(get, path = "/v1/batches", tag = "batches", params(BatchQuery), security(("bearer" = [])),
    responses((status = 200, body = BatchPage), (status = 401, body = ErrorBody)))]
pub async fn list_batches(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<BatchQuery>,
) -> Result<Json<BatchPage>, ApiError> {
    let (limit, after) = page_params(query.limit, query.cursor.as_deref())?;
    let rows = state.store.batches(&user.id, limit, after.as_ref()).await?;
    let mut batches = Vec::with_capacity(rows.len());
    for row in &rows {
        batches.push(batch_view(&state, row, None).await?);
    }
    let next_cursor = Cursor::after_page(&rows, limit, |r| (r.created_at, r.id.clone()));
    Ok(Json(BatchPage {
        batches,
        next_cursor,
    }))
}

async fn change_state(
    state: &AppState,
    user_id: &str,
    id: &str,
    from: &[&str],
    to: &str,
) -> Result<Json<BatchView>, ApiError> {
    match state
        .store
        .set_batch_state(
            user_id,
            validate::known_id("batch", id)?,
            from,
            to,
            crate::store::now_ms(),
        )
        .await?
    {
        Ok(Some(row)) => {
            if to == "canceled" {
                if let Some(s) = &state.scheduler {
                    s.process_hangups().await?;
                }
            }
            state.wake_scheduler();
            Ok(Json(batch_view(state, &row, None).await?))
        }
        Ok(None) => Err(ApiError::not_found("batch")),
        Err(current) => Err(ApiError::invalid_state(format!(
            "the batch is {}; only a batch that is {} can be {to}",
            current.state,
            from.join(" or ")
        ))),
    }
}

/// Cancels a batch: queued calls are dropped, calls in flight are hung up.
#[utoipa::path(post, path = "/v1/batches/{id}/cancel", tag = "batches",
    params(("id" = String, Path, description = "Batch id")), security(("bearer" = [])),
    responses((status = 200, body = BatchView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_batch(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<BatchView>, ApiError> {
    change_state(&state, &user.id, &id, &["running", "paused"], "canceled").await
}

/// Pauses a batch: no new call starts; calls in flight finish.
#[utoipa::path(post, path = "/v1/batches/{id}/pause", tag = "batches",
    params(("id" = String, Path, description = "Batch id")), security(("bearer" = [])),
    responses((status = 200, body = BatchView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn pause_batch(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<BatchView>, ApiError> {
    change_state(&state, &user.id, &id, &["running"], "paused").await
}

/// Resumes a paused batch.
#[utoipa::path(post, path = "/v1/batches/{id}/resume", tag = "batches",
    params(("id" = String, Path, description = "Batch id")), security(("bearer" = [])),
    responses((status = 200, body = BatchView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn resume_batch(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<BatchView>, ApiError> {
    change_state(&state, &user.id, &id, &["paused"], "running").await
}
