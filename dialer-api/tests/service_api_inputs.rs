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

/// Sends a prepared request and parses the JSON error body (`Null` when it is not JSON).
async fn send_json(r: &axum::Router, request: Request<Body>) -> (StatusCode, Value) {
    let (s, text) = send_raw(r, request).await;
    (s, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// axum's own rejections (query, path, form, body limit, method) come back in the API's JSON
/// shape with a stable code and the parameter named.
#[tokio::test]
async fn extractor_rejections_are_json_errors() {
    let db = db::sqlite();
    let app = app(&db, engine(), false).await;
    let r = &app.router;
    let u = user(&app, 5.0).await;
    for path in [
        "/v1/calls?limit=abc",
        "/v1/calls?limit=1e99",
        "/v1/batches?limit=abc",
        "/v1/batches?limit=99999999999999999999",
        "/v1/calls?limit=5&limit=6",
    ] {
        let (s, body) = send(r, Method::GET, path, Some(&u.key), None).await;
        expect_error(
            s,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            path,
        );
        assert_eq!(body["error"]["field"], "limit", "{path}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("limit"),
            "{body}"
        );
    }
    // A path id that is not UTF-8 once percent-decoded names nothing.
    for path in [
        "/v1/batches/%FF",
        "/v1/calls/%C3%28",
        "/v1/batches/%FF/pause",
    ] {
        let method = if path.ends_with("pause") {
            Method::POST
        } else {
            Method::GET
        };
        let (s, body) = send(r, method, path, Some(&u.key), None).await;
        expect_error(s, &body, StatusCode::NOT_FOUND, "not_found", path);
        assert_eq!(body["error"]["field"], "id", "{path}: {body}");
    }
    // The Twilio hang-up route takes a form body only.
    let twilio = format!("/2010-04-01/Accounts/{}/Calls/CA1.json", u.account_sid);
    for content_type in [None, Some("application/json"), Some("text/plain")] {
        let mut request = Request::post(&twilio);
        if let Some(t) = content_type {
            request = request.header("content-type", t);
        }
        let request = request.body(Body::from("Status=completed")).unwrap();
        let (s, body) = send_json(r, request).await;
        expect_error(
            s,
            &body,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            &format!("{content_type:?}"),
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("application/x-www-form-urlencoded"),
            "{body}"
        );
    }
    // Bodies over 16 MiB.
    let huge = vec![b' '; 16 * 1024 * 1024 + 1];
    for (method, path, token) in [
        (Method::POST, "/v1/batches".to_owned(), u.key.as_str()),
        (Method::PUT, "/v1/phone-config".to_owned(), u.key.as_str()),
        (Method::POST, format!("/v1/users/{}/credits", u.id), ADMIN),
    ] {
        let request = Request::builder()
            .method(method)
            .uri(&path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from(huge.clone()))
            .unwrap();
        let (s, body) = send_json(r, request).await;
        expect_error(
            s,
            &body,
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            &path,
        );
    }
    // Invalid JSON is a 400 in the same shape; a missing Content-Type is fine (curl -d).
    for text in ["{oops", "", "[1,2]", "{\"proxies\": [\"a\"]} trailing"] {
        let request = Request::put("/v1/phone-config")
            .header("authorization", format!("Bearer {}", u.key))
            .header("content-type", "application/json")
            .body(Body::from(text))
            .unwrap();
        let (s, body) = send_json(r, request).await;
        expect_error(s, &body, StatusCode::BAD_REQUEST, "bad_request", text);
    }
    let request = Request::put("/v1/phone-config")
        .header("authorization", format!("Bearer {}", u.key))
        .body(Body::from(phone_config(1, 1).to_string()))
        .unwrap();
    let (s, body) = send_json(r, request).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = send(r, Method::PATCH, "/v1/batches", Some(&u.key), None).await;
    expect_error(
        s,
        &body,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "PATCH",
    );
}

/// Values of the wrong type or unknown enum values name the field path.
#[tokio::test]
async fn wrongly_typed_fields_are_named() {
    let db = db::sqlite();
    let app = app(&db, engine(), false).await;
    let r = &app.router;
    let u = user(&app, 5.0).await;
    for (key, value, field) in [
        ("max_concurrent_calls", json!("3"), "max_concurrent_calls"),
        ("codecs", json!(["PCMU", "OPUS"]), "codecs[1]"),
        ("transport", json!("tcp"), "transport"),
        ("register", json!("yes"), "register"),
        ("proxies", json!("sip1.example.com"), "proxies"),
        ("rate_per_minute", json!(null), "rate_per_minute"),
    ] {
        let mut config = phone_config(1, 1);
        config[key] = value;
        let (s, body) = send(
            r,
            Method::PUT,
            "/v1/phone-config",
            Some(&u.key),
            Some(&config),
        )
        .await;
        expect_error(
            s,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            key,
        );
        assert_eq!(body["error"]["field"], field, "{body}");
    }
    save_config(&app, &u, &phone_config(1, 1)).await;
    let nums = numbers(0, 5);
    for (patch, field) in [
        (
            json!({"contacts": [{"phone": nums[0]}, {"phone": nums[1]}, {"phone": nums[2]}, {"phone": 60123}]}),
            "contacts[3].phone",
        ),
        (
            json!({"contacts": [{"phone": nums[0]}, {"customer_name": "no phone"}]}),
            "contacts[1].phone",
        ),
        (
            json!({"contacts": [{"phone": nums[0], "nmae": "typo"}]}),
            "contacts[0].nmae",
        ),
        (
            json!({"handler": {"url": "ws://127.0.0.1:9/s", "protocol": "sip"}}),
            "handler.protocol",
        ),
        (json!({"retry": {"on": ["busy", "bored"]}}), "retry.on[1]"),
        (json!({"max_duration_seconds": -5}), "max_duration_seconds"),
    ] {
        let body = batch(&nums, patch);
        let (s, b) = send(r, Method::POST, "/v1/batches", Some(&u.key), Some(&body)).await;
        expect_error(
            s,
            &b,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            field,
        );
        assert_eq!(b["error"]["field"], field, "{b}");
    }
}

/// The API accepts the trunk settings `check-config` and the SIP stack accept, and refuses the
/// rest by field: the engine never meets a trunk it cannot register.
#[tokio::test]
async fn phone_config_matches_the_config_parsers_and_the_sip_stack() {
    let db = db::sqlite();
    let app = app(&db, engine(), false).await;
    let r = &app.router;
    let u = user(&app, 5.0).await;
    for (key, value, field) in [
        ("proxies", json!(["a..b"]), "proxies[0]"),
        ("proxies", json!(["-x.com"]), "proxies[0]"),
        (
            "proxies",
            json!(["sip1.example.com", "sip:x.example.com"]),
            "proxies[1]",
        ),
        ("proxies", json!(["2001:db8::1"]), "proxies[0]"),
        ("domain", json!("a..b"), "domain"),
        ("username", json!("646 006395"), "username"),
        ("username", json!("user@example.com"), "username"),
        (
            "display_name",
            json!("Trunkline\r\nX-Evil: 1"),
            "display_name",
        ),
        ("caller_id", json!("60123456789"), "caller_id"),
        ("codecs", json!(["PCMU", "GSM", "PCMU"]), "codecs[2]"),
    ] {
        let mut config = phone_config(1, 1);
        config[key] = value.clone();
        let (s, body) = send(
            r,
            Method::PUT,
            "/v1/phone-config",
            Some(&u.key),
            Some(&config),
        )
        .await;
        expect_error(
            s,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            &format!("{key}={value}"),
        );
        assert_eq!(body["error"]["field"], field, "{key}={value}: {body}");
    }
    // Accepted: bracketed IPv6 with a port, a formatted caller ID (stored in E.164).
    let mut config = phone_config(1, 1);
    config["proxies"] = json!(["[2001:db8::1]:5062", "sip3.example.com."]);
    config["caller_id"] = json!("+60 12-345 6789");
    let (s, body) = send(
        r,
        Method::PUT,
        "/v1/phone-config",
        Some(&u.key),
        Some(&config),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["caller_id"], "+60123456789");
    assert_eq!(body["proxies"][0], "[2001:db8::1]:5062");
    let trunk = app.engine.trunk(&u.id).expect("trunk applied");
    assert_eq!(trunk.caller_id, "+60123456789");
    // The same proxy text is what check-config's parser takes.
    for accepted in ["[2001:db8::1]:5062", "sip3.example.com."] {
        assert!(dialer_api::config::ProxyAddr::parse(accepted).is_ok());
    }
}
