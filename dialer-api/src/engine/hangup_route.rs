//! The Twilio REST call update that pipecat sends to hang up, for one call
//! placed by `trunkline call --http ADDR`:
//! `POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json` with
//! `Status=completed` ends that call with `hangup_by = handler`.
//! (`trunkline serve` has its own route, checked against the call log.)

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::Engine;
use crate::scheduler::HangupBy;

/// The one call the route may hang up.
#[derive(Debug, Clone)]
pub struct HangupTarget {
    /// The engine placing it.
    pub engine: Engine,
    /// Its key in the engine.
    pub key: String,
    /// The account SID given to the handler.
    pub account_sid: String,
    /// The call SID given to the handler.
    pub call_sid: String,
}

#[derive(Debug, Deserialize)]
struct CallUpdate {
    #[serde(rename = "Status")]
    status: Option<String>,
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"status": status.as_u16(), "message": message})),
    )
        .into_response()
}

async fn update(
    State(target): State<HangupTarget>,
    Path((account_sid, call)): Path<(String, String)>,
    Form(update): Form<CallUpdate>,
) -> Response {
    let call_sid = call.strip_suffix(".json").unwrap_or(&call);
    if account_sid != target.account_sid || call_sid != target.call_sid {
        return error(StatusCode::NOT_FOUND, "no such call");
    }
    match update.status.as_deref() {
        Some("completed" | "canceled") => {}
        _ => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "only Status=completed (or canceled) is supported: it hangs the call up",
            );
        }
    }
    // A call that already ended is completed all the same.
    target.engine.hangup(&target.key, HangupBy::Handler);
    Json(json!({
        "sid": target.call_sid,
        "account_sid": target.account_sid,
        "status": "completed",
    }))
    .into_response()
}

/// The router with the one route.
pub fn hangup_router(target: HangupTarget) -> Router {
    Router::new()
        .route(
            "/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}",
            post(update),
        )
        .with_state(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineSettings;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    async fn post(router: Router, path: &str, body: &'static str) -> (StatusCode, String) {
        let request = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[tokio::test]
    async fn only_this_calls_sids_and_status_completed() {
        let settings = EngineSettings {
            sip_bind: "127.0.0.1:0".parse().unwrap(),
            ..EngineSettings::default()
        };
        let engine = Engine::start(settings).await.unwrap();
        let router = hangup_router(HangupTarget {
            engine: engine.clone(),
            key: "k".into(),
            account_sid: "AC1".into(),
            call_sid: "CA1".into(),
        });
        let ok = "/2010-04-01/Accounts/AC1/Calls/CA1.json";
        let (status, body) = post(router.clone(), ok, "Status=completed").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            body,
            r#"{"account_sid":"AC1","sid":"CA1","status":"completed"}"#
        );
        let (status, _) = post(
            router.clone(),
            "/2010-04-01/Accounts/AC2/Calls/CA1.json",
            "Status=completed",
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = post(
            router.clone(),
            "/2010-04-01/Accounts/AC1/Calls/CA2.json",
            "Status=completed",
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body) = post(router, ok, "Status=in-progress").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("only Status=completed"), "{body}");
        engine.shutdown().await;
    }
}
