//! The Twilio-compatible hang-up route and signed, retried webhooks, on SQLite and PostgreSQL.

mod support;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::db;
use support::engine::{Script, ScriptedEngine};
use support::harness::*;

type Received = Arc<Mutex<Vec<(String, String, Instant)>>>;

/// Deliveries the receiver refuses (500) before it accepts any.
const REFUSED: usize = 3;

/// A webhook receiver on 127.0.0.1 that refuses its first [`REFUSED`] deliveries with 500 and
/// notes when each arrived.
async fn receiver() -> (String, Received) {
    let received: Received = Arc::default();
    async fn hook(State(r): State<Received>, headers: HeaderMap, body: String) -> StatusCode {
        let signature = headers
            .get("x-trunkline-signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let mut list = r.lock().unwrap();
        list.push((signature, body, Instant::now()));
        if list.len() <= REFUSED {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::NO_CONTENT
        }
    }
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(Arc::clone(&received));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), received)
}

fn basic(user: &str, password: &str) -> String {
    let raw = format!("{user}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

fn hangup_request(account: &str, sid: &str, auth: Option<String>, form: &str) -> Request<Body> {
    let mut builder = Request::post(format!("/2010-04-01/Accounts/{account}/Calls/{sid}.json"))
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(a) = auth {
        builder = builder.header("authorization", a);
    }
    builder.body(Body::from(form.to_owned())).unwrap()
}

#[tokio::test]
async fn handler_hangs_up_and_webhooks_are_signed_and_retried() {
    for db in db::all().await {
        let engine = ScriptedEngine::new(Script::Hold { ring_ms: 5 });
        let app = app(&db, Arc::clone(&engine), true).await;
        let u = user(&app, 10.0).await;
        let other = user(&app, 10.0).await;
        save_config(&app, &u, &phone_config(2, 10)).await;
        let (url, received) = receiver().await;
        let b = submit(
            &app,
            &u,
            &batch(&numbers(0, 1), json!({"webhook_url": url})),
        )
        .await;
        let id = b["id"].as_str().unwrap().to_owned();
        wait_for("call dialed", Duration::from_secs(10), || {
            engine.active() == 1
        })
        .await;
        let dial = engine.dials()[0].clone();
        loop {
            let calls = calls_of(&app, &u, &id).await;
            if calls[0]["status"] == "in_progress" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let r = &app.router;
        let (acct, sid, token) = (&dial.account_sid, &dial.call_sid, &dial.hangup_token);
        let form = "Status=completed";
        let (s, _) = send_raw(r, hangup_request(acct, sid, None, form)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = send_raw(
            r,
            hangup_request(acct, sid, Some(basic(acct, "wrong")), form),
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = send_raw(
            r,
            hangup_request(acct, sid, Some(basic(&other.account_sid, token)), form),
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = send_raw(
            r,
            hangup_request(
                &other.account_sid,
                sid,
                Some(basic(&other.account_sid, token)),
                form,
            ),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = send_raw(
            r,
            hangup_request(acct, "CAnope", Some(basic(acct, token)), form),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, body) = send_raw(
            r,
            hangup_request(acct, sid, Some(basic(acct, token)), "Status=in-progress"),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(engine.active(), 1, "nothing hung up yet");
        let (s, body) =
            send_raw(r, hangup_request(acct, sid, Some(basic(acct, token)), form)).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let answer: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(answer["sid"], sid.as_str());
        let done = wait_batch(&app, &u, &id, "completed", Duration::from_secs(10)).await;
        assert_eq!(done["counts"]["completed"], 1);
        let call = &calls_of(&app, &u, &id).await[0];
        assert_eq!(call["hangup_by"], "handler");

        wait_for("final webhook", Duration::from_secs(10), || {
            received
                .lock()
                .unwrap()
                .iter()
                .any(|(_, b, _)| b.contains("\"status\":\"completed\""))
        })
        .await;
        let deliveries = received.lock().unwrap().clone();
        let mut statuses: Vec<String> = Vec::new();
        for (signature, body, _) in &deliveries {
            let mut mac = Hmac::<Sha256>::new_from_slice(u.webhook_secret.as_bytes()).unwrap();
            mac.update(body.as_bytes());
            let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
            assert_eq!(signature, &expected, "bad signature on {body}");
            let event: Value = serde_json::from_str(body).unwrap();
            assert_eq!(event["call"]["id"], call["id"]);
            let status = event["status"].as_str().unwrap().to_owned();
            if statuses.last() != Some(&status) {
                statuses.push(status);
            }
        }
        assert_eq!(
            statuses,
            ["dialing", "ringing", "in_progress", "completed"],
            "{}",
            db.backend
        );
        assert!(
            deliveries.len() > statuses.len(),
            "the refused first delivery was retried"
        );
        // The first event, refused REFUSED times, arrived REFUSED + 1 times, and the waits grew:
        // at least first_retry, then twice, then four times that (a constant delay fails).
        let first: Vec<_> = deliveries[..=REFUSED].iter().collect();
        assert!(first.iter().all(|d| d.1 == deliveries[0].1));
        let gaps: Vec<Duration> = first.windows(2).map(|w| w[1].2 - w[0].2).collect();
        eprintln!("{}: webhook retry gaps {gaps:?}", db.backend);
        let mut expected = webhook_settings().first_retry;
        for gap in &gaps {
            assert!(
                *gap >= expected,
                "gaps {gaps:?}: one shorter than {expected:?}"
            );
            expected *= 2;
        }
    }
}

#[tokio::test]
async fn hanging_up_a_finished_call_changes_nothing() {
    for db in db::all().await {
        let engine = ScriptedEngine::new(Script::Answer {
            ring_ms: 1,
            talk_ms: 20,
        });
        let app = app(&db, Arc::clone(&engine), true).await;
        let u = user(&app, 10.0).await;
        save_config(&app, &u, &phone_config(2, 10)).await;
        let b = submit(&app, &u, &batch(&numbers(0, 1), json!({}))).await;
        let id = b["id"].as_str().unwrap();
        wait_batch(&app, &u, id, "completed", Duration::from_secs(10)).await;
        let dial = engine.dials()[0].clone();
        let (s, body) = send_raw(
            &app.router,
            hangup_request(
                &dial.account_sid,
                &dial.call_sid,
                Some(basic(&dial.account_sid, &dial.hangup_token)),
                "Status=completed",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(body.contains("\"status\":\"completed\""));
        let (s, me) = send(&app.router, Method::GET, "/v1/me", Some(&u.key), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(micros(&me["balance"]), 10_000_000 - 100_000);
    }
}

/// DNS rebinding: a webhook host name is resolved again at delivery. With the guard the service
/// uses when private addresses are not allowed, `localhost` (127.0.0.1) gets nothing; without
/// it the same delivery arrives (so the refusal is the guard's doing).
#[tokio::test]
async fn webhook_delivery_refuses_names_that_resolve_to_internal_addresses() {
    use dialer_api::api::validate::PublicOnlyResolver;
    use dialer_api::webhook::{WebhookSender, WebhookSettings};
    let (url, received) = receiver().await;
    let by_name = url.replace("127.0.0.1", "localhost");
    assert_ne!(by_name, url, "{url}");
    let settings = WebhookSettings {
        max_attempts: u32::try_from(REFUSED).unwrap() + 1,
        first_retry: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
    };
    let guarded = WebhookSender::with_resolver(settings.clone(), Arc::new(PublicOnlyResolver));
    let event = json!({"event": "call.completed"});
    assert!(!guarded.deliver(&by_name, "secret", &event).await);
    assert!(
        received.lock().unwrap().is_empty(),
        "delivered to localhost"
    );
    // The receiver refuses its first REFUSED deliveries; the attempt after them is accepted.
    let open = WebhookSender::new(settings);
    assert!(open.deliver(&by_name, "secret", &event).await);
    assert_eq!(received.lock().unwrap().len(), REFUSED + 1);
}
