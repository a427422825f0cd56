//! End to end: the real `trunkline serve` binary, SIPp as the trunk (`tests/sipp/e2e_trunk.xml`:
//! every INVITE digest-challenged, the outcome chosen by the dialed number, each dial and call
//! end logged with SIPp's clock), a multi-call Twilio handler, and the HTTP API over loopback.
//! Every test also checks that the trunk password never appears in an API response or in
//! anything `serve` printed (TRACE level). The tests run one at a time: they measure timing.

#[allow(dead_code)]
#[path = "support/db.rs"]
mod db;
mod e2e_support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use e2e_support::api::{Api, User, batch, micros};
use e2e_support::handler::{Handler, RestHangup};
use e2e_support::serve::{Serve, ServeSpec, assert_not_logged};
use e2e_support::trunk::{Outcome, Trunk, TrunkLog, outcome, sipp_available};
use e2e_support::{TRUNK_PASSWORD, free_udp_port};
use serde_json::{Value, json};

/// One test at a time: they measure calls per second and overlaps on a shared machine.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn sqlite_spec(dir: &std::path::Path, name: &str) -> ServeSpec {
    ServeSpec {
        storage_url: format!("sqlite://{}", dir.join("trunkline.db").display()),
        sip_port: free_udp_port(),
        ring_timeout: 3,
        name: name.to_owned(),
    }
}

/// The password appears in no API response and no line `serve` printed.
fn assert_password_kept(api: &Api, dir: &std::path::Path) {
    let responses = api.responses();
    assert!(responses.len() > 5);
    for body in &responses {
        assert!(
            !body.contains(TRUNK_PASSWORD),
            "an API response holds the password: {body}"
        );
    }
    assert_not_logged(dir, TRUNK_PASSWORD);
}

/// Cost of a call with `billable` seconds at 6 credits per minute in 6-second increments.
fn expected_cost(billable: i64) -> i64 {
    micros(((billable + 5) / 6) as f64 * 0.6)
}

/// Checks every attempt's money: cost from billable seconds, billable from talk time, and
/// the ledger rows of each call net to minus its cost (a reservation and its settlement).
async fn assert_money(api: &Api, user: &User, calls: &[Value], initial: f64) {
    let mut total = 0;
    for c in calls {
        let billable = c["billable_seconds"].as_i64().unwrap();
        let talk_ms = c["talk_ms"].as_i64().unwrap_or(0);
        assert_eq!(billable, (talk_ms + 999) / 1000, "{c}");
        assert_eq!(
            micros(c["cost"].as_f64().unwrap()),
            expected_cost(billable),
            "{c}"
        );
        total += micros(c["cost"].as_f64().unwrap());
    }
    let balance = micros(api.balance(user).await);
    assert_eq!(
        balance,
        micros(initial) - total,
        "balance = initial - sum of costs"
    );
    let ledger = api.ledger(user).await;
    let sum: i64 = ledger
        .iter()
        .map(|e| micros(e["amount"].as_f64().unwrap()))
        .sum();
    assert_eq!(sum, balance, "the ledger sums to the balance");
    // Listed oldest first, each entry starts from the balance the previous one left.
    let mut running = 0;
    for e in &ledger {
        running += micros(e["amount"].as_f64().unwrap());
        assert_eq!(
            micros(e["balance_after"].as_f64().unwrap()),
            running,
            "ledger out of order at {e}"
        );
    }
    let mut per_call: BTreeMap<String, i64> = BTreeMap::new();
    for e in &ledger {
        if let Some(id) = e["call_id"].as_str() {
            *per_call.entry(id.to_owned()).or_default() += micros(e["amount"].as_f64().unwrap());
        }
    }
    for c in calls {
        let id = c["id"].as_str().unwrap();
        let net = per_call.get(id).copied().unwrap_or(0);
        assert_eq!(
            net,
            -micros(c["cost"].as_f64().unwrap()),
            "ledger of call {c}"
        );
    }
}

fn numbers_with_status<'a>(calls: &'a [Value], status: &str) -> BTreeSet<&'a str> {
    calls
        .iter()
        .filter(|c| c["status"] == status)
        .map(|c| c["phone"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_contacts_answered_busy_unanswered_and_503_with_a_busy_retry() {
    if !sipp_available() {
        return;
    }
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let trunk = Trunk::start(1500).await;
    let handler = Handler::start(None).await;
    let serve = Serve::start(dir.path(), &sqlite_spec(dir.path(), "serve")).await;
    let api = Api::new(&serve.base);
    let user = api.user(100.0).await;
    api.phone_config(&user, &trunk.proxy(), 10, 10).await;

    // 5 long calls, then 45 numbers whose last digit picks the outcome: 25 answered, 8 busy,
    // 8 unanswered, 4 refused with 503.
    let mut numbers: Vec<String> = (0..5).map(|i| format!("+6012800000{i}")).collect();
    numbers.extend((0..45).map(|i| format!("+601230000{i:02}")));
    let count = |o: Outcome| numbers.iter().filter(|n| outcome(n) == o).count();
    assert_eq!(
        [
            Outcome::AnswerLong,
            Outcome::Answer,
            Outcome::Busy,
            Outcome::NoAnswer,
            Outcome::Unavailable
        ]
        .map(count),
        [5, 25, 8, 8, 4]
    );
    let retry = json!({"on": ["busy"], "max_attempts": 2, "delay_seconds": 1});
    let started = std::time::Instant::now();
    let batch_id = api
        .submit(&user, &batch(&numbers, &handler.url, retry))
        .await;
    let done = api
        .wait_done(&user, &batch_id, Duration::from_secs(50))
        .await;
    assert_eq!(done["state"], "completed", "{done}\n{}", trunk.errors());
    let elapsed = started.elapsed();

    // At the trunk: busy numbers twice, every other number once, each call ended as planned.
    let log = trunk.log();
    let per_number = log.dials_per_number();
    assert_eq!(per_number.len(), 50, "{per_number:?}");
    for n in &numbers {
        let want = if outcome(n) == Outcome::Busy { 2 } else { 1 };
        assert_eq!(per_number.get(n), Some(&want), "dials of {n}");
        let how: Vec<&str> = log.ends_of(n).iter().map(|e| e.how.as_str()).collect();
        let planned = match outcome(n) {
            Outcome::Answer | Outcome::AnswerLong => "callee_bye",
            Outcome::Busy => "busy",
            Outcome::NoAnswer => "canceled",
            Outcome::Unavailable => "unavailable",
            Outcome::AnswerHold => unreachable!(),
        };
        assert_eq!(how, vec![planned; want], "ends of {n}\n{}", trunk.errors());
    }

    // The call log: one row per attempt with the right status, SIP status and attempt.
    let calls = api.calls(&user, &batch_id).await;
    assert_eq!(calls.len(), 58);
    for c in &calls {
        let phone = c["phone"].as_str().unwrap();
        let talk = c["talk_ms"].as_i64().unwrap_or(0);
        // No answer is decided here (the ring timeout, then CANCEL): the INVITE's final
        // status is the 487 that answers our CANCEL, the reason says what happened.
        let (status, sip, reason, talk_range) = match outcome(phone) {
            Outcome::Answer => ("completed", json!(200), Value::Null, 1400..3000),
            Outcome::AnswerLong => ("completed", json!(200), Value::Null, 6900..8500),
            Outcome::Busy => ("busy", json!(486), Value::Null, 0..1),
            Outcome::NoAnswer => ("no_answer", json!(487), json!("no answer"), 0..1),
            Outcome::Unavailable => ("failed", json!(503), Value::Null, 0..1),
            Outcome::AnswerHold => unreachable!(),
        };
        assert_eq!(c["status"], status, "{c}");
        assert_eq!(c["sip_status"], sip, "{c}");
        if status == "failed" {
            let why = c["failure_reason"].as_str().unwrap();
            assert!(why.contains("503 Service Unavailable"), "{c}");
        } else {
            assert_eq!(c["failure_reason"], reason, "{c}");
        }
        assert!(talk_range.contains(&talk), "talk time of {c}");
        if status == "completed" {
            assert_eq!(c["hangup_by"], "callee", "{c}");
            assert_eq!(c["codec"], "PCMU", "{c}");
            let q = &c["quality"];
            assert!(
                q["loss"].as_f64().unwrap() < 0.05 && q["mos"].as_f64().unwrap() > 3.5,
                "{c}"
            );
        }
        if status == "no_answer" {
            let ring = c["ring_ms"].as_i64().unwrap();
            let ended = c["timeline"]["ended_at"].as_str().unwrap();
            assert!(ring < 1000, "{c}");
            assert!(!ended.is_empty());
        }
        let attempts: Vec<i64> = calls
            .iter()
            .filter(|o| o["phone"] == phone)
            .map(|o| o["attempt"].as_i64().unwrap())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let want: Vec<i64> = if outcome(phone) == Outcome::Busy {
            vec![1, 2]
        } else {
            vec![1]
        };
        assert_eq!(attempts, want, "attempts of {phone}");
    }
    // The handler got a `start` for each answered call, with the contact's fields.
    let starts: BTreeSet<String> = handler
        .calls()
        .iter()
        .map(|h| {
            h.start["start"]["customParameters"]["to_number"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let answered: BTreeSet<String> = numbers_with_status(&calls, "completed")
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(starts, answered);
    assert_money(&api, &user, &calls, 100.0).await;
    let billed: f64 = calls.iter().map(|c| c["cost"].as_f64().unwrap()).sum();
    eprintln!(
        "50 contacts, 58 attempts in {:.1} s; {} answered; {billed:.2} credits charged",
        elapsed.as_secs_f64(),
        answered.len()
    );
    assert_eq!(
        done["progress"]["cost"].as_f64().map(micros),
        Some(micros(billed))
    );

    // The password is write-only.
    let config = api.get(&user, "/v1/phone-config").await;
    assert_eq!(config["password_set"], true);
    assert!(config.get("password").is_none());
    serve.terminate().await;
    assert_password_kept(&api, dir.path());
    trunk.stop().await;
}

/// The most calls in progress at once, from the trunk's INVITE and call-end times.
fn max_overlap(log: &TrunkLog) -> usize {
    let mut events: Vec<(u64, i32)> = log.dials.iter().map(|d| (d.at_ms, 1)).collect();
    events.extend(log.ends.iter().map(|e| (e.at_ms, -1)));
    // At equal times an end counts first: the slot was free when the next INVITE came.
    events.sort();
    let mut now = 0i32;
    let mut max = 0i32;
    for (_, step) in events {
        now += step;
        max = max.max(now);
    }
    max as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_and_calls_per_second_hold_at_the_trunk() {
    if !sipp_available() {
        return;
    }
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let trunk = Trunk::start(2000).await;
    let handler = Handler::start(None).await;
    let serve = Serve::start(dir.path(), &sqlite_spec(dir.path(), "serve")).await;
    let api = Api::new(&serve.base);
    let user = api.user(100.0).await;
    api.phone_config(&user, &trunk.proxy(), 3, 2).await;
    let numbers: Vec<String> = (0..12).map(|i| format!("+60123100{i:02}0")).collect();
    let batch_id = api
        .submit(&user, &batch(&numbers, &handler.url, Value::Null))
        .await;
    let done = api
        .wait_done(&user, &batch_id, Duration::from_secs(40))
        .await;
    assert_eq!(
        done["progress"]["completed"],
        12,
        "{done}\n{}",
        trunk.errors()
    );

    let log = trunk.log();
    assert_eq!(log.dials.len(), 12);
    assert_eq!(log.ends.len(), 12);
    // Concurrency: never more than 3 calls between INVITE and the end of the call, and 3 reached.
    assert_eq!(max_overlap(&log), 3, "{log:?}");
    // Calls per second: any 3 INVITEs span at least a second (less the spread between the
    // scheduler's claim and the INVITE reaching SIPp), and 2 within a second happen.
    const SLACK_MS: u64 = 150;
    let gaps3: Vec<u64> = log
        .dials
        .windows(3)
        .map(|w| w[2].at_ms - w[0].at_ms)
        .collect();
    let gaps2: Vec<u64> = log
        .dials
        .windows(2)
        .map(|w| w[1].at_ms - w[0].at_ms)
        .collect();
    eprintln!("INVITE spans of 3 in a row (ms): {gaps3:?}; of 2: {gaps2:?}");
    assert!(gaps3.iter().all(|&g| g + SLACK_MS >= 1000), "{gaps3:?}");
    assert!(gaps2.iter().any(|&g| g < 1000 - SLACK_MS), "{gaps2:?}");
    serve.terminate().await;
    assert_password_kept(&api, dir.path());
    trunk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_batch_then_restart_dials_every_contact_once() {
    if !sipp_available() {
        return;
    }
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let trunk = Trunk::start(3000).await;
    let handler = Handler::start(None).await;
    let spec = sqlite_spec(dir.path(), "serve");
    let mut serve = Serve::start(dir.path(), &spec).await;
    let api = Api::new(&serve.base);
    let user = api.user(50.0).await;
    api.phone_config(&user, &trunk.proxy(), 4, 4).await;
    let numbers: Vec<String> = (0..16).map(|i| format!("+601232{i:04}0")).collect();
    let batch_id = api
        .submit(&user, &batch(&numbers, &handler.url, Value::Null))
        .await;

    // Kill once the first calls have ended and others are talking, at a quiet moment: nothing
    // new at the trunk for half a second, so no INVITE is between leaving and being recorded
    // (a kill in those few milliseconds may dial that contact again; see the README).
    let mut at_kill = trunk
        .wait_for(Duration::from_secs(20), |log| {
            log.ends.len() >= 3 && log.dials.len() >= log.ends.len() + 2
        })
        .await;
    assert!(at_kill.ends.len() >= 3, "{at_kill:?}\n{}", trunk.errors());
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = trunk.log();
        if (now.dials.len(), now.ends.len()) == (at_kill.dials.len(), at_kill.ends.len()) {
            break;
        }
        at_kill = now;
    }
    serve.kill9().await;
    let ended_before: BTreeSet<String> = at_kill.ends.iter().map(|e| e.number.clone()).collect();
    let talking: BTreeSet<String> = at_kill
        .dials
        .iter()
        .map(|d| d.number.clone())
        .filter(|n| !ended_before.contains(n))
        .collect();
    assert!(!talking.is_empty());

    let serve = Serve::start(
        dir.path(),
        &ServeSpec {
            name: "restarted".into(),
            ..spec
        },
    )
    .await;
    let api = api.at(&serve.base);
    let done = api
        .wait_done(&user, &batch_id, Duration::from_secs(40))
        .await;
    assert_eq!(done["state"], "completed", "{done}");
    let calls = api.calls(&user, &batch_id).await;
    assert_eq!(
        calls.len(),
        16,
        "one attempt per contact: nothing retried or lost"
    );
    let interrupted: BTreeSet<&str> = calls
        .iter()
        .filter(|c| c["status"] == "failed")
        .map(|c| {
            assert_eq!(c["failure_reason"], "interrupted", "{c}");
            c["phone"].as_str().unwrap()
        })
        .collect();
    let completed = numbers_with_status(&calls, "completed");
    assert_eq!(interrupted.len() + completed.len(), 16, "{calls:?}");
    // Every call talking at the kill was interrupted (its end never reached the dead node).
    for n in &talking {
        assert!(
            interrupted.contains(n.as_str()),
            "{n} was talking at the kill"
        );
    }
    // At the trunk, across both runs: every contact dialed exactly once. One claimed but not
    // yet dialed at the kill went back to the queue and was dialed after the restart; one
    // dialed before it is interrupted and not dialed again.
    let log = trunk.log();
    let per_number = log.dials_per_number();
    for n in &numbers {
        assert_eq!(
            per_number.get(n.as_str()),
            Some(&1),
            "dials of {n}: {per_number:?}"
        );
    }

    eprintln!(
        "killed with {} calls ended and {} talking; {} completed, {} interrupted, {} dials",
        ended_before.len(),
        talking.len(),
        completed.len(),
        interrupted.len(),
        log.dials.len()
    );
    assert_money(&api, &user, &calls, 50.0).await;
    serve.terminate().await;
    assert_password_kept(&api, dir.path());
    trunk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_postgres_never_dial_a_contact_twice() {
    if !sipp_available() {
        return;
    }
    let Some(pg) = db::postgres().await else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let trunk = Trunk::start(1000).await;
    let handler = Handler::start(None).await;
    let spec = |name: &str| ServeSpec {
        storage_url: pg.url.clone(),
        sip_port: free_udp_port(),
        ring_timeout: 3,
        name: name.to_owned(),
    };
    let (a_spec, b_spec) = (spec("node-a"), spec("node-b"));
    let node_a = Serve::start(dir.path(), &a_spec).await;
    let node_b = Serve::start(dir.path(), &b_spec).await;
    let api = Api::new(&node_a.base);
    let user = api.user(100.0).await;
    // Calls per second, not concurrency, is the limit: both nodes' schedulers compete for it.
    api.phone_config(&user, &trunk.proxy(), 10, 3).await;
    let numbers: Vec<String> = (0..24).map(|i| format!("+60123300{i:02}0")).collect();
    let batch_id = api
        .submit(&user, &batch(&numbers, &handler.url, Value::Null))
        .await;
    let api_b = api.at(&node_b.base);
    let done = api_b
        .wait_done(&user, &batch_id, Duration::from_secs(40))
        .await;
    assert_eq!(
        done["progress"]["completed"],
        24,
        "{done}\n{}",
        trunk.errors()
    );

    let log = trunk.log();
    let per_number = log.dials_per_number();
    assert_eq!(per_number.len(), 24);
    assert!(per_number.values().all(|&n| n == 1), "{per_number:?}");
    let by_a = log
        .dials
        .iter()
        .filter(|d| d.node_port == a_spec.sip_port)
        .count();
    let by_b = log
        .dials
        .iter()
        .filter(|d| d.node_port == b_spec.sip_port)
        .count();
    eprintln!("node a dialed {by_a}, node b {by_b}");
    assert_eq!(by_a + by_b, 24);
    assert!(by_a > 0 && by_b > 0, "a: {by_a}, b: {by_b}");
    let calls = api_b.calls(&user, &batch_id).await;
    assert_eq!(calls.len(), 24);
    assert_money(&api_b, &user, &calls, 100.0).await;
    node_a.terminate().await;
    node_b.terminate().await;
    assert_password_kept(&api, dir.path());
    trunk.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handler_hangs_up_through_the_twilio_route() {
    if !sipp_available() {
        return;
    }
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let trunk = Trunk::start(1000).await;
    let serve = Serve::start(dir.path(), &sqlite_spec(dir.path(), "serve")).await;
    let handler = Handler::start(Some(RestHangup {
        base: serve.base.clone(),
        wrong_after: Duration::from_millis(1000),
        right_after: Duration::from_millis(1000),
    }))
    .await;
    let api = Api::new(&serve.base);
    let user = api.user(10.0).await;
    api.phone_config(&user, &trunk.proxy(), 2, 2).await;
    let numbers = vec!["+60129000001".to_owned(), "+60129000002".to_owned()];
    let batch_id = api
        .submit(&user, &batch(&numbers, &handler.url, Value::Null))
        .await;
    let done = api
        .wait_done(&user, &batch_id, Duration::from_secs(30))
        .await;
    assert_eq!(
        done["progress"]["completed"],
        2,
        "{done}\n{}",
        trunk.errors()
    );

    let seen = handler.calls();
    assert_eq!(seen.len(), 2);
    for call in &seen {
        let status = call
            .wrong_token_status
            .expect("the wrong token was answered");
        assert!(status == 401 || status == 404, "wrong token: {status}");
        let (status, body) = call.hangup.clone().expect("the hang-up was answered");
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["sid"], call.start["start"]["callSid"]);
        assert!(call.stopped, "the handler got `stop`");
    }
    let log = trunk.log();
    for n in &numbers {
        let dial = log.dials.iter().find(|d| &d.number == n).expect("dialed");
        let ends = log.ends_of(n);
        assert_eq!(ends.len(), 1, "{log:?}");
        // The BYE came from Trunkline, and only after the right token (2 s after start).
        assert_eq!(ends[0].how, "caller_bye");
        assert!(ends[0].at_ms - dial.at_ms >= 2000, "{dial:?} {:?}", ends[0]);
    }
    let calls = api.calls(&user, &batch_id).await;
    for c in &calls {
        assert_eq!(c["status"], "completed", "{c}");
        assert_eq!(c["hangup_by"], "handler", "{c}");
        assert!(c["talk_ms"].as_i64().unwrap() >= 1900, "{c}");
    }
    assert_money(&api, &user, &calls, 10.0).await;
    serve.terminate().await;
    assert_password_kept(&api, dir.path());
    trunk.stop().await;
}
