//! Scheduler tests with the scripted engine, on SQLite and PostgreSQL: outcomes, retries and
//! credits; concurrency and calls-per-second limits; calling windows; pause, resume and cancel;
//! 100 calls ending at once; two nodes on one PostgreSQL; crash recovery.

mod support;

use axum::http::{Method, StatusCode};
use chrono::{Duration as ChronoDuration, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::db;
use support::engine::{Script, ScriptedEngine};
use support::harness::*;

const TEN_S: Duration = Duration::from_secs(10);

fn answer(talk_ms: u64) -> Script {
    Script::Answer {
        ring_ms: 5,
        talk_ms,
    }
}

#[tokio::test]
async fn outcomes_retries_and_exact_credits() {
    for db in db::all().await {
        let engine = ScriptedEngine::new(answer(1500));
        let app = app(&db, Arc::clone(&engine), true).await;
        let u = user(&app, 100.0).await;
        save_config(&app, &u, &phone_config(5, 50)).await;
        let nums = numbers(0, 10);
        for n in &nums[5..7] {
            engine.script(n, vec![Script::Busy { ring_ms: 5 }, answer(1500)]);
        }
        engine.script(&nums[7], vec![Script::NoAnswer { ring_ms: 20 }]);
        engine.script(
            &nums[8],
            vec![Script::Fail {
                status: 503,
                after_ms: 5,
            }],
        );
        engine.script(&nums[9], vec![Script::Busy { ring_ms: 5 }]);
        let body = batch(
            &nums,
            json!({"retry": {"on": ["busy", "no_answer"], "max_attempts": 2, "delay_seconds": 0}}),
        );
        let b = submit(&app, &u, &body).await;
        let id = b["id"].as_str().unwrap();
        let done = wait_batch(&app, &u, id, "completed", TEN_S).await;
        let c = &done["counts"];
        assert_eq!(
            (
                c["completed"].as_i64(),
                c["busy"].as_i64(),
                c["no_answer"].as_i64(),
                c["failed"].as_i64()
            ),
            (Some(7), Some(1), Some(1), Some(1)),
            "{done}"
        );
        assert_eq!(done["progress"]["attempts"], 14);
        assert_eq!(done["progress"]["done"], 10);
        // 1.5 s of talk bills 2 s, rounded up to one 6-second increment: 0.1 credit per call.
        assert_eq!(micros(&done["progress"]["cost"]), 700_000);
        assert_eq!(check_books(&app, &u).await, 100_000_000 - 700_000);
        let dials = engine.dials_per_phone();
        for (i, n) in nums.iter().enumerate() {
            let expected = if (5..=7).contains(&i) || i == 9 { 2 } else { 1 };
            assert_eq!(dials.get(n).copied(), Some(expected), "{n}");
        }
        let calls = calls_of(&app, &u, id).await;
        assert_eq!(calls.len(), 14);
        let answered: Vec<_> = calls
            .iter()
            .filter(|c| c["status"] == "completed")
            .collect();
        for call in &answered {
            assert_eq!(call["sip_status"], 200);
            assert_eq!(call["hangup_by"], "callee");
            assert_eq!(call["billable_seconds"], 2);
            assert_eq!(micros(&call["cost"]), 100_000);
            assert_eq!(call["codec"], "PCMU");
            assert_eq!(call["quality"]["mos"], 4.3);
            let t = &call["timeline"];
            assert!(t["dialing_at"].is_string() && t["ringing_at"].is_string());
            assert!(t["answered_at"].is_string() && t["ended_at"].is_string());
        }
        let failed = calls.iter().find(|c| c["status"] == "failed").unwrap();
        assert_eq!(failed["sip_status"], 503);
        assert_eq!(
            failed["failure_reason"],
            "trunk answered 503 Service Unavailable"
        );
        assert_eq!(micros(&failed["cost"]), 0);
        let retried = calls
            .iter()
            .find(|c| c["phone"] == nums[5].as_str() && c["attempt"] == 2)
            .unwrap();
        assert_eq!(retried["status"], "completed");
        let dial = engine
            .dials()
            .into_iter()
            .find(|d| d.phone == nums[0])
            .unwrap();
        assert_eq!(dial.trunk.password, "trunk-password-1");
        assert_eq!(dial.params.get("row").map(String::as_str), Some("0"));
        assert_eq!(dial.account_sid, u.account_sid);
        assert_eq!(app.store.calls_in_flight().await.unwrap(), 0);
        assert_eq!(app.store.queue_depth().await.unwrap(), 0);
        let text = app.metrics.render(&Default::default());
        assert!(
            text.contains("trunkline_calls_total{status=\"completed\"} 7"),
            "{text}"
        );
        assert!(text.contains("trunkline_rtp_loss_ratio_count 7"));
    }
}

#[tokio::test]
async fn concurrency_limit_is_never_exceeded() {
    for db in db::all().await {
        let engine = ScriptedEngine::new(answer(400));
        let app = app(&db, Arc::clone(&engine), true).await;
        let u = user(&app, 100.0).await;
        save_config(&app, &u, &phone_config(3, 100)).await;
        let b = submit(&app, &u, &batch(&numbers(0, 12), json!({}))).await;
        wait_batch(&app, &u, b["id"].as_str().unwrap(), "completed", TEN_S).await;
        assert_eq!(engine.dials().len(), 12);
        assert_eq!(
            engine.peak(),
            3,
            "{}: the limit must be reached and never passed",
            db.backend
        );
        check_books(&app, &u).await;
    }
}

#[tokio::test]
async fn calls_per_second_limit_is_never_exceeded() {
    for db in db::all().await {
        let engine = ScriptedEngine::new(answer(30));
        let app = app(&db, Arc::clone(&engine), true).await;
        let u = user(&app, 100.0).await;
        save_config(&app, &u, &phone_config(50, 4)).await;
        let started = Instant::now();
        let b = submit(&app, &u, &batch(&numbers(0, 12), json!({}))).await;
        wait_batch(&app, &u, b["id"].as_str().unwrap(), "completed", TEN_S).await;
        let mut times: Vec<Instant> = engine.dials().iter().map(|d| d.at).collect();
        times.sort();
        assert_eq!(times.len(), 12);
        // The claims come in bursts of 4 at least a second apart (stored dial times, checked
        // below); at the engine, allowing 250 ms of task scheduling jitter on a loaded machine,
        // no 750 ms span holds more than 4 dials.
        let most = times
            .iter()
            .map(|t| {
                times
                    .iter()
                    .filter(|u| **u >= *t && **u < *t + Duration::from_millis(750))
                    .count()
            })
            .max()
            .unwrap();
        assert_eq!(most, 4, "{}: {times:?}", db.backend);
        assert!(
            started.elapsed() >= Duration::from_secs(2),
            "12 calls at 4/s take over 2 s"
        );
        // The stored dial times keep the exact limit.
        let calls = calls_of(&app, &u, b["id"].as_str().unwrap()).await;
        let mut dialed: Vec<i64> = calls
            .iter()
            .map(|c| {
                chrono::DateTime::parse_from_rfc3339(c["timeline"]["dialing_at"].as_str().unwrap())
                    .unwrap()
                    .timestamp_millis()
            })
            .collect();
        dialed.sort();
        for (i, t) in dialed.iter().enumerate() {
            assert!(dialed[i..].iter().filter(|u| **u < t + 1000).count() <= 4);
        }
    }
}

fn hhmm(t: chrono::DateTime<Utc>) -> String {
    t.format("%H:%M").to_string()
}

#[tokio::test]
async fn calling_window_and_start_time_are_respected() {
    for db in db::all().await {
        let engine = ScriptedEngine::new(answer(10));
        let app = app(&db, Arc::clone(&engine), true).await;
        let u = user(&app, 100.0).await;
        save_config(&app, &u, &phone_config(10, 50)).await;
        let now = Utc::now();
        let closed = json!({"schedule": {"window": {
            "from": hhmm(now + ChronoDuration::hours(2)), "to": hhmm(now + ChronoDuration::hours(3)),
            "time_zone": "UTC"}}});
        let open_now = json!({"schedule": {"window": {
            "from": hhmm(now - ChronoDuration::hours(1)), "to": hhmm(now + ChronoDuration::hours(1)),
            "time_zone": "UTC"}}});
        let later = json!({"schedule": {"start_at": (now + ChronoDuration::milliseconds(2500)).to_rfc3339()}});
        let a = submit(&app, &u, &batch(&numbers(0, 2), closed)).await;
        let b = submit(&app, &u, &batch(&numbers(10, 2), open_now)).await;
        let c = submit(&app, &u, &batch(&numbers(20, 2), later)).await;
        let dialed = |first: u32| {
            let d = engine.dials_per_phone();
            numbers(first, 2)
                .iter()
                .filter(|n| d.contains_key(*n))
                .count()
        };
        wait_batch(&app, &u, b["id"].as_str().unwrap(), "completed", TEN_S).await;
        if Utc::now() < now + ChronoDuration::milliseconds(2400) {
            assert_eq!(dialed(20), 0, "start_at in the future");
        }
        wait_batch(&app, &u, c["id"].as_str().unwrap(), "completed", TEN_S).await;
        assert_eq!(dialed(20), 2);
        let c_calls = calls_of(&app, &u, c["id"].as_str().unwrap()).await;
        for call in c_calls {
            let at = chrono::DateTime::parse_from_rfc3339(
                call["timeline"]["dialing_at"].as_str().unwrap(),
            )
            .unwrap();
            assert!(
                at >= now + ChronoDuration::milliseconds(2500),
                "dialed before start_at"
            );
        }
        assert_eq!(dialed(0), 0, "closed window");
        assert_eq!(
            get_batch(&app, &u, a["id"].as_str().unwrap()).await["counts"]["queued"],
            2
        );
    }
}

#[tokio::test]
async fn pause_resume_and_cancel_free_every_slot() {
    for db in db::all().await {
        let engine = ScriptedEngine::new(Script::Hold { ring_ms: 5 });
        let app = app(&db, Arc::clone(&engine), true).await;
        let u = user(&app, 100.0).await;
        save_config(&app, &u, &phone_config(2, 50)).await;
        let b = submit(&app, &u, &batch(&numbers(0, 6), json!({}))).await;
        let id = b["id"].as_str().unwrap().to_owned();
        let path = |what: &str| format!("/v1/batches/{id}/{what}");
        wait_for("two calls up", TEN_S, || engine.active() == 2).await;
        wait_answered(&app, &u, &id, 2).await;
        let (s, _) = send(
            &app.router,
            Method::POST,
            &path("pause"),
            Some(&u.key),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        // End the two calls: their slots free up, but a paused batch starts nothing new.
        for d in engine.dials() {
            engine_hangup(&engine, &d.call_id);
        }
        wait_for("calls ended", TEN_S, || engine.active() == 0).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            engine.dials().len(),
            2,
            "{}: dialed while paused",
            db.backend
        );
        let view = get_batch(&app, &u, &id).await;
        assert_eq!(view["state"], "paused");
        assert_eq!(view["counts"]["queued"], 4);
        assert_eq!(app.store.calls_in_flight().await.unwrap(), 0);

        let (s, _) = send(
            &app.router,
            Method::POST,
            &path("resume"),
            Some(&u.key),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        wait_for("two more calls up", TEN_S, || {
            engine.active() == 2 && engine.dials().len() == 4
        })
        .await;
        wait_answered(&app, &u, &id, 2).await;
        let (s, view) = send(
            &app.router,
            Method::POST,
            &path("cancel"),
            Some(&u.key),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(view["state"], "canceled");
        wait_for("canceled calls hung up", TEN_S, || engine.active() == 0).await;
        wait_for_settled(&app).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(engine.dials().len(), 4, "dialed after cancel");
        let view = get_batch(&app, &u, &id).await;
        assert_eq!(view["counts"]["canceled"], 2, "{view}");
        assert_eq!(view["counts"]["completed"], 4, "{view}");
        let calls = calls_of(&app, &u, &id).await;
        let by = |who: &str| calls.iter().filter(|c| c["hangup_by"] == who).count();
        assert_eq!(
            (by("callee"), by("trunkline")),
            (2, 2),
            "the cancel hangs up the last two"
        );
        let spent: i64 = calls.iter().map(|c| micros(&c["cost"])).sum();
        assert_eq!(check_books(&app, &u).await, 100_000_000 - spent);
    }
}

async fn wait_answered(app: &App, u: &User, batch_id: &str, n: i64) {
    let deadline = tokio::time::Instant::now() + TEN_S;
    while get_batch(app, u, batch_id).await["counts"]["in_progress"] != n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{n} calls not answered"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn engine_hangup(engine: &ScriptedEngine, call_id: &str) {
    use dialer_api::scheduler::{CallEngine, HangupBy};
    engine.hangup(call_id, HangupBy::Callee);
}

async fn wait_for_settled(app: &App) {
    let deadline = tokio::time::Instant::now() + TEN_S;
    while app.store.calls_in_flight().await.unwrap() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "calls still in flight"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_hundred_calls_ending_at_once_settle_exactly() {
    for db in db::all().await {
        let engine = ScriptedEngine::new(Script::Hold { ring_ms: 0 });
        let app = app(&db, Arc::clone(&engine), true).await;
        let u = user(&app, 20.0).await;
        let mut config = phone_config(100, 100);
        config["billing_increment_seconds"] = json!(1);
        save_config(&app, &u, &config).await;
        let b = submit(
            &app,
            &u,
            &batch(&numbers(0, 100), json!({"max_duration_seconds": 10})),
        )
        .await;
        let id = b["id"].as_str().unwrap().to_owned();
        wait_for("100 calls up", Duration::from_secs(20), || {
            engine.active() == 100
        })
        .await;
        // Each holds a reservation of 10 s at 1 credit/min: 166 667 micro-credits.
        let (_, me) = send(&app.router, Method::GET, "/v1/me", Some(&u.key), None).await;
        assert_eq!(micros(&me["balance"]), 20_000_000 - 100 * 166_667);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let (s, _) = send(
            &app.router,
            Method::POST,
            &format!("/v1/batches/{id}/cancel"),
            Some(&u.key),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        wait_for_settled(&app).await;
        let calls = calls_of(&app, &u, &id).await;
        assert_eq!(calls.len(), 100);
        let mut spent = 0;
        for c in &calls {
            let talk_ms = c["talk_ms"].as_i64().unwrap();
            let billable = (talk_ms + 999) / 1000;
            assert_eq!(c["billable_seconds"].as_i64(), Some(billable));
            let cost = micros(&c["cost"]);
            assert_eq!(
                cost,
                (billable * 1_000_000 + 59) / 60,
                "cost of {billable} s"
            );
            spent += cost;
        }
        assert_eq!(
            check_books(&app, &u).await,
            20_000_000 - spent,
            "{}",
            db.backend
        );
        assert_eq!(app.store.ledger(&u.id).await.unwrap().len(), 201);
    }
}

#[tokio::test]
async fn reservations_never_exceed_the_balance() {
    for db in db::all().await {
        let engine = ScriptedEngine::new(answer(200));
        let app = app(&db, Arc::clone(&engine), true).await;
        // Room for exactly 30 reservations of 10 s at 1 credit/min (166 667 each).
        let u = user(&app, 5.00001).await;
        let mut config = phone_config(100, 100);
        config["billing_increment_seconds"] = json!(1);
        save_config(&app, &u, &config).await;
        let b = submit(
            &app,
            &u,
            &batch(&numbers(0, 100), json!({"max_duration_seconds": 10})),
        )
        .await;
        let done = wait_batch(
            &app,
            &u,
            b["id"].as_str().unwrap(),
            "completed",
            Duration::from_secs(30),
        )
        .await;
        assert_eq!(done["counts"]["completed"], 100, "{done}");
        assert!(engine.peak() <= 30, "{} calls at once", engine.peak());
        assert!(
            engine.peak() >= 20,
            "the balance, not something else, should be the limit"
        );
        // 0.2 s of talk bills 1 s: 16 667 micro-credits per call.
        assert_eq!(check_books(&app, &u).await, 5_000_010 - 100 * 16_667);
    }
}

#[tokio::test]
async fn a_call_without_credits_fails_plainly() {
    for db in db::all().await {
        let engine = ScriptedEngine::new(answer(10));
        let app = app(&db, Arc::clone(&engine), false).await;
        let u = user(&app, 0.1).await;
        save_config(&app, &u, &phone_config(5, 50)).await;
        // Accepted (0.1 covers one 6-second increment) but a 60-second reservation does not fit.
        let b = submit(&app, &u, &batch(&numbers(0, 2), json!({}))).await;
        let s = scheduler(&app.store, Arc::clone(&engine), Arc::clone(&app.metrics));
        s.start().await.unwrap();
        let done = wait_batch(&app, &u, b["id"].as_str().unwrap(), "completed", TEN_S).await;
        assert_eq!(done["counts"]["failed"], 2, "{}: {done}", db.backend);
        assert!(engine.dials().is_empty());
        let calls = calls_of(&app, &u, b["id"].as_str().unwrap()).await;
        assert!(
            calls
                .iter()
                .all(|c| c["failure_reason"] == "insufficient_credits")
        );
        assert_eq!(check_books(&app, &u).await, 100_000, "{}", db.backend);
        s.kill();
    }
}

#[tokio::test]
async fn an_engine_panic_fails_the_call_and_frees_the_slot() {
    for db in db::all().await {
        let engine = ScriptedEngine::new(answer(10));
        let app = app(&db, Arc::clone(&engine), true).await;
        let u = user(&app, 10.0).await;
        save_config(&app, &u, &phone_config(1, 50)).await;
        let nums = numbers(0, 3);
        engine.script(&nums[0], vec![Script::Panic]);
        let b = submit(&app, &u, &batch(&nums, json!({}))).await;
        let done = wait_batch(&app, &u, b["id"].as_str().unwrap(), "completed", TEN_S).await;
        assert_eq!(
            (
                done["counts"]["failed"].as_i64(),
                done["counts"]["completed"].as_i64()
            ),
            (Some(1), Some(2))
        );
        let calls = calls_of(&app, &u, b["id"].as_str().unwrap()).await;
        let failed = calls.iter().find(|c| c["status"] == "failed").unwrap();
        assert_eq!(failed["failure_reason"], "the call engine panicked");
        check_books(&app, &u).await;
    }
}

#[tokio::test]
async fn two_nodes_on_one_postgres_never_dial_a_contact_twice() {
    let Some(db) = db::postgres().await else {
        return;
    };
    let engine_a = ScriptedEngine::new(answer(40));
    let engine_b = ScriptedEngine::new(answer(40));
    let app = app(&db, Arc::clone(&engine_a), true).await;
    let store_b = db.store().await;
    let node_b = scheduler(
        &store_b,
        Arc::clone(&engine_b),
        Arc::new(Default::default()),
    );
    node_b.start().await.unwrap();
    let u = user(&app, 100.0).await;
    save_config(&app, &u, &phone_config(8, 100)).await;
    let nums = numbers(0, 80);
    let b = submit(&app, &u, &batch(&nums, json!({}))).await;
    wait_batch(
        &app,
        &u,
        b["id"].as_str().unwrap(),
        "completed",
        Duration::from_secs(30),
    )
    .await;
    let mut per_phone: HashMap<String, usize> = HashMap::new();
    for d in engine_a.dials().iter().chain(engine_b.dials().iter()) {
        *per_phone.entry(d.phone.clone()).or_default() += 1;
    }
    assert_eq!(per_phone.len(), 80);
    assert!(
        per_phone.values().all(|n| *n == 1),
        "a contact was dialed twice"
    );
    let (a, bn) = (engine_a.dials().len(), engine_b.dials().len());
    eprintln!("node A dialed {a}, node B dialed {bn}");
    assert!(
        a > 0 && bn > 0,
        "both nodes should take work from the shared queue"
    );
    assert!(engine_a.peak() + engine_b.peak() <= 16);
    check_books(&app, &u).await;
    node_b.kill();
}

/// A cancel asked through node B (its own store and API, no scheduler) ends node A's calls
/// within a second, although A renews its leases (its slow maintenance) only every 10 s.
#[tokio::test]
async fn a_hang_up_asked_on_another_node_ends_the_call_within_a_second() {
    let Some(db) = db::postgres().await else {
        return;
    };
    let engine_a = ScriptedEngine::new(Script::Hold { ring_ms: 5 });
    let app_b = app(&db, ScriptedEngine::new(answer(10)), false).await;
    let u = user(&app_b, 100.0).await;
    save_config(&app_b, &u, &phone_config(2, 50)).await;
    let store_a = db.store().await;
    let node_a = scheduler_with(
        &store_a,
        Arc::clone(&engine_a),
        Arc::new(Default::default()),
        dialer_api::scheduler::SchedulerSettings {
            tick: Duration::from_millis(250),
            lease: Duration::from_secs(30),
            ..Default::default()
        },
    );
    node_a.start().await.unwrap();
    let b = submit(&app_b, &u, &batch(&numbers(0, 2), json!({}))).await;
    let id = b["id"].as_str().unwrap().to_owned();
    wait_for("two calls up on node A", TEN_S, || engine_a.active() == 2).await;
    wait_answered(&app_b, &u, &id, 2).await;
    let asked = Instant::now();
    let (s, view) = send(
        &app_b.router,
        Method::POST,
        &format!("/v1/batches/{id}/cancel"),
        Some(&u.key),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{view}");
    wait_for("node A hangs up", TEN_S, || engine_a.active() == 0).await;
    let took = asked.elapsed();
    eprintln!("cancel on node B ended node A's calls after {took:?}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    wait_for_settled(&app_b).await;
    let calls = calls_of(&app_b, &u, &id).await;
    assert_eq!(calls.len(), 2);
    assert!(
        calls
            .iter()
            .all(|c| c["status"] == "completed" && c["hangup_by"] == "trunkline"),
        "{calls:?}"
    );
    let spent: i64 = calls.iter().map(|c| micros(&c["cost"])).sum();
    assert_eq!(check_books(&app_b, &u).await, 100_000_000 - spent);
    node_a.kill();
}

/// Killed with one call claimed but not yet dialed (the engine stuck before its INVITE) and one
/// talking: after the restart the first goes back to the queue, keeps its single call-log row
/// and is dialed once, free of charge for the claim; the second is `failed` / `interrupted`.
#[tokio::test]
async fn a_call_claimed_but_never_dialed_is_queued_again_after_a_crash() {
    for db in db::all().await {
        let engine = ScriptedEngine::new(answer(50));
        let app = app(&db, Arc::clone(&engine), true).await;
        let u = user(&app, 100.0).await;
        save_config(&app, &u, &phone_config(2, 100)).await;
        let nums = numbers(0, 3);
        engine.script(&nums[0], vec![Script::Stall, answer(50)]);
        engine.script(&nums[1], vec![Script::Hold { ring_ms: 5 }]);
        let b = submit(&app, &u, &batch(&nums, json!({}))).await;
        let id = b["id"].as_str().unwrap().to_owned();
        wait_answered(&app, &u, &id, 1).await;
        assert_eq!(engine.dials().len(), 2, "{}", db.backend);
        app.scheduler.as_ref().unwrap().kill();
        wait_for("engine calls dropped", TEN_S, || engine.active() == 0).await;
        let before: HashMap<String, Value> = calls_of(&app, &u, &id)
            .await
            .into_iter()
            .map(|c| (c["phone"].as_str().unwrap().to_owned(), c))
            .collect();
        assert_eq!(before[&nums[0]]["status"], "dialing");
        assert_eq!(before[&nums[1]]["status"], "in_progress");
        if db.backend == "sqlite" {
            app.store.close().await;
        }
        let app2 = support::harness::app(&db, Arc::clone(&engine), true).await;
        let done = wait_batch(&app2, &u, &id, "completed", Duration::from_secs(40)).await;
        let calls = calls_of(&app2, &u, &id).await;
        assert_eq!(
            calls.len(),
            3,
            "{}: one row per contact: {calls:?}",
            db.backend
        );
        let of = |n: &str| calls.iter().find(|c| c["phone"] == n).unwrap().clone();
        let released = of(&nums[0]);
        assert_eq!(released["status"], "completed", "{released}");
        assert_eq!(released["attempt"], 1);
        assert_eq!(released["id"], before[&nums[0]]["id"]);
        let talking = of(&nums[1]);
        assert_eq!(talking["status"], "failed");
        assert_eq!(talking["failure_reason"], "interrupted");
        assert_eq!(of(&nums[2])["status"], "completed");
        assert_eq!(done["counts"]["completed"], 2, "{done}");
        assert_eq!(done["counts"]["failed"], 1, "{done}");
        // Placed twice by the engine (stuck, then dialed); each other contact once.
        let dials = engine.dials_per_phone();
        assert_eq!(
            (dials[&nums[0]], dials[&nums[1]], dials[&nums[2]]),
            (2, 1, 1)
        );
        // The claim's reservation came back whole; only the real call cost anything.
        let ledger = app2.store.ledger(&u.id).await.unwrap();
        let released_id = released["id"].as_str().unwrap();
        let rows: Vec<_> = ledger
            .iter()
            .filter(|e| e.call_id.as_deref() == Some(released_id))
            .collect();
        assert_eq!(rows.len(), 4, "reserve, release, reserve, settle: {rows:?}");
        assert_eq!(rows[0].amount + rows[1].amount, 0, "{rows:?}");
        assert_eq!(
            -(rows[2].amount + rows[3].amount),
            micros(&released["cost"])
        );
        let spent: i64 = calls.iter().map(|c| micros(&c["cost"])).sum();
        assert_eq!(check_books(&app2, &u).await, 100_000_000 - spent);
    }
}

/// Node A's lease on a call expires (as if A had stalled) and node B recovers the call. A's next
/// renewal must not revive the lease, A hangs the call up at once, and the call is settled once.
#[tokio::test]
async fn a_node_that_lost_its_lease_hangs_up_and_nothing_is_settled_twice() {
    use dialer_api::scheduler::SchedulerSettings;
    use dialer_api::store::{FinalRecord, Settler, now_ms};
    for db in db::all().await {
        let engine_a = ScriptedEngine::new(Script::Hold { ring_ms: 5 });
        let app = app(&db, Arc::clone(&engine_a), false).await;
        let u = user(&app, 100.0).await;
        save_config(&app, &u, &phone_config(2, 50)).await;
        // Leases of 30 s: nothing expires or is renewed unless the test says so.
        let slow = SchedulerSettings {
            tick: Duration::from_millis(20),
            lease: Duration::from_secs(30),
            ..Default::default()
        };
        let metrics = Arc::new(Default::default());
        let node_a = scheduler_with(
            &app.store,
            Arc::clone(&engine_a),
            Arc::clone(&metrics),
            slow.clone(),
        );
        node_a.start().await.unwrap();
        let b = submit(&app, &u, &batch(&numbers(0, 1), json!({}))).await;
        let id = b["id"].as_str().unwrap().to_owned();
        wait_answered(&app, &u, &id, 1).await;
        let call_id = calls_of(&app, &u, &id).await[0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let store_b = db.store().await;
        let node_b = scheduler_with(
            &store_b,
            ScriptedEngine::new(answer(10)),
            metrics,
            SchedulerSettings {
                node_id: "node-b".into(),
                ..slow
            },
        );
        // A live lease is left alone by recovery, also when settling is asked directly.
        assert_eq!(node_b.recover(false).await.unwrap(), 0, "{}", db.backend);
        let record = FinalRecord {
            status: "failed".into(),
            failure_reason: Some("interrupted".into()),
            ended_at: now_ms(),
            ..FinalRecord::default()
        };
        let recovery = Settler::Recovery {
            now: now_ms(),
            any_lease: false,
        };
        assert!(
            store_b
                .settle(&call_id, recovery, &record, None)
                .await
                .unwrap()
                .is_none(),
            "{}: settled a call under a live lease",
            db.backend
        );
        db.execute(&format!(
            "UPDATE calls SET lease_until = {} WHERE id = '{call_id}'",
            now_ms() - 1
        ))
        .await;
        assert_eq!(node_b.recover(false).await.unwrap(), 1, "{}", db.backend);
        // A renews: the lost lease stays lost and A hangs the call up.
        node_a.maintain().await.unwrap();
        wait_for("node A hangs up the lost call", TEN_S, || {
            engine_a.active() == 0 && node_a.calls_here() == 0
        })
        .await;
        let row = app.store.call_any_owner(&call_id).await.unwrap().unwrap();
        assert_eq!(
            (row.status.as_str(), row.failure_reason.as_deref()),
            ("failed", Some("interrupted")),
            "{}",
            db.backend
        );
        assert_eq!(row.lease_owner, None, "{}: lease revived", db.backend);
        let kinds: Vec<String> = app
            .store
            .ledger(&u.id)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.call_id.as_deref() == Some(call_id.as_str()))
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, ["reserve", "settle"], "{}", db.backend);
        check_books(&app, &u).await;
        node_a.kill();
    }
}

#[tokio::test]
async fn a_killed_node_loses_nothing_and_charges_nothing_twice() {
    for db in db::all().await {
        let engine = ScriptedEngine::new(answer(600));
        let app = app(&db, Arc::clone(&engine), true).await;
        let u = user(&app, 100.0).await;
        save_config(&app, &u, &phone_config(4, 100)).await;
        let nums = numbers(0, 12);
        let b = submit(
            &app,
            &u,
            &batch(
                &nums,
                json!({"retry": {"on": ["failed"], "max_attempts": 2, "delay_seconds": 0}}),
            ),
        )
        .await;
        let id = b["id"].as_str().unwrap().to_owned();
        wait_for("calls in flight", TEN_S, || {
            engine.dials().len() >= 6 && engine.active() == 4
        })
        .await;
        // All four answered, so each INVITE is on record (a call claimed but not yet dialed
        // would go back to the queue instead: a_call_claimed_but_never_dialed_...).
        wait_answered(&app, &u, &id, 4).await;
        // kill -9: the scheduler's tasks stop mid-call, nothing is settled.
        app.scheduler.as_ref().unwrap().kill();
        let before_kill: Vec<String> = engine.dials().iter().map(|d| d.phone.clone()).collect();
        wait_for("engine calls dropped", TEN_S, || engine.active() == 0).await;
        let interrupted = app.store.calls_in_flight().await.unwrap();
        assert_eq!(interrupted, 4, "{}", db.backend);
        if db.backend == "sqlite" {
            app.store.close().await;
        }
        // Restart: a new process on the same database.
        let app2 = support::harness::app(&db, Arc::clone(&engine), true).await;
        let done = wait_batch(&app2, &u, &id, "completed", Duration::from_secs(40)).await;
        assert_eq!(done["counts"]["completed"], 12, "{done}");
        let calls = calls_of(&app2, &u, &id).await;
        let lost: Vec<_> = calls
            .iter()
            .filter(|c| c["failure_reason"] == "interrupted")
            .collect();
        assert_eq!(lost.len(), 4);
        for c in &lost {
            assert_eq!(c["status"], "failed");
            let retry = calls
                .iter()
                .find(|r| r["phone"] == c["phone"] && r["attempt"] == 2)
                .expect("retried");
            assert_eq!(retry["status"], "completed");
        }
        let dials = engine.dials_per_phone();
        for n in &nums {
            let expected = if lost.iter().any(|c| c["phone"] == n.as_str()) {
                2
            } else {
                1
            };
            assert_eq!(
                dials.get(n).copied(),
                Some(expected),
                "{n} (dialed before the kill: {})",
                before_kill.contains(n)
            );
        }
        let spent: i64 = calls.iter().map(|c| micros(&c["cost"])).sum();
        assert_eq!(check_books(&app2, &u).await, 100_000_000 - spent);
    }
}
