//! `/openapi.json` describes every route the router serves, and every route the issue names.

mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::Value;
use support::db;
use support::engine::{Script, ScriptedEngine};
use support::harness::*;

#[tokio::test]
async fn every_route_is_described_and_every_description_is_served() {
    let db = db::sqlite();
    let app = app(&db, ScriptedEngine::new(Script::Busy { ring_ms: 1 }), false).await;
    let (status, text) = send_raw(
        &app.router,
        Request::get("/openapi.json").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        doc,
        serde_json::to_value(dialer_api::api::openapi()).unwrap()
    );
    let paths = doc["paths"].as_object().unwrap();
    let mut described = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            described.push((method.to_uppercase(), path.clone()));
            let concrete = path
                .replace("{id}", "00000000-0000-0000-0000-000000000000")
                .replace("{AccountSid}", "ACx")
                .replace("{CallSid}", "CAx");
            let request = Request::builder()
                .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
                .uri(&concrete)
                .body(Body::empty())
                .unwrap();
            let (status, body) = send_raw(&app.router, request).await;
            let code = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| v["error"]["code"].as_str().map(str::to_owned));
            assert!(
                status != StatusCode::METHOD_NOT_ALLOWED
                    && code.as_deref() != Some("route_not_found"),
                "{method} {path} is described but not served ({status}: {body})"
            );
            let op = &item[method];
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} has no responses"
            );
        }
    }
    let expected = [
        ("POST", "/v1/users"),
        ("POST", "/v1/users/{id}/credits"),
        ("GET", "/v1/me"),
        ("GET", "/v1/ledger"),
        ("PUT", "/v1/phone-config"),
        ("GET", "/v1/phone-config"),
        ("POST", "/v1/batches"),
        ("GET", "/v1/batches"),
        ("GET", "/v1/batches/{id}"),
        ("POST", "/v1/batches/{id}/cancel"),
        ("POST", "/v1/batches/{id}/pause"),
        ("POST", "/v1/batches/{id}/resume"),
        ("GET", "/v1/calls"),
        ("GET", "/v1/calls/{id}"),
        (
            "POST",
            "/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json",
        ),
        ("GET", "/health"),
        ("GET", "/metrics"),
        ("GET", "/openapi.json"),
    ];
    let mut expected: Vec<(String, String)> = expected
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    expected.sort();
    described.sort();
    assert_eq!(described, expected);
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "BatchRequest",
        "BatchView",
        "PhoneConfigInput",
        "PhoneConfigView",
        "CallView",
        "CallPage",
        "ErrorBody",
        "Health",
    ] {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
    let security = doc["components"]["securitySchemes"].as_object().unwrap();
    assert!(security.contains_key("bearer") && security.contains_key("call_token"));
}
