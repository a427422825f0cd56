//! `trunkline echo-bot` as a program: the URL on the first JSON line, a call
//! from a WebSocket client, the hang-up, and a clean stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn serves_a_call_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trunkline"))
        .args([
            "echo-bot",
            "--bind",
            "127.0.0.1:0",
            "--hangup-after",
            "0.5",
            "--json",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut line = || -> Value { serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap() };
    let first = line();
    assert_eq!(first["event"], "listening");
    let url = first["url"].as_str().unwrap().to_owned();
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    ws.send(Message::text(
        json!({"event":"start","streamSid":"MZc","start":{"streamSid":"MZc","accountSid":"AC1",
            "callSid":"CA1","tracks":["inbound"],"customParameters":{},
            "mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}})
        .to_string(),
    ))
    .await
    .unwrap();
    while let Some(Ok(m)) = ws.next().await {
        if m.is_close() {
            break;
        }
    }
    let names: Vec<String> = (0..3)
        .map(|_| line()["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["connected", "started", "ended"]);
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_bad_hangup_time_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_trunkline"))
        .args(["echo-bot", "--hangup-after=-1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--hangup-after"));
}
