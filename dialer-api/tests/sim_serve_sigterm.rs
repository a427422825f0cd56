//! SIGTERM to `trunkline serve` while a call is up, against the trunk
//! simulator (real SIP and RTP on loopback) with a registered trunk: the
//! call gets our BYE, the handler gets `stop`, the trunk is un-registered
//! after the call ended, serve exits 0, and the call log row (read back by a
//! restarted serve on the same database) is final and billed.

mod e2e_support;

use std::time::Duration;

use dialer_api::sim::{Account, CallOutcome, OutcomeRule, SimConfig, SimEvent, SimTrunk};
use e2e_support::api::{Api, micros};
use e2e_support::handler::Handler;
use e2e_support::serve::{Serve, ServeSpec};
use e2e_support::{REALM, TRUNK_PASSWORD, TRUNK_USER, free_udp_port};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn simulator() -> SimConfig {
    let mut config = SimConfig::loopback();
    config.account = Account {
        username: TRUNK_USER.into(),
        password: TRUNK_PASSWORD.into(),
        realm: REALM.into(),
    };
    config.plan.rules = vec!["+60*=answer".parse::<OutcomeRule>().unwrap()];
    config.plan.ring_min = Duration::from_millis(200);
    config.plan.ring_max = Duration::from_millis(400);
    config.talk_time = Duration::from_secs(120);
    config.greeting = Duration::from_millis(500);
    config.codecs = vec![codecs::Codec::Pcmu];
    config
}

/// Reads the simulator's events until `done` accepts them or `within` passes.
async fn events_until(
    sim: &mut SimTrunk,
    within: Duration,
    done: impl Fn(&[SimEvent]) -> bool,
) -> Vec<SimEvent> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    while !done(&seen) {
        match tokio::time::timeout_at(deadline, sim.next_event()).await {
            Ok(Some(e)) => seen.push(e),
            Ok(None) | Err(_) => break,
        }
    }
    seen
}

fn position(events: &[SimEvent], is: impl Fn(&SimEvent) -> bool) -> Option<usize> {
    events.iter().position(is)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_a_call_up_sends_bye_stop_unregister_and_settles_the_call() {
    let mut sim = SimTrunk::start(simulator()).await.unwrap();
    let handler = Handler::start(None).await;
    let dir = tempfile::tempdir().unwrap();
    let spec = ServeSpec {
        storage_url: format!("sqlite://{}", dir.path().join("trunkline.db").display()),
        sip_port: free_udp_port(),
        ring_timeout: 10,
        name: "serve".into(),
    };
    let serve = Serve::start(dir.path(), &spec).await;
    let api = Api::new(&serve.base);
    let user = api.user(10.0).await;
    let config = json!({
        "proxies": [sim.local_addr().to_string()],
        "username": TRUNK_USER,
        "password": TRUNK_PASSWORD,
        "caller_id": "+60123456789",
        "codecs": ["PCMU"],
        "register": true,
        "max_concurrent_calls": 1,
        "max_calls_per_second": 1,
        "rate_per_minute": 6.0,
        "billing_increment_seconds": 6,
        "allowed_prefixes": ["+60"]
    });
    let (status, body) = api
        .call(Method::PUT, "/v1/phone-config", &user.key, Some(&config))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let seen = events_until(&mut sim, Duration::from_secs(15), |e| {
        e.iter().any(|e| matches!(e, SimEvent::Registered { .. }))
    })
    .await;
    assert!(
        seen.iter()
            .any(|e| matches!(e, SimEvent::Registered { .. })),
        "serve did not register: {seen:?}\n{}",
        serve.output()
    );

    let batch = json!({
        "campaign_id": "sigterm",
        "prompt_id": "p1",
        "handler": {"url": handler.url, "protocol": "twilio"},
        "contacts": [{"phone": "+60123000001", "customer_name": "Ana"}],
        "max_duration_seconds": 60
    });
    let batch_id = api.submit(&user, &batch).await;

    // Wait until the call is up: the simulator answered and the handler got `start`.
    let seen = events_until(&mut sim, Duration::from_secs(20), |e| {
        e.iter().any(|e| matches!(e, SimEvent::Acked { .. }))
    })
    .await;
    assert!(
        seen.iter().any(|e| matches!(e, SimEvent::Acked { .. })),
        "the call was not answered: {seen:?}"
    );
    for _ in 0..100 {
        if !handler.calls().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(handler.calls().len(), 1, "the handler got no start");
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!handler.calls()[0].stopped, "the call ended before SIGTERM");

    // SIGTERM: exit 0 (asserted inside), within 30 s.
    serve.terminate().await;

    let after = events_until(&mut sim, Duration::from_secs(5), |e| {
        e.iter().any(|e| matches!(e, SimEvent::Unregistered { .. }))
    })
    .await;
    let bye = position(&after, |e| matches!(e, SimEvent::ByeReceived { .. }));
    let unregistered = position(&after, |e| matches!(e, SimEvent::Unregistered { .. }));
    assert!(bye.is_some(), "no BYE reached the trunk: {after:?}");
    assert!(
        unregistered.is_some(),
        "no un-REGISTER reached the trunk: {after:?}"
    );
    assert!(bye < unregistered, "un-REGISTER before the BYE: {after:?}");
    assert!(
        !after.iter().any(|e| matches!(e, SimEvent::ByeSent { .. })),
        "the callee hung up, not serve: {after:?}"
    );
    let ended = after.iter().find_map(|e| match e {
        SimEvent::CallEnded(r) => Some(r.clone()),
        _ => None,
    });
    let ended = ended.unwrap_or_else(|| panic!("no call report: {after:?}"));
    assert_eq!(ended.outcome, CallOutcome::Answer);
    assert!(ended.talk_ms >= 500, "{ended:?}");
    assert!(handler.calls()[0].stopped, "the handler did not get stop");

    // The same database through a fresh serve: the call is final and billed.
    let serve = Serve::start(
        dir.path(),
        &ServeSpec {
            name: "restarted".into(),
            ..spec
        },
    )
    .await;
    let api = api.at(&serve.base);
    let calls = api.calls(&user, &batch_id).await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    assert_eq!(call["status"], "completed", "{call}");
    assert_eq!(call["hangup_by"], "trunkline", "{call}");
    assert_eq!(call["sip_status"], 200, "{call}");
    assert_eq!(call["failure_reason"], serde_json::Value::Null, "{call}");
    let talk_ms = call["talk_ms"].as_i64().unwrap();
    assert!(talk_ms >= 500, "{call}");
    // 6 credits a minute in 6-second increments: 0.6 credits per started increment.
    let billable = call["billable_seconds"].as_i64().unwrap();
    assert_eq!(billable, (talk_ms + 999) / 1000, "{call}");
    let increments = (billable + 5) / 6;
    assert_eq!(
        micros(call["cost"].as_f64().unwrap()),
        increments * 600_000,
        "{call}"
    );
    let charged: i64 = api
        .ledger(&user)
        .await
        .iter()
        .filter(|e| e["call_id"] == call["id"])
        .map(|e| micros(e["amount"].as_f64().unwrap()))
        .sum();
    assert_eq!(
        charged,
        -micros(call["cost"].as_f64().unwrap()),
        "the ledger of {call}"
    );
    assert_eq!(
        micros(api.balance(&user).await),
        micros(10.0) - increments * 600_000
    );
    let batch = api.get(&user, &format!("/v1/batches/{batch_id}")).await;
    assert_eq!(batch["state"], "completed", "{batch}");
    serve.terminate().await;
    sim.stop().await;
}
