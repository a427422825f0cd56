//! The trunk password never appears in a response or a log line (all tracing output captured at
//! TRACE level while a user saves, reads and re-saves a trunk, submits a batch and gets called).

mod support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::db;
use support::engine::{Script, ScriptedEngine};
use support::harness::*;

const PASSWORD: &str = "Zq-unique-trunk-secret-4417";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_password_never_appears_in_responses_or_logs() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();
    for db in db::all().await {
        let engine = ScriptedEngine::new(Script::Answer {
            ring_ms: 5,
            talk_ms: 20,
        });
        let app = app(&db, Arc::clone(&engine), true).await;
        let u = user(&app, 10.0).await;
        let mut responses = Vec::new();
        let mut config = phone_config(2, 10);
        config["password"] = json!(PASSWORD);
        let mut bad = config.clone();
        bad["proxies"] = json!(["not a host"]);
        for (method, path, body) in [
            (Method::PUT, "/v1/phone-config", Some(bad)),
            (Method::PUT, "/v1/phone-config", Some(config.clone())),
            (Method::GET, "/v1/phone-config", None),
        ] {
            let (s, b) = send(&app.router, method, path, Some(&u.key), body.as_ref()).await;
            assert!(
                s == StatusCode::OK || s == StatusCode::UNPROCESSABLE_ENTITY,
                "{b}"
            );
            responses.push(b.to_string());
        }
        config.as_object_mut().unwrap().remove("password");
        config["username"] = json!("rejected");
        let (_, b) = send(
            &app.router,
            Method::PUT,
            "/v1/phone-config",
            Some(&u.key),
            Some(&config),
        )
        .await;
        responses.push(b.to_string());
        let view = submit(&app, &u, &batch(&numbers(0, 2), json!({}))).await;
        responses.push(view.to_string());
        let id = view["id"].as_str().unwrap();
        let done = wait_batch(&app, &u, id, "completed", Duration::from_secs(10)).await;
        responses.push(done.to_string());
        let (_, calls) = send(&app.router, Method::GET, "/v1/calls", Some(&u.key), None).await;
        responses.push(calls.to_string());
        let (_, health) = send(&app.router, Method::GET, "/health", None, None).await;
        responses.push(health.to_string());
        let dial = &engine.dials()[0];
        assert_eq!(
            dial.trunk.password, PASSWORD,
            "the engine gets the password"
        );
        responses.push(format!("{:?}", dial.trunk));
        for r in &responses {
            assert!(!r.contains(PASSWORD), "password in a response: {r}");
        }
        let stored = app.store.phone_config(&u.id).await.unwrap().unwrap();
        assert!(!stored.password_enc.contains(PASSWORD) && !stored.config_json.contains(PASSWORD));
    }
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("phone config saved"), "logging was captured");
    assert!(logs.contains("batch accepted"));
    assert!(!logs.contains(PASSWORD), "the password reached the log");
}
