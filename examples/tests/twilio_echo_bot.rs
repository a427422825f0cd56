//! Runs the `twilio_echo_bot` example as a real process and drives it with
//! Trunkline's Twilio bridge: the echo comes back, marks round-trip, DTMF is
//! seen, and the bot hangs up on time.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use codecs::g711;
use dialer_api::config::{HandlerConfig, HandlerProtocol};
use dialer_api::handler::{CallMetadata, ConnectOptions, HandlerEvent, HangupCause, connect};
use serde_json::Value;

/// The example binary, which `cargo test` builds next to the test's `deps` directory.
fn bot_path() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    profile_dir.join("examples").join("twilio_echo_bot")
}

struct Bot(Child);

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_bot_echoes_marks_and_hangs_up() {
    let path = bot_path();
    assert!(path.exists(), "{} not built", path.display());
    let mut bot = Bot(Command::new(&path)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--delay-ms",
            "100",
            "--hangup-after",
            "2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap());
    let mut stdout = BufReader::new(bot.0.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&stdout.next().unwrap().unwrap()).unwrap();
    let url = format!("{}/stream", first["listening"].as_str().unwrap());

    let handler = HandlerConfig::new(&url, HandlerProtocol::Twilio, None).unwrap();
    let (bridge, mut events) = connect(&handler, &ConnectOptions::default()).await.unwrap();
    bridge
        .start(CallMetadata::new(
            uuid::Uuid::from_u128(7),
            "+60123456789",
            "+60198765432",
        ))
        .unwrap();
    bridge.send_dtmf('5').unwrap();

    // Send 20 ms frames in real time, each a distinct level, until the bot hangs up.
    let mut sent: Vec<i16> = Vec::new();
    let mut echoed: Vec<i16> = Vec::new();
    let mut marks = Vec::new();
    let mut ticker = tokio::time::interval(Duration::from_millis(20));
    let cause = loop {
        tokio::select! {
            _ = ticker.tick() => {
                let level = (sent.len() / 160 % 200) as i16 * 100 - 10000;
                let frame = [level; 160];
                if bridge.send_audio(&frame).is_ok() {
                    sent.extend_from_slice(&frame);
                }
            }
            event = events.recv() => match event {
                Some(HandlerEvent::Audio { samples, sample_rate: 8000 }) => echoed.extend(samples),
                Some(HandlerEvent::Mark(name)) => {
                    bridge.mark_played(&name).unwrap();
                    marks.push(name);
                }
                Some(HandlerEvent::HungUp(cause)) => break cause,
                other => panic!("unexpected {other:?}"),
            }
        }
    };
    assert_eq!(
        cause,
        HangupCause::Closed {
            code: Some(1000),
            reason: "echo bot hung up".into()
        }
    );
    // About 2 s of audio went out; all but the last 100 ms came back, unchanged
    // except for the u-law round trip, in order.
    assert!(
        (90..=110).contains(&(sent.len() / 160)),
        "{} frames sent",
        sent.len() / 160
    );
    assert!(
        echoed.len() >= sent.len() - 10 * 160,
        "{} of {} samples echoed",
        echoed.len(),
        sent.len()
    );
    let expected: Vec<i16> = sent[..echoed.len()]
        .iter()
        .map(|&s| g711::ulaw_decode(g711::ulaw_encode(s)))
        .collect();
    assert_eq!(echoed, expected);
    assert_eq!(marks.first().map(String::as_str), Some("echo-1"));

    let summary: Value = serde_json::from_str(&stdout.next().unwrap().unwrap()).unwrap();
    assert_eq!(summary["hangup_by"], "bot");
    assert_eq!(summary["dtmf"], "5");
    assert_eq!(summary["marks_played"], marks.len());
    assert!(summary["media_received"].as_u64().unwrap() * 160 >= echoed.len() as u64);
    let stats = bridge
        .finish(dialer_api::handler::FinishReason::Trunkline)
        .await;
    assert_eq!(stats.malformed, 0);
}
