//! Hostile request inputs on SQLite and PostgreSQL: ids and cursors with control characters,
//! extractor rejections, wrongly typed fields. Every answer is the API's JSON error shape with
//! a stable code, never a 5xx.

mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use base64::Engine;
use serde_json::{Value, json};
use support::db;
use support::engine::{Script, ScriptedEngine};
use support::harness::*;

fn engine() -> std::sync::Arc<ScriptedEngine> {
    ScriptedEngine::new(Script::Answer {
        ring_ms: 10,
        talk_ms: 50,
    })
}

/// Asserts the status and the `{"error":{"code","message"}}` shape with this code.
fn expect_error(status: StatusCode, body: &Value, want: StatusCode, code: &str, what: &str) {
    assert_eq!(status, want, "{what}: {body}");
    assert_eq!(body["error"]["code"], code, "{what}: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{what}: {body}"
    );
}

/// PostgreSQL refuses NUL in a text parameter: an id, filter or cursor holding one was a 500
/// there. Every one is now refused before the store sees it, on both backends.
#[tokio::test]
async fn control_characters_in_ids_and_cursors_are_refused() {
    for db in db::all().await {
        let app = app(&db, engine(), false).await;
        let r = &app.router;
        let u = user(&app, 5.0).await;
        save_config(&app, &u, &phone_config(2, 1)).await;
        let b = submit(&app, &u, &batch(&numbers(0, 2), json!({}))).await;
        let batch_id = b["id"].as_str().unwrap().to_owned();
        let backend = db.backend;
        for bad in ["%00", "a%00b", "%0A", "%1F", "x%7F"] {
            for (method, path) in [
                (Method::GET, format!("/v1/batches/{bad}")),
                (Method::POST, format!("/v1/batches/{bad}/cancel")),
                (Method::POST, format!("/v1/batches/{bad}/pause")),
                (Method::POST, format!("/v1/batches/{bad}/resume")),
                (Method::GET, format!("/v1/calls/{bad}")),
            ] {
                let (s, body) = send(r, method.clone(), &path, Some(&u.key), None).await;
                let what = format!("{backend} {method} {path}");
                expect_error(s, &body, StatusCode::NOT_FOUND, "not_found", &what);
            }
            let path = format!("/v1/users/{bad}/credits");
            let (s, body) = send(
                r,
                Method::POST,
                &path,
                Some(ADMIN),
                Some(&json!({"amount": 1})),
            )
            .await;
            expect_error(s, &body, StatusCode::NOT_FOUND, "not_found", &path);

            let path = format!("/v1/calls?batch_id={bad}");
            let (s, body) = send(r, Method::GET, &path, Some(&u.key), None).await;
            expect_error(
                s,
                &body,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                &path,
            );
            assert_eq!(body["error"]["field"], "batch_id", "{path}: {body}");

            // The Twilio hang-up route looks the SID up before it checks the token.
            let path = format!("/2010-04-01/Accounts/{}/Calls/{bad}.json", u.account_sid);
            let basic = base64::engine::general_purpose::STANDARD
                .encode(format!("{}:whatever", u.account_sid));
            let request = Request::post(&path)
                .header("authorization", format!("Basic {basic}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from("Status=completed"))
                .unwrap();
            let (s, text) = send_raw(r, request).await;
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            expect_error(s, &body, StatusCode::NOT_FOUND, "not_found", &path);
        }
        // Cursors whose id holds a control character.
        for id in ["\u{0}", "abc\u{0}", "a\nb", "\u{1b}[0m"] {
            let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(format!("1700000000000:{id}"));
            for list in ["/v1/calls", "/v1/batches"] {
                let path = format!("{list}?cursor={cursor}");
                let (s, body) = send(r, Method::GET, &path, Some(&u.key), None).await;
                expect_error(
                    s,
                    &body,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    &format!("{backend} {path}"),
                );
                assert_eq!(body["error"]["field"], "cursor", "{path}: {body}");
            }
        }
        // Real ids still work after all that.
        assert_eq!(get_batch(&app, &u, &batch_id).await["state"], "running");
        assert_eq!(calls_of(&app, &u, &batch_id).await.len(), 2);
    }
}
