//! HTTP API tests (`tower::ServiceExt::oneshot`) on SQLite and PostgreSQL.

mod support;

use axum::http::{Method, StatusCode};
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

#[tokio::test]
async fn users_credits_and_auth() {
    for db in db::all().await {
        let app = app(&db, engine(), false).await;
        let journal = app.store.sqlite_journal_mode().await.unwrap();
        match db.backend {
            "sqlite" => assert_eq!(journal.as_deref(), Some("wal")),
            _ => assert_eq!(journal, None),
        }
        let r = &app.router;
        let (s, b) = send(r, Method::POST, "/v1/users", None, Some(&json!({}))).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("unauthorized")),
            "{}",
            db.backend
        );
        let u = user(&app, 0.0).await;
        let (s, b) = send(r, Method::POST, "/v1/users", Some(&u.key), Some(&json!({}))).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden"))
        );
        let (s, b) = send(r, Method::GET, "/v1/me", Some("tk_wrong"), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");

        let (s, b) = send(r, Method::GET, "/v1/me", Some(&u.key), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(b["id"], u.id.as_str());
        assert_eq!(b["balance"], 0.0);
        assert_eq!(b["account_sid"], u.account_sid.as_str());

        let top = |amount: Value| json!({"amount": amount, "note": "invoice 7"});
        let path = format!("/v1/users/{}/credits", u.id);
        let (s, b) = send(r, Method::POST, &path, Some(ADMIN), Some(&top(json!(12.5)))).await;
        assert_eq!(
            (s, b["balance"].as_f64()),
            (StatusCode::OK, Some(12.5)),
            "{b}"
        );
        let (s, b) = send(r, Method::POST, &path, Some(ADMIN), Some(&top(json!(0.25)))).await;
        assert_eq!((s, b["balance"].as_f64()), (StatusCode::OK, Some(12.75)));
        let (s, b) = send(r, Method::POST, &path, Some(ADMIN), Some(&top(json!(-3)))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(b["error"]["field"], "amount");
        let (s, b) = send(
            r,
            Method::POST,
            &path,
            Some(ADMIN),
            Some(&json!({"note": "x"})),
        )
        .await;
        assert_eq!(
            (s, b["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("amount"))
        );
        let (s, _) = send(
            r,
            Method::POST,
            "/v1/users/nobody/credits",
            Some(ADMIN),
            Some(&top(json!(1))),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        let (s, b) = send(r, Method::GET, "/v1/ledger", Some(&u.key), None).await;
        assert_eq!(s, StatusCode::OK);
        let entries = b["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 2);
        assert!(
            entries
                .iter()
                .all(|e| e["kind"] == "top_up" && e["note"] == "invoice 7")
        );
        assert_eq!(app.store.ledger_sum(&u.id).await.unwrap(), 12_750_000);

        let (s, b) = send(r, Method::GET, "/v1/nothing", Some(&u.key), None).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("route_not_found"))
        );
        let (s, b) = send(r, Method::DELETE, "/v1/me", Some(&u.key), None).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed"))
        );
        let (s, b) = send_raw(
            r,
            axum::http::Request::post(&path)
                .header("authorization", format!("Bearer {ADMIN}"))
                .body("{oops".into())
                .unwrap(),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    }
}

#[tokio::test]
async fn phone_config_validation_storage_and_registration() {
    for db in db::all().await {
        let app = app(&db, engine(), false).await;
        let r = &app.router;
        let u = user(&app, 10.0).await;
        let (s, b) = send(r, Method::GET, "/v1/phone-config", Some(&u.key), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b}");

        let bad = |key: &str, value: Value| {
            let mut c = phone_config(2, 1);
            c[key] = value;
            c
        };
        for (config, field) in [
            (bad("proxies", json!(["bad host:5060"])), "proxies[0]"),
            (bad("proxies", json!([])), "proxies"),
            (
                bad("proxies", json!(["a.example.com", "b.example.com:70000"])),
                "proxies[1]",
            ),
            (bad("caller_id", json!("+6012")), "caller_id"),
            (
                bad("allowed_prefixes", json!(["+60", "60"])),
                "allowed_prefixes[1]",
            ),
            (
                bad("max_concurrent_calls", json!(0)),
                "max_concurrent_calls",
            ),
            (
                bad("billing_increment_seconds", json!(0)),
                "billing_increment_seconds",
            ),
            (bad("rate_per_minute", json!(-1.0)), "rate_per_minute"),
            (bad("codecs", json!([])), "codecs"),
            (bad("username", json!("")), "username"),
            (bad("proxys", json!(["x"])), "proxys"),
        ] {
            let (s, b) = send(
                r,
                Method::PUT,
                "/v1/phone-config",
                Some(&u.key),
                Some(&config),
            )
            .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {b}");
            assert_eq!(b["error"]["field"], field, "{b}");
            assert!(b["error"]["message"].as_str().unwrap().starts_with(field));
        }
        let mut no_password = phone_config(2, 1);
        no_password.as_object_mut().unwrap().remove("password");
        let (s, b) = send(
            r,
            Method::PUT,
            "/v1/phone-config",
            Some(&u.key),
            Some(&no_password),
        )
        .await;
        assert_eq!(
            (s, b["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("password"))
        );

        let (s, b) = send(
            r,
            Method::PUT,
            "/v1/phone-config",
            Some(&u.key),
            Some(&phone_config(2, 1)),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert!(b.get("password").is_none());
        assert_eq!(b["password_set"], true);
        assert_eq!(b["registration"]["state"], "registered");
        assert!(!b.to_string().contains("trunk-password-1"));
        let trunk = app
            .engine
            .trunk(&u.id)
            .expect("trunk applied to the engine");
        assert_eq!(trunk.password, "trunk-password-1");
        assert_eq!(trunk.proxies[0], "sip1.example.com:5060");
        let stored = app.store.phone_config(&u.id).await.unwrap().unwrap();
        assert!(!stored.password_enc.contains("trunk-password-1"));
        assert!(!stored.config_json.contains("trunk-password-1"));

        // A save without a password keeps the stored one; a rejected registration shows its error.
        let mut rejected = no_password.clone();
        rejected["username"] = json!("rejected");
        let (s, b) = send(
            r,
            Method::PUT,
            "/v1/phone-config",
            Some(&u.key),
            Some(&rejected),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(
            app.engine.trunk(&u.id).unwrap().password,
            "trunk-password-1"
        );
        let (s, b) = send(r, Method::GET, "/v1/phone-config", Some(&u.key), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(b["registration"]["state"], "failed");
        assert_eq!(
            b["registration"]["last_error"],
            "403 Forbidden from sip1.example.com:5060"
        );
        assert_eq!(b["username"], "rejected");
        assert!(b.get("password").is_none());
    }
}

#[tokio::test]
async fn batch_acceptance_rules() {
    for db in db::all().await {
        let app = app_with(&db, engine(), false, dialer_api::api::ApiPolicy::default()).await;
        let r = &app.router;
        let u = user(&app, 0.0).await;
        let nums = numbers(1000, 3);
        let body = batch(
            &nums,
            json!({"handler": {"url": "ws://203.0.113.10/stream"}}),
        );
        let (s, b) = send(r, Method::POST, "/v1/batches", Some(&u.key), Some(&body)).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("phone_config_required"))
        );
        save_config(&app, &u, &phone_config(2, 1)).await;
        let (s, b) = send(r, Method::POST, "/v1/batches", Some(&u.key), Some(&body)).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::PAYMENT_REQUIRED, Some("insufficient_credits")),
            "{b}"
        );
        // One 6-second increment at 1 credit/minute is 0.1 credit.
        let (s, _) = send(
            r,
            Method::POST,
            &format!("/v1/users/{}/credits", u.id),
            Some(ADMIN),
            Some(&json!({"amount": 0.1})),
        )
        .await;
        assert_eq!(s, StatusCode::OK);

        for (url, field_ok) in [
            ("ws://127.0.0.1:9000/stream", false),
            ("ws://localhost:9000/stream", false),
            ("wss://10.0.0.8/stream", false),
            ("ws://169.254.169.254/", false),
            ("http://203.0.113.10/stream", false),
            ("ws://203.0.113.10/stream", true),
        ] {
            let body = batch(&nums, json!({"handler": {"url": url}}));
            let (s, b) = send(r, Method::POST, "/v1/batches", Some(&u.key), Some(&body)).await;
            if field_ok {
                assert_eq!(s, StatusCode::CREATED, "{url}: {b}");
            } else {
                assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {b}");
                assert_eq!(b["error"]["field"], "handler.url");
            }
        }
        let public = json!({"url": "ws://203.0.113.10/stream"});
        for (extra, field) in [
            (
                json!({"schedule": {"window": {"from": "09:00", "to": "18:00", "time_zone": "Mars/Base"}}}),
                "schedule.window.time_zone",
            ),
            (
                json!({"schedule": {"window": {"from": "9am", "to": "18:00", "time_zone": "UTC"}}}),
                "schedule.window.from",
            ),
            (
                json!({"retry": {"on": ["busy"], "max_attempts": 0}}),
                "retry.max_attempts",
            ),
            (json!({"max_duration_seconds": 0}), "max_duration_seconds"),
            (json!({"webhook_url": "ftp://203.0.113.10/"}), "webhook_url"),
            (
                json!({"webhook_url": "http://127.0.0.1:8080/hook"}),
                "webhook_url",
            ),
            (
                json!({"handler": {"url": "ws://203.0.113.10/", "protocol": "pcm", "sample_rate": 11025}}),
                "handler.sample_rate",
            ),
            (json!({"contacts": []}), "contacts"),
            (json!({"campaign_id": ""}), "campaign_id"),
            (
                json!({"contacts": [{"phone": "+60123456789", "params": {"x": [1]}}]}),
                "contacts[0].params.x",
            ),
        ] {
            let mut body = batch(&nums, json!({"handler": public}));
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            let (s, b) = send(r, Method::POST, "/v1/batches", Some(&u.key), Some(&body)).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {b}");
            assert_eq!(b["error"]["field"], field, "{b}");
        }

        // Per-contact acceptance.
        let contacts = json!([
            {"phone": "+60 12-345 6789", "customer_name": "Aisyah"},
            {"phone": "012345", "customer_name": "no country code"},
            {"phone": "+44 20 7946 0958", "customer_name": "outside allowlist"},
            {"phone": "+60123456789", "customer_name": "duplicate"},
            {"phone": "+1 650 253 0000", "customer_name": "Ben", "params": {"plan": "gold", "tier": 2, "vip": true}}
        ]);
        let mut body = batch(&nums, json!({"handler": public}));
        body["contacts"] = contacts;
        let b = submit(&app, &u, &body).await;
        assert_eq!(b["total_contacts"], 5);
        assert_eq!(b["accepted"], 2);
        assert_eq!(b["state"], "running");
        let reasons: Vec<(u64, &str)> = b["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["index"].as_u64().unwrap(), r["reason"].as_str().unwrap()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (1, "invalid_number"),
                (2, "not_allowed_prefix"),
                (3, "duplicate_number")
            ]
        );
        let contacts = b["contacts"].as_array().unwrap();
        assert_eq!(contacts[0]["phone"], "+60123456789");
        assert_eq!(contacts[0]["accepted"], true);
        assert_eq!(contacts[4]["phone"], "+16502530000");
        assert_eq!(b["counts"]["queued"], 2);
        let calls = calls_of(&app, &u, b["id"].as_str().unwrap()).await;
        let ben = calls.iter().find(|c| c["customer_name"] == "Ben").unwrap();
        assert_eq!(
            ben["params"],
            json!({"plan": "gold", "tier": "2", "vip": "true"})
        );
        assert_eq!(ben["status"], "queued");
        assert_eq!(ben["attempt"], 1);
    }
}

#[tokio::test]
async fn idempotency_key_replays_and_refuses_reuse() {
    for db in db::all().await {
        let app = app(&db, engine(), false).await;
        let r = &app.router;
        let u = user(&app, 5.0).await;
        save_config(&app, &u, &phone_config(2, 1)).await;
        let body = batch(&numbers(1, 4), json!({}));
        let post = |body: &Value, key: &str| {
            axum::http::Request::post("/v1/batches")
                .header("authorization", format!("Bearer {}", u.key))
                .header("idempotency-key", key)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body.to_string()))
                .unwrap()
        };
        let (s1, first) = send_raw(r, post(&body, "order-42")).await;
        assert_eq!(s1, StatusCode::CREATED, "{first}");
        let (s2, second) = send_raw(r, post(&body, "order-42")).await;
        assert_eq!(s2, StatusCode::OK, "{second}");
        let first: Value = serde_json::from_str(&first).unwrap();
        let second: Value = serde_json::from_str(&second).unwrap();
        assert_eq!(first["id"], second["id"]);
        let (s, page) = send(r, Method::GET, "/v1/batches", Some(&u.key), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(page["batches"].as_array().unwrap().len(), 1);
        assert_eq!(
            calls_of(&app, &u, first["id"].as_str().unwrap())
                .await
                .len(),
            4
        );
        let other = batch(&numbers(100, 2), json!({}));
        let (s3, third) = send_raw(r, post(&other, "order-42")).await;
        assert_eq!(s3, StatusCode::UNPROCESSABLE_ENTITY, "{third}");
        assert!(third.contains("idempotency_key_reused"));
        // The same key is free for another user.
        let v = user(&app, 5.0).await;
        save_config(&app, &v, &phone_config(2, 1)).await;
        let req = axum::http::Request::post("/v1/batches")
            .header("authorization", format!("Bearer {}", v.key))
            .header("idempotency-key", "order-42")
            .body(axum::body::Body::from(other.to_string()))
            .unwrap();
        assert_eq!(send_raw(r, req).await.0, StatusCode::CREATED);
    }
}

/// A replay answers with the decisions made and stored the first time, even after the phone
/// config's allowlist changed: the per-contact results agree with the stored rejections.
#[tokio::test]
async fn idempotent_replay_returns_the_stored_decisions() {
    for db in db::all().await {
        let app = app(&db, engine(), false).await;
        let r = &app.router;
        let u = user(&app, 5.0).await;
        save_config(&app, &u, &phone_config(2, 1)).await;
        let mut body = batch(&numbers(0, 1), json!({}));
        body["contacts"] = json!([
            {"phone": "+60 12-000 0001"},
            {"phone": "+44 20 7946 0958"},
            {"phone": "not a number"}
        ]);
        let post = || {
            axum::http::Request::post("/v1/batches")
                .header("authorization", format!("Bearer {}", u.key))
                .header("idempotency-key", "replay-after-change")
                .body(axum::body::Body::from(body.to_string()))
                .unwrap()
        };
        let (s1, first) = send_raw(r, post()).await;
        assert_eq!(s1, StatusCode::CREATED, "{}: {first}", db.backend);
        let first: Value = serde_json::from_str(&first).unwrap();
        let accepted: Vec<bool> = first["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["accepted"].as_bool().unwrap())
            .collect();
        assert_eq!(accepted, [true, false, false], "{first}");
        // Now +44 would be allowed: the replay still reports what was decided and stored.
        let mut wider = phone_config(2, 1);
        wider["allowed_prefixes"] = json!([]);
        save_config(&app, &u, &wider).await;
        let (s2, second) = send_raw(r, post()).await;
        assert_eq!(s2, StatusCode::OK, "{second}");
        let second: Value = serde_json::from_str(&second).unwrap();
        for key in ["id", "contacts", "rejected", "accepted", "total_contacts"] {
            assert_eq!(first[key], second[key], "{key}: {first} vs {second}");
        }
        assert_eq!(second["contacts"][0]["phone"], "+60120000001");
        assert_eq!(second["contacts"][1]["reason"], "not_allowed_prefix");
        let batch_id = second["id"].as_str().unwrap();
        assert_eq!(calls_of(&app, &u, batch_id).await.len(), 1);
    }
}

#[tokio::test]
async fn batch_states_and_listing() {
    for db in db::all().await {
        let app = app(&db, engine(), false).await;
        let r = &app.router;
        let u = user(&app, 5.0).await;
        save_config(&app, &u, &phone_config(2, 1)).await;
        let mut ids = Vec::new();
        for i in 0..3 {
            let b = submit(&app, &u, &batch(&numbers(10 * i, 2), json!({}))).await;
            ids.push(b["id"].as_str().unwrap().to_owned());
        }
        let id = &ids[0];
        let act = |what: &str| format!("/v1/batches/{id}/{what}");
        let (s, b) = send(r, Method::POST, &act("resume"), Some(&u.key), None).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("invalid_state"))
        );
        let (s, b) = send(r, Method::POST, &act("pause"), Some(&u.key), None).await;
        assert_eq!((s, b["state"].as_str()), (StatusCode::OK, Some("paused")));
        let (s, b) = send(r, Method::POST, &act("resume"), Some(&u.key), None).await;
        assert_eq!((s, b["state"].as_str()), (StatusCode::OK, Some("running")));
        let (s, b) = send(r, Method::POST, &act("cancel"), Some(&u.key), None).await;
        assert_eq!(
            (s, b["state"].as_str()),
            (StatusCode::OK, Some("canceled")),
            "{b}"
        );
        assert_eq!(b["counts"]["canceled"], 2);
        assert_eq!(b["progress"]["done"], 2);
        let (s, _) = send(r, Method::POST, &act("pause"), Some(&u.key), None).await;
        assert_eq!(s, StatusCode::CONFLICT);

        // Cursor pagination over batches: newest first, no repeats.
        let (s, p1) = send(r, Method::GET, "/v1/batches?limit=2", Some(&u.key), None).await;
        assert_eq!(s, StatusCode::OK);
        let cursor = p1["next_cursor"].as_str().unwrap().to_owned();
        let (_, p2) = send(
            r,
            Method::GET,
            &format!("/v1/batches?limit=2&cursor={cursor}"),
            Some(&u.key),
            None,
        )
        .await;
        let mut seen: Vec<String> = p1["batches"]
            .as_array()
            .unwrap()
            .iter()
            .chain(p2["batches"].as_array().unwrap())
            .map(|b| b["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(seen.len(), 3);
        assert!(p2["next_cursor"].is_null());
        seen.sort();
        ids.sort();
        assert_eq!(seen, ids);
        let (s, b) = send(
            r,
            Method::GET,
            "/v1/batches?cursor=garbage",
            Some(&u.key),
            None,
        )
        .await;
        assert_eq!(
            (s, b["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("cursor"))
        );
    }
}

#[tokio::test]
async fn call_log_filters_and_cursor_pagination() {
    for db in db::all().await {
        let app = app(&db, engine(), false).await;
        let r = &app.router;
        let u = user(&app, 5.0).await;
        save_config(&app, &u, &phone_config(2, 1)).await;
        let a = submit(&app, &u, &batch(&numbers(0, 7), json!({}))).await;
        let b = submit(&app, &u, &batch(&numbers(100, 3), json!({}))).await;
        let a_id = a["id"].as_str().unwrap();
        let mut seen = std::collections::HashSet::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/calls?batch_id={a_id}&limit=3&cursor={c}"),
                None => format!("/v1/calls?batch_id={a_id}&limit=3"),
            };
            let (s, page) = send(r, Method::GET, &path, Some(&u.key), None).await;
            assert_eq!(s, StatusCode::OK, "{page}");
            pages += 1;
            for c in page["calls"].as_array().unwrap() {
                assert_eq!(c["batch_id"], a_id);
                assert!(
                    seen.insert(c["id"].as_str().unwrap().to_owned()),
                    "repeated call"
                );
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!((seen.len(), pages), (7, 3));
        let (_, all) = send(
            r,
            Method::GET,
            "/v1/calls?status=queued&limit=500",
            Some(&u.key),
            None,
        )
        .await;
        assert_eq!(all["calls"].as_array().unwrap().len(), 10);
        let (_, none) = send(
            r,
            Method::GET,
            "/v1/calls?status=completed",
            Some(&u.key),
            None,
        )
        .await;
        assert_eq!(none["calls"].as_array().unwrap().len(), 0);
        let (s, e) = send(
            r,
            Method::GET,
            "/v1/calls?status=exploded",
            Some(&u.key),
            None,
        )
        .await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("status"))
        );
        let (s, e) = send(r, Method::GET, "/v1/calls?limit=0", Some(&u.key), None).await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("limit"))
        );
        let one = &calls_of(&app, &u, b["id"].as_str().unwrap()).await[0];
        let (s, got) = send(
            r,
            Method::GET,
            &format!("/v1/calls/{}", one["id"].as_str().unwrap()),
            Some(&u.key),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(&got, one);
        assert_eq!(got["campaign_id"], "camp-1");
        assert!(got["timeline"]["queued_at"].is_string());
        assert!(got["timeline"]["dialing_at"].is_null());
    }
}

#[tokio::test]
async fn another_users_ids_are_not_found() {
    for db in db::all().await {
        let app = app(&db, engine(), false).await;
        let r = &app.router;
        let alice = user(&app, 5.0).await;
        let bob = user(&app, 5.0).await;
        save_config(&app, &alice, &phone_config(2, 1)).await;
        let a = submit(&app, &alice, &batch(&numbers(0, 2), json!({}))).await;
        let batch_id = a["id"].as_str().unwrap();
        let call_id = calls_of(&app, &alice, batch_id).await[0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for (method, path) in [
            (Method::GET, format!("/v1/batches/{batch_id}")),
            (Method::POST, format!("/v1/batches/{batch_id}/cancel")),
            (Method::POST, format!("/v1/batches/{batch_id}/pause")),
            (Method::POST, format!("/v1/batches/{batch_id}/resume")),
            (Method::GET, format!("/v1/calls/{call_id}")),
            (Method::GET, "/v1/phone-config".to_owned()),
        ] {
            let (s, b) = send(r, method.clone(), &path, Some(&bob.key), None).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{method} {path}: {b}");
            assert_eq!(b["error"]["code"], "not_found");
        }
        let (_, list) = send(
            r,
            Method::GET,
            &format!("/v1/calls?batch_id={batch_id}"),
            Some(&bob.key),
            None,
        )
        .await;
        assert_eq!(list["calls"].as_array().unwrap().len(), 0);
        let (_, list) = send(r, Method::GET, "/v1/batches", Some(&bob.key), None).await;
        assert_eq!(list["batches"].as_array().unwrap().len(), 0);
        assert_eq!(get_batch(&app, &alice, batch_id).await["state"], "running");
    }
}

#[tokio::test]
async fn health_and_metrics() {
    for db in db::all().await {
        let app = app(&db, engine(), false).await;
        let r = &app.router;
        let u = user(&app, 5.0).await;
        save_config(&app, &u, &phone_config(2, 1)).await;
        submit(&app, &u, &batch(&numbers(0, 3), json!({}))).await;
        let (s, h) = send(r, Method::GET, "/health", None, None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h["status"], "ok");
        assert_eq!(h["queue_depth"], 3);
        assert_eq!(h["active_calls"], 0);
        assert_eq!(h["engine"], true);
        // Public: counts per state, no user ids.
        assert_eq!(h["trunks"]["registered"], 1, "{h}");
        assert_eq!(h["trunks"]["failed"], 0, "{h}");
        assert!(h.get("trunks_by_user").is_none(), "{h}");
        assert!(!h.to_string().contains(&u.id), "{h}");
        // A user's key is not the admin token: still aggregate only.
        let (_, h) = send(r, Method::GET, "/health", Some(&u.key), None).await;
        assert!(h.get("trunks_by_user").is_none(), "{h}");
        let (s, h) = send(r, Method::GET, "/health", Some(ADMIN), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            h["trunks_by_user"],
            json!([{"user_id": u.id, "state": "registered"}])
        );
        let (s, text) = send_raw(
            r,
            axum::http::Request::get("/metrics")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(text.contains("trunkline_queue_depth 3"), "{text}");
        assert!(text.contains("trunkline_active_calls 0"));
        assert!(
            text.contains("trunkline_trunks{state=\"registered\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("trunkline_trunks{state=\"failed\"} 0\n"),
            "{text}"
        );
        assert!(!text.contains(&u.id), "a user id in /metrics: {text}");
        assert!(text.contains("trunkline_calls_total{status=\"completed\"} 0"));
        assert!(text.contains("# TYPE trunkline_rtp_jitter_ms histogram"));
        assert!(text.contains("trunkline_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/batches\"} 1"), "{text}");
        assert!(text.contains("route=\"/health\""));
    }
}

/// PostgreSQL cannot store NUL in text: such fields were a 500 there. Now every backend refuses
/// control characters in stored text with a 422 naming the field.
#[tokio::test]
async fn control_characters_in_stored_text_are_refused_by_name() {
    for db in db::all().await {
        let app = app(&db, engine(), false).await;
        let r = &app.router;
        let (s, b) = send(
            r,
            Method::POST,
            "/v1/users",
            Some(ADMIN),
            Some(&json!({"name": "a\u{0}b"})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}: {b}", db.backend);
        assert_eq!(b["error"]["field"], "name");
        let u = user(&app, 10.0).await;
        let (s, b) = send(
            r,
            Method::POST,
            &format!("/v1/users/{}/credits", u.id),
            Some(ADMIN),
            Some(&json!({"amount": 1.0, "note": "line\nbreak"})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}: {b}", db.backend);
        assert_eq!(b["error"]["field"], "note");
        save_config(&app, &u, &phone_config(2, 1)).await;
        let nums = numbers(3000, 2);
        for (extra, field) in [
            (json!({"campaign_id": "camp\u{0}1"}), "campaign_id"),
            (json!({"prompt_id": "p\u{0}"}), "prompt_id"),
            (
                json!({"contacts": [{"phone": nums[0], "customer_name": "x\u{0}y"}]}),
                "contacts[0].customer_name",
            ),
        ] {
            let body = batch(&nums, extra);
            let (s, b) = send(r, Method::POST, "/v1/batches", Some(&u.key), Some(&body)).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}: {b}", db.backend);
            assert_eq!(b["error"]["field"], field, "{b}");
        }
        let body = batch(&nums, json!({}));
        let (s, b) = send(r, Method::POST, "/v1/batches", Some(&u.key), Some(&body)).await;
        assert_eq!(s, StatusCode::CREATED, "{}: {b}", db.backend);
    }
}
