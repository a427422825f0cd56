//! The `trunkline serve` and `trunkline batch` subcommands, run as the real binary against a
//! service on 127.0.0.1.

mod support;

use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use support::db;
use support::engine::{Script, ScriptedEngine};
use support::harness::*;
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_trunkline");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let sip_port = std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .expect("a free UDP port");
    let config = dir.path().join("trunkline.toml");
    std::fs::write(
        &config,
        format!(
            "[sip]\nbind = \"127.0.0.1:{sip_port}\"\n[http]\nbind = \"127.0.0.1:{port}\"\n[storage]\nurl = \"sqlite://{}\"\n[auth]\nadmin_token = \"{ADMIN}\"\n",
            dir.path().join("t.db").display()
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .env_remove("TRUNKLINE_SECURITY__SECRET_KEY")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("security.secret_key is required"));

    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .env(
            "TRUNKLINE_SECURITY__SECRET_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        )
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut health = None;
    for _ in 0..200 {
        if let Ok(r) = http.get(format!("{base}/health")).send().await {
            health = r.json::<Value>().await.ok();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let health = health.expect("serve answered /health");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["engine"], true);
    let created = http
        .post(format!("{base}/v1/users"))
        .bearer_auth(ADMIN)
        .json(&json!({"name": "cli"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let pid = child.id().unwrap().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("serve stops after SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_submit_and_watch_through_the_api() {
    let db = db::sqlite();
    let engine = ScriptedEngine::new(Script::Answer {
        ring_ms: 5,
        talk_ms: 20,
    });
    let app = app(&db, Arc::clone(&engine), true).await;
    let u = user(&app, 10.0).await;
    save_config(&app, &u, &phone_config(2, 10)).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = app.router.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("contacts.csv");
    std::fs::write(
        &csv,
        "phone,customer_name,plan\n+60120000001,Aisyah,gold\n+60120000002,Ben,\nnot-a-number,Chen,x\n+60 12-000 0003,Dan,silver\n",
    )
    .unwrap();
    let run = |args: Vec<String>, key: &str| {
        Command::new(BIN)
            .args(args)
            .env("TRUNKLINE_API_URL", &base)
            .env("TRUNKLINE_API_KEY", key)
            .output()
    };
    let submit_args: Vec<String> = [
        "batch",
        "submit",
        "--file",
        csv.to_str().unwrap(),
        "--campaign-id",
        "camp",
        "--prompt-id",
        "p1",
        "--handler-url",
        "ws://127.0.0.1:9/stream",
        "--max-duration",
        "60",
        "--watch",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = run(submit_args.clone(), "tk_wrong").await.unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unauthorized"));

    let out = tokio::time::timeout(Duration::from_secs(30), run(submit_args, &u.key))
        .await
        .expect("submit --watch ends")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("3 queued, 1 rejected"), "{stdout}");
    assert!(
        stdout.contains("row 4: not-a-number (invalid_number)"),
        "{stdout}"
    );
    let dials = engine.dials();
    assert_eq!(dials.len(), 3, "{stdout}");
    let aisyah = dials.iter().find(|d| d.phone == "+60120000001").unwrap();
    assert_eq!(aisyah.params.get("plan").map(String::as_str), Some("gold"));
    let id = stdout.split_whitespace().nth(1).unwrap().to_owned();
    let out = run(vec!["batch".into(), "watch".into(), id.clone()], &u.key)
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        stdout.contains("completed · in progress 0 · failed 0 · cost 0.3000 credits"),
        "{stdout}"
    );
    assert_eq!(get_batch(&app, &u, &id).await["progress"]["done"], 3);
}
