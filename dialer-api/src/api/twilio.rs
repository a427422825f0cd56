//! `POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json` with `Status=completed`: the
//! Twilio REST call update that pipecat sends to hang up. HTTP Basic auth: the account SID and the
//! per-call token handed to the handler.

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiForm, ApiPath};
use crate::store::HANGUP_BY_HANDLER;
use crate::store::secrets::{constant_time_eq, digest};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Form body of the update.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CallUpdate {
    /// `completed` (or `canceled`) hangs the call up.
    #[serde(rename = "Status")]
    pub status: Option<String>,
}

/// The call after the update, in Twilio's field names.
#[derive(Debug, Serialize, ToSchema)]
pub struct TwilioCall {
    /// Call SID.
    pub sid: String,
    /// Account SID.
    pub account_sid: String,
    /// Trunkline status of the call at the time of the answer.
    pub status: String,
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(B64.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Hangs up a call on the handler's request.
#[utoipa::path(post, path = "/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json", tag = "twilio",
    request_body(content = CallUpdate, content_type = "application/x-www-form-urlencoded"),
    params(("AccountSid" = String, Path, description = "Account SID from the stream's `start`"),
           ("CallSid" = String, Path, description = "Call SID from the stream's `start`")),
    security(("call_token" = [])),
    responses((status = 200, body = TwilioCall), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn hangup(
    State(state): State<AppState>,
    ApiPath((account_sid, call_sid)): ApiPath<(String, String)>,
    headers: HeaderMap,
    ApiForm(update): ApiForm<CallUpdate>,
) -> Result<Json<TwilioCall>, ApiError> {
    let call_sid = call_sid
        .strip_suffix(".json")
        .ok_or_else(|| ApiError::not_found("call"))?;
    let call_sid = super::validate::known_id("call", call_sid)?;
    let (user, token) = basic_credentials(&headers).ok_or_else(|| {
        ApiError::unauthorized(
            "HTTP Basic auth with the account SID and the call token is required",
        )
    })?;
    if user != account_sid {
        return Err(ApiError::unauthorized(
            "the Basic user must be the account SID",
        ));
    }
    let (call, token_hash) = state
        .store
        .call_by_sid(call_sid)
        .await?
        .ok_or_else(|| ApiError::not_found("call"))?;
    let owner = state
        .store
        .user(&call.user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("call"))?;
    if owner.account_sid != account_sid {
        return Err(ApiError::not_found("call"));
    }
    let token_ok = token_hash
        .as_deref()
        .is_some_and(|h| constant_time_eq(h.as_bytes(), digest(&token).as_bytes()));
    if !token_ok {
        return Err(ApiError::unauthorized("wrong call token"));
    }
    match update.status.as_deref() {
        Some("completed" | "canceled") => {}
        _ => {
            return Err(ApiError::validation(
                "Status",
                "only Status=completed (or canceled) is supported: it hangs the call up",
            ));
        }
    }
    if state
        .store
        .request_hangup(&call.id, HANGUP_BY_HANDLER)
        .await?
    {
        if let Some(s) = &state.scheduler {
            s.process_hangups().await?;
        }
    }
    let status = state
        .store
        .call_any_owner(&call.id)
        .await?
        .map(|c| c.status)
        .unwrap_or(call.status);
    Ok(Json(TwilioCall {
        sid: call.sid,
        account_sid,
        status,
    }))
}
