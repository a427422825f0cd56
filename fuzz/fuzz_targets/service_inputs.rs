//! Client inputs of the batch dialing service, through the real router on a SQLite store: phone
//! config bodies, batch bodies, contact CSV files submitted as batches, calling windows and the
//! call-log and batch-list query strings (limits, cursors, filters), and path ids of the batch,
//! call and Twilio hang-up routes. The first byte picks the input kind. None may panic, none may
//! produce a 5xx, every refusal is the API's `{"error":{"code","message"}}` shape, and an
//! accepted batch accounts for every contact it was given.
#![no_main]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use dialer_api::api::client::contacts_from_csv;
use dialer_api::api::metrics::Metrics;
use dialer_api::api::{ApiPolicy, AppState, router};
use dialer_api::scheduler::model::CallingWindow;
use dialer_api::scheduler::window::ParsedWindow;
use dialer_api::store::Store;
use dialer_api::store::secrets::SecretBox;
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

const ADMIN: &str = "admin-token-for-the-fuzzer-0123";
const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/// The service, built once per fuzzing process.
struct Service {
    runtime: tokio::runtime::Runtime,
    router: Router,
    /// A user whose phone config the fuzzer rewrites.
    config_user: String,
    /// A user with a fixed phone config (`+60` only) and plenty of credits, for batches.
    batch_user: String,
}

/// Checks that a refusal is in the API's error shape.
fn check_error_shape(status: StatusCode, body: &Value) {
    if status.is_client_error() || status.is_server_error() {
        assert!(
            body["error"]["code"].as_str().is_some_and(|c| !c.is_empty())
                && body["error"]["message"].is_string(),
            "{status} without the error shape: {body}"
        );
    }
}

fn send(service: &Service, request: Request<Body>) -> (StatusCode, Value) {
    service.runtime.block_on(async {
        let response = service
            .router
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|e| match e {});
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        check_error_shape(status, &body);
        (status, body)
    })
}

fn request(method: Method, uri: &str, token: &str, body: Vec<u8>) -> Option<Request<Body>> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(body))
        .ok()
}

fn setup() -> Service {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let dir = std::env::temp_dir().join(format!("trunkline-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let url = format!("sqlite://{}", dir.join("service_inputs.db").display());
    let store = runtime.block_on(Store::open(&url)).expect("open the store");
    let state = AppState::new(
        store,
        SecretBox::from_key_text(KEY).expect("key"),
        Some(ADMIN),
        None,
        None,
        Arc::new(Metrics::default()),
        // Private handlers allowed: no DNS look-ups for fuzzed host names.
        ApiPolicy {
            allow_private_handlers: true,
            ..ApiPolicy::default()
        },
    );
    let mut service = Service {
        runtime,
        router: router(state),
        config_user: String::new(),
        batch_user: String::new(),
    };
    let mut keys = Vec::new();
    for _ in 0..2 {
        let create = request(Method::POST, "/v1/users", ADMIN, b"{}".to_vec()).expect("request");
        let (status, user) = send(&service, create);
        assert_eq!(status, StatusCode::CREATED, "{user}");
        let id = user["id"].as_str().expect("user id");
        let top_up = json!({"amount": 1e9, "note": "fuzz"})
            .to_string()
            .into_bytes();
        let uri = format!("/v1/users/{id}/credits");
        let (status, body) = send(
            &service,
            request(Method::POST, &uri, ADMIN, top_up).expect("request"),
        );
        assert_eq!(status, StatusCode::OK, "{body}");
        let key = user["api_key"].as_str().expect("api key").to_owned();
        let config = json!({
            "proxies": ["sip1.example.com"], "username": "u", "password": "p", "register": false,
            "caller_id": "+60123456789", "rate_per_minute": 1.0, "allowed_prefixes": ["+60"],
            "max_concurrent_calls": 1, "max_calls_per_second": 1
        });
        let put = request(
            Method::PUT,
            "/v1/phone-config",
            &key,
            config.to_string().into_bytes(),
        );
        let (status, body) = send(&service, put.expect("request"));
        assert_eq!(status, StatusCode::OK, "{body}");
        keys.push(key);
    }
    service.batch_user = keys.pop().expect("two users");
    service.config_user = keys.pop().expect("two users");
    service
}

fn service() -> &'static Service {
    static SERVICE: OnceLock<Service> = OnceLock::new();
    SERVICE.get_or_init(setup)
}

/// A valid batch around the given contacts and schedule.
fn batch_body(contacts: Value, schedule: Value) -> Vec<u8> {
    json!({
        "campaign_id": "c", "prompt_id": "p",
        "handler": {"url": "ws://127.0.0.1:9000/stream"},
        "contacts": contacts, "schedule": schedule
    })
    .to_string()
    .into_bytes()
}

/// Posts a batch; checks the status class and that an accepted batch accounts for every contact.
fn submit(service: &Service, body: Vec<u8>) -> StatusCode {
    let sent: Option<usize> = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["contacts"].as_array().map(Vec::len));
    let Some(post) = request(Method::POST, "/v1/batches", &service.batch_user, body) else {
        return StatusCode::BAD_REQUEST;
    };
    let (status, view) = send(service, post);
    assert!(
        matches!(status.as_u16(), 201 | 400 | 422),
        "batch answered {status}: {view}"
    );
    if status == StatusCode::CREATED {
        let total = view["total_contacts"].as_i64().expect("total_contacts");
        let accepted = view["accepted"].as_i64().expect("accepted");
        let rejected = view["rejected"].as_array().expect("rejected").len() as i64;
        assert_eq!(Some(total as usize), sent, "{view}");
        assert_eq!(accepted + rejected, total, "{view}");
        for contact in view["contacts"].as_array().expect("contacts") {
            if contact["accepted"] == Value::Bool(true) {
                let phone = contact["phone"].as_str().expect("phone");
                assert!(
                    phone.starts_with("+60") && phone[1..].bytes().all(|b| b.is_ascii_digit()),
                    "accepted {phone}"
                );
            }
        }
    }
    status
}

fn phone_config(service: &Service, body: &[u8]) {
    let Some(put) = request(
        Method::PUT,
        "/v1/phone-config",
        &service.config_user,
        body.to_vec(),
    ) else {
        return;
    };
    let (status, view) = send(service, put);
    assert!(
        matches!(status.as_u16(), 200 | 400 | 422),
        "phone config answered {status}: {view}"
    );
    assert!(view.get("password").is_none(), "password returned: {view}");
}

fn csv(service: &Service, body: &[u8]) {
    let Ok(contacts) = contacts_from_csv(body) else {
        return;
    };
    if contacts.is_empty() {
        return;
    }
    let contacts = serde_json::to_value(&contacts).expect("contacts serialise");
    let status = submit(service, batch_body(contacts, Value::Null));
    assert!(
        matches!(status.as_u16(), 201 | 422),
        "CSV batch answered {status}"
    );
}

fn window(service: &Service, text: &str) {
    let mut parts = text.splitn(3, '\n');
    let window = CallingWindow {
        days: Vec::new(),
        from: parts.next().unwrap_or_default().to_owned(),
        to: parts.next().unwrap_or_default().to_owned(),
        time_zone: parts.next().unwrap_or_default().to_owned(),
    };
    let parsed = ParsedWindow::parse(&window);
    if let Ok(parsed) = &parsed {
        for seconds in [0, 1_790_000_000, 1_790_040_000, 4_000_000_000] {
            let at = chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_default();
            let _ = parsed.is_open(at);
        }
    }
    let schedule = json!({"window": window});
    let status = submit(
        service,
        batch_body(json!([{"phone": "+60123456789"}]), schedule),
    );
    assert_eq!(
        status == StatusCode::CREATED,
        parsed.is_ok(),
        "the API and ParsedWindow disagree on {window:?}: {status}"
    );
}

fn queries(service: &Service, text: &str) {
    for path in ["/v1/calls", "/v1/batches"] {
        let Some(get) = request(
            Method::GET,
            &format!("{path}?{text}"),
            &service.batch_user,
            Vec::new(),
        ) else {
            return;
        };
        let (status, body) = send(service, get);
        assert!(
            matches!(status.as_u16(), 200 | 400 | 422),
            "GET {path}?{text} answered {status}: {body}"
        );
    }
}

/// Fuzzed text as a path id (percent-encoded byte by byte, so any byte reaches the router).
fn path_ids(service: &Service, raw: &[u8]) {
    let id: String = raw.iter().map(|b| format!("%{b:02X}")).collect();
    for (method, path) in [
        (Method::GET, format!("/v1/batches/{id}")),
        (Method::POST, format!("/v1/batches/{id}/pause")),
        (Method::GET, format!("/v1/calls/{id}")),
    ] {
        let Some(request) = request(method, &path, &service.batch_user, Vec::new()) else {
            return;
        };
        let (status, body) = send(service, request);
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let hangup = format!("/2010-04-01/Accounts/AC1/Calls/{id}.json");
    let Ok(request) = Request::post(&hangup)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("Status=completed"))
    else {
        return;
    };
    let (status, body) = send(service, request);
    assert!(
        matches!(status.as_u16(), 401 | 404),
        "{hangup} answered {status}: {body}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let service = service();
    match kind % 6 {
        0 => phone_config(service, rest),
        1 => {
            submit(service, rest.to_vec());
        }
        2 => csv(service, rest),
        3 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                window(service, text);
            }
        }
        4 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                queries(service, text);
            }
        }
        _ => path_ids(service, rest),
    }
});
