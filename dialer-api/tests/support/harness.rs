//! The service under test: router, store, scripted engine and (optionally) a scheduler, plus
//! request helpers.

use super::db::TestDb;
use super::engine::ScriptedEngine;
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use dialer_api::api::metrics::Metrics;
use dialer_api::api::{ApiPolicy, AppState, router};
use dialer_api::scheduler::{CallEngine, Scheduler, SchedulerSettings};
use dialer_api::store::Store;
use dialer_api::store::secrets::SecretBox;
use dialer_api::webhook::{WebhookSender, WebhookSettings};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

/// AES key of the tests.
pub const SECRET_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// Admin token of the tests.
pub const ADMIN: &str = "admin-token-for-tests-0123456789";

/// A running service.
pub struct App {
    pub router: Router,
    pub store: Store,
    pub engine: Arc<ScriptedEngine>,
    pub scheduler: Option<Scheduler>,
    pub metrics: Arc<Metrics>,
}

/// Test scheduler timing: fast ticks, short leases.
pub fn scheduler_settings() -> SchedulerSettings {
    SchedulerSettings {
        tick: Duration::from_millis(20),
        lease: Duration::from_secs(3),
        ..SchedulerSettings::default()
    }
}

/// Test webhook timing.
pub fn webhook_settings() -> WebhookSettings {
    WebhookSettings {
        max_attempts: 4,
        first_retry: Duration::from_millis(50),
        timeout: Duration::from_secs(5),
    }
}

/// A scheduler over `store` with `engine`.
pub fn scheduler(store: &Store, engine: Arc<ScriptedEngine>, metrics: Arc<Metrics>) -> Scheduler {
    scheduler_with(store, engine, metrics, scheduler_settings())
}

/// A scheduler over `store` with `engine` and its own timing.
pub fn scheduler_with(
    store: &Store,
    engine: Arc<ScriptedEngine>,
    metrics: Arc<Metrics>,
    settings: SchedulerSettings,
) -> Scheduler {
    let engine: Arc<dyn CallEngine> = engine;
    Scheduler::new(
        store.clone(),
        engine,
        SecretBox::from_key_text(SECRET_KEY).expect("key"),
        WebhookSender::new(webhook_settings()),
        metrics,
        settings,
    )
}

/// Builds the service on `db`; with `run_scheduler` the scheduler is started.
pub async fn app_with(
    db: &TestDb,
    engine: Arc<ScriptedEngine>,
    run_scheduler: bool,
    policy: ApiPolicy,
) -> App {
    let store = db.store().await;
    let metrics = Arc::new(Metrics::default());
    let scheduler = if run_scheduler {
        let s = scheduler(&store, Arc::clone(&engine), Arc::clone(&metrics));
        s.start().await.expect("start scheduler");
        Some(s)
    } else {
        None
    };
    let dyn_engine: Arc<dyn CallEngine> = engine.clone();
    let state = AppState::new(
        store.clone(),
        SecretBox::from_key_text(SECRET_KEY).expect("key"),
        Some(ADMIN),
        Some(dyn_engine),
        scheduler.clone(),
        Arc::clone(&metrics),
        policy,
    );
    App {
        router: router(state),
        store,
        engine,
        scheduler,
        metrics,
    }
}

/// The service with private handler URLs allowed (tests use 127.0.0.1 peers).
pub async fn app(db: &TestDb, engine: Arc<ScriptedEngine>, run_scheduler: bool) -> App {
    let policy = ApiPolicy {
        allow_private_handlers: true,
        ..ApiPolicy::default()
    };
    app_with(db, engine, run_scheduler, policy).await
}

/// Sends one request; returns the status and the JSON body (`Null` when empty or not JSON).
pub async fn send(
    router: &Router,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        builder = builder.header("authorization", format!("Bearer {t}"));
    }
    let request = match body {
        Some(b) => builder
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => builder.body(Body::empty()),
    }
    .expect("request");
    let (status, text) = send_raw(router, request).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Sends a prepared request; returns the status and body text.
pub async fn send_raw(router: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("router answers");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// A user's credentials.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub key: String,
    pub account_sid: String,
    pub webhook_secret: String,
}

/// Creates a user and tops it up with `credits` (if positive).
pub async fn user(app: &App, credits: f64) -> User {
    let (status, body) = send(
        &app.router,
        Method::POST,
        "/v1/users",
        Some(ADMIN),
        Some(&json!({"name": "tester"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let user = User {
        id: body["id"].as_str().expect("id").to_owned(),
        key: body["api_key"].as_str().expect("key").to_owned(),
        account_sid: body["account_sid"].as_str().expect("sid").to_owned(),
        webhook_secret: body["webhook_secret"].as_str().expect("secret").to_owned(),
    };
    if credits > 0.0 {
        let (status, body) = send(
            &app.router,
            Method::POST,
            &format!("/v1/users/{}/credits", user.id),
            Some(ADMIN),
            Some(&json!({"amount": credits, "note": "test"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    user
}

/// A valid phone config: 1 credit per minute, 6-second increments.
pub fn phone_config(max_concurrent: u32, max_cps: u32) -> Value {
    json!({
        "proxies": ["sip1.example.com:5060", "sip3.example.com"],
        "transport": "udp",
        "username": "646006395",
        "password": "trunk-password-1",
        "caller_id": "+60123456789",
        "display_name": "Trunkline Test",
        "codecs": ["PCMU", "G729", "GSM"],
        "register": true,
        "max_concurrent_calls": max_concurrent,
        "max_calls_per_second": max_cps,
        "rate_per_minute": 1.0,
        "billing_increment_seconds": 6,
        "allowed_prefixes": ["+60", "+1"]
    })
}

/// Saves a phone config for `user`.
pub async fn save_config(app: &App, user: &User, config: &Value) {
    let (status, body) = send(
        &app.router,
        Method::PUT,
        "/v1/phone-config",
        Some(&user.key),
        Some(config),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// `n` distinct valid Malaysian mobile numbers starting at `first`.
pub fn numbers(first: u32, n: u32) -> Vec<String> {
    (first..first + n)
        .map(|i| format!("+6012{:07}", i))
        .collect()
}

/// A batch body for these numbers.
pub fn batch(numbers: &[String], extra: Value) -> Value {
    let contacts: Vec<Value> = numbers
        .iter()
        .enumerate()
        .map(|(i, p)| json!({"phone": p, "customer_name": format!("Customer {i}"), "params": {"row": i}}))
        .collect();
    let mut body = json!({
        "campaign_id": "camp-1",
        "prompt_id": "prompt-1",
        "handler": {"url": "ws://127.0.0.1:9/stream", "protocol": "twilio"},
        "contacts": contacts,
        "max_duration_seconds": 60
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    body
}

/// Submits a batch; returns its JSON.
pub async fn submit(app: &App, user: &User, body: &Value) -> Value {
    let (status, view) = send(
        &app.router,
        Method::POST,
        "/v1/batches",
        Some(&user.key),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{view}");
    view
}

/// Reads a batch.
pub async fn get_batch(app: &App, user: &User, id: &str) -> Value {
    let (status, view) = send(
        &app.router,
        Method::GET,
        &format!("/v1/batches/{id}"),
        Some(&user.key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    view
}

/// Waits until the batch reaches `state` (panics after `timeout`).
pub async fn wait_batch(app: &App, user: &User, id: &str, state: &str, timeout: Duration) -> Value {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let view = get_batch(app, user, id).await;
        if view["state"] == state {
            return view;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "batch not {state} in time: {view}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Every call of a batch (all attempts).
pub async fn calls_of(app: &App, user: &User, batch_id: &str) -> Vec<Value> {
    let (status, page) = send(
        &app.router,
        Method::GET,
        &format!("/v1/calls?batch_id={batch_id}&limit=500"),
        Some(&user.key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["calls"].as_array().cloned().unwrap_or_default()
}

/// Credits as micro-credits (exact comparisons).
pub fn micros(credits: &Value) -> i64 {
    (credits.as_f64().expect("number") * 1e6).round() as i64
}

/// Polls `check` every 10 ms until it holds; panics with `what` after `timeout`.
pub async fn wait_for(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Checks the credits invariants of a user: the ledger sums to the balance, no entry left the
/// balance negative, and no reservation is outstanding. Returns the balance (micro-credits).
pub async fn check_books(app: &App, user: &User) -> i64 {
    let (status, me) = send(&app.router, Method::GET, "/v1/me", Some(&user.key), None).await;
    assert_eq!(status, StatusCode::OK);
    let balance = micros(&me["balance"]);
    assert_eq!(
        app.store.ledger_sum(&user.id).await.expect("ledger"),
        balance,
        "ledger != balance"
    );
    let ledger = app.store.ledger(&user.id).await.expect("ledger");
    assert!(
        ledger.iter().all(|e| e.balance_after >= 0),
        "a balance went negative"
    );
    // Listed oldest first, each entry starts from the balance the previous one left.
    let mut running = 0;
    for e in &ledger {
        running += e.amount;
        assert_eq!(e.balance_after, running, "ledger out of order at {e:?}");
    }
    let reserves = ledger.iter().filter(|e| e.kind == "reserve").count();
    let settles = ledger.iter().filter(|e| e.kind == "settle").count();
    assert_eq!(reserves, settles, "a reservation was never settled");
    balance
}
