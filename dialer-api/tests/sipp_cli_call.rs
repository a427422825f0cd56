//! `trunkline call` as a program: a call through a SIPp trunk that the bot
//! ends through the Twilio hang-up route (`--http`), the one JSON object it
//! prints, and its exit status; and a call whose handler is unreachable.

mod sipp_support;

use std::net::SocketAddr;
use std::process::Output;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::Value;
use sipp_support::bots::bot_listener;
use sipp_support::rtp_peer::RtpPeer;
use sipp_support::sipp::{self, Sipp, assert_sipp_ok};
use tokio_tungstenite::tungstenite::Message;

const KEYS: [&str; 17] = [
    "to",
    "call_id",
    "call_sid",
    "status",
    "sip_status",
    "sip_reason",
    "hangup_by",
    "ring_ms",
    "answer_ms",
    "duration_ms",
    "codec",
    "packets_sent",
    "packets_received",
    "loss",
    "jitter_ms",
    "mos",
    "error",
];

fn config(dir: &std::path::Path, proxy: &str, handler: &str) -> std::path::PathBuf {
    let text = format!(
        "[sip]\nbind = \"127.0.0.1:0\"\n[rtp]\nport_min = 20000\nport_max = 40000\n\
         [[trunks]]\nname = \"main\"\nproxies = [\"{proxy}\"]\nusername = \"alice\"\npassword = \"s3cret\"\n\
         caller_id = \"+60123456789\"\ndisplay_name = \"My Company\"\ncodecs = [\"PCMU\", \"GSM\"]\nregister = false\n\
         [handler]\nurl = \"{handler}\"\n"
    );
    let path = dir.join("trunkline.toml");
    std::fs::write(&path, text).unwrap();
    path
}

async fn trunkline_call(args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_trunkline"))
        .arg("call")
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .await
        .unwrap()
}

fn report(out: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "one JSON object on stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(lines[0]).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected = KEYS.to_vec();
    keys.sort_unstable();
    expected.sort_unstable();
    assert_eq!(keys, expected);
    v
}

/// A Twilio bot that hangs up through the REST route one second after `start`.
fn rest_hangup_bot(
    listener: tokio::net::TcpListener,
    http: SocketAddr,
) -> tokio::task::JoinHandle<(Value, Vec<Value>)> {
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        let mut seen = Vec::new();
        let mut answer = Value::Null;
        while let Some(Ok(m)) = ws.next().await {
            let Message::Text(t) = m else { continue };
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["event"] == "start" {
                let account = v["start"]["accountSid"].as_str().unwrap().to_owned();
                let call = v["start"]["callSid"].as_str().unwrap().to_owned();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    let url =
                        format!("http://{http}/2010-04-01/Accounts/{account}/Calls/{call}.json");
                    let response = reqwest::Client::new()
                        .post(url)
                        .basic_auth(&account, Some("token"))
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body("Status=completed")
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 200);
                });
            }
            if v["event"] == "stop" {
                answer = v.clone();
            }
            seen.push(v);
        }
        (answer, seen)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_hung_up_through_the_twilio_rest_route() {
    if !sipp::available() {
        return;
    }
    let peer = RtpPeer::start(codecs::Codec::Gsm, 3, Some(440.0)).await;
    let trunk = Sipp::answering(&peer, 3, "GSM", "200").await;
    let (listener, bot_addr) = bot_listener().await;
    let http: SocketAddr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let bot = rest_hangup_bot(listener, http);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &trunk.proxy(),
        &format!("ws://{bot_addr}/stream"),
    );
    let http_arg = http.to_string();
    // A national number: read in the caller ID's country (MY).
    let out = trunkline_call(&[
        "--config",
        cfg.to_str().unwrap(),
        "--to",
        "019-876 5432",
        "--param",
        "order=A-1",
        "--param",
        "customer_name=Ana",
        "--http",
        &http_arg,
    ])
    .await;
    let r = report(&out);
    assert!(
        out.status.success(),
        "{r}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(r["to"], "+60198765432");
    assert_eq!(r["status"], "completed");
    assert_eq!(r["sip_status"], 200);
    assert_eq!(r["sip_reason"], "OK");
    assert_eq!(r["hangup_by"], "handler");
    assert_eq!(r["codec"], "GSM");
    assert_eq!(r["error"], Value::Null);
    let duration = r["duration_ms"].as_u64().unwrap();
    assert!((900..1800).contains(&duration), "{duration} ms");
    assert!(
        r["packets_sent"].as_u64().unwrap() > 40 && r["packets_received"].as_u64().unwrap() > 30,
        "{r}"
    );
    assert!(
        r["mos"].as_f64().unwrap() > 3.0 && r["loss"].as_f64().unwrap() < 0.05,
        "{r}"
    );
    assert!(r["ring_ms"].as_u64().unwrap() < r["answer_ms"].as_u64().unwrap());
    assert!(r["call_id"].as_str().is_some_and(|c| !c.is_empty()));
    let (stop, seen) = bot.await.unwrap();
    assert_eq!(stop["stop"]["callSid"], r["call_sid"]);
    let custom = &seen[1]["start"]["customParameters"];
    assert_eq!(custom["order"], "A-1");
    assert_eq!(custom["customer_name"], "Ana");
    assert_eq!(custom["to_number"], "+60198765432");
    assert_eq!(custom["from_number"], "+60123456789");
    assert_sipp_ok(trunk).await;
    let (packets, _) = peer.stop().await;
    assert!(packets.len() > 40);
}

#[tokio::test]
async fn an_unreachable_handler_is_reported_and_nothing_is_dialled() {
    let trunk = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("ws://{closed}/stream");
    let cfg = config(dir.path(), &trunk.local_addr().unwrap().to_string(), &url);
    let out = trunkline_call(&["--config", cfg.to_str().unwrap(), "--to", "+60198765432"]).await;
    assert_eq!(out.status.code(), Some(1));
    let r = report(&out);
    assert_eq!(r["status"], "failed");
    assert_eq!(r["error"], format!("handler {url}: connection refused"));
    assert_eq!(r["call_id"], Value::Null);
    let mut buf = [0u8; 1500];
    let got = tokio::time::timeout(Duration::from_millis(300), trunk.recv_from(&mut buf)).await;
    assert!(got.is_err(), "something was sent to the trunk");
}

#[tokio::test]
async fn a_number_that_is_not_e164_is_refused_before_anything_happens() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "127.0.0.1:5999", "ws://127.0.0.1:1/stream");
    let out = trunkline_call(&["--config", cfg.to_str().unwrap(), "--to", "12ab"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "trunkline: --to: '12ab' is not a valid E.164 number\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_hangs_up_with_bye_and_reports() {
    if !sipp::available() {
        return;
    }
    let peer = RtpPeer::start(codecs::Codec::Pcmu, 0, Some(440.0)).await;
    let trunk = Sipp::answering(&peer, 0, "PCMU", "200").await;
    let (listener, bot_addr) = bot_listener().await;
    let mut plan = sipp_support::bots::BotPlan::tone_then_hangup(30.0);
    plan.hangup_after = None;
    let bot = sipp_support::bots::twilio_bot(listener, plan);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &trunk.proxy(),
        &format!("ws://{bot_addr}/stream"),
    );
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_trunkline"))
        .args([
            "call",
            "--config",
            cfg.to_str().unwrap(),
            "--to",
            "+60198765432",
        ])
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once media flows, ask it to stop.
    for _ in 0..100 {
        if peer.packets().len() > 25 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = tokio::time::timeout(Duration::from_secs(15), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let r = report(&out);
    assert_eq!(r["status"], "completed", "{r}");
    assert_eq!(r["hangup_by"], "trunkline");
    assert!(out.status.success());
    // SIPp got our BYE; the bot got `stop`.
    assert_sipp_ok(trunk).await;
    let run = bot.await.unwrap();
    assert_eq!(run.json.last().unwrap().1["event"], "stop");
    peer.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pcm_at_16_khz_through_the_binary() {
    if !sipp::available() {
        return;
    }
    let peer = RtpPeer::start(codecs::Codec::Pcmu, 0, Some(440.0)).await;
    let trunk = Sipp::answering(&peer, 0, "PCMU", "200").await;
    let (listener, bot_addr) = bot_listener().await;
    let bot = sipp_support::bots::pcm_bot(
        listener,
        sipp_support::bots::BotPlan::tone_then_hangup(1.0),
        16_000,
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &trunk.proxy(), "ws://127.0.0.1:1/unused");
    let url = format!("ws://{bot_addr}/pcm");
    let out = trunkline_call(&[
        "--config",
        cfg.to_str().unwrap(),
        "--to",
        "+60198765432",
        "--handler",
        &url,
        "--protocol",
        "pcm",
        "--sample-rate",
        "16000",
    ])
    .await;
    let r = report(&out);
    assert!(out.status.success(), "{r}");
    assert_eq!(
        (r["status"].as_str(), r["hangup_by"].as_str()),
        (Some("completed"), Some("handler"))
    );
    let run = bot.await.unwrap();
    let start = &run.json.first().expect("the pcm start frame").1;
    assert_eq!(start["event"], "start", "{start}");
    assert_eq!(start["sampleRate"], 16_000, "{start}");
    // 20 ms of 16 kHz L16 is 640 bytes.
    assert!(run.frames.len() > 20, "{} frames", run.frames.len());
    assert!(run.frames.iter().all(|(_, _, f)| f.len() == 640));
    assert_sipp_ok(trunk).await;
    let (packets, _) = peer.stop().await;
    assert!(packets.len() > 30, "{} RTP packets", packets.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audiosocket_over_tcp_through_the_binary() {
    if !sipp::available() {
        return;
    }
    let peer = RtpPeer::start(codecs::Codec::Pcmu, 0, Some(440.0)).await;
    let trunk = Sipp::answering(&peer, 0, "PCMU", "200").await;
    let (listener, bot_addr) = bot_listener().await;
    let bot = sipp_support::bots::audiosocket_bot(
        listener,
        sipp_support::bots::BotPlan::tone_then_hangup(1.0),
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &trunk.proxy(), "ws://127.0.0.1:1/unused");
    let url = format!("tcp://{bot_addr}");
    let out = trunkline_call(&[
        "--config",
        cfg.to_str().unwrap(),
        "--to",
        "+60198765432",
        "--handler",
        &url,
        "--protocol",
        "audiosocket",
    ])
    .await;
    let r = report(&out);
    assert!(out.status.success(), "{r}");
    assert_eq!(
        (r["status"].as_str(), r["hangup_by"].as_str()),
        (Some("completed"), Some("handler"))
    );
    let run = bot.await.unwrap();
    // AudioSocket audio frames (kind 0x10) of 20 ms of 8 kHz L16: 320 bytes.
    let audio: Vec<_> = run
        .frames
        .iter()
        .filter(|(_, kind, _)| *kind == 0x10)
        .collect();
    assert!(audio.len() > 20, "{} audio frames", audio.len());
    assert!(audio.iter().all(|(_, _, f)| f.len() == 320));
    assert_sipp_ok(trunk).await;
    let (packets, _) = peer.stop().await;
    assert!(packets.len() > 30, "{} RTP packets", packets.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_exits_1_with_486_in_the_report() {
    if !sipp::available() {
        return;
    }
    let trunk = Sipp::start("engine_busy.xml", &[]).await;
    let (listener, bot_addr) = bot_listener().await;
    let bot = sipp_support::bots::twilio_bot(
        listener,
        sipp_support::bots::BotPlan::tone_then_hangup(1.0),
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &trunk.proxy(),
        &format!("ws://{bot_addr}/stream"),
    );
    let out = trunkline_call(&["--config", cfg.to_str().unwrap(), "--to", "+60198765432"]).await;
    assert_eq!(out.status.code(), Some(1));
    let r = report(&out);
    assert_eq!(r["status"], "busy", "{r}");
    assert_eq!(r["sip_status"], 486, "{r}");
    assert_eq!(r["sip_reason"], "Busy Here", "{r}");
    assert_eq!(r["error"], Value::Null, "{r}");
    assert_sipp_ok(trunk).await;
    let run = bot.await.unwrap();
    assert!(run.start_at.is_none(), "the bot got start on a busy call");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ring_timeout_of_the_config_applies_without_the_flag() {
    if !sipp::available() {
        return;
    }
    let trunk = Sipp::start("engine_no_answer.xml", &[]).await;
    let (listener, bot_addr) = bot_listener().await;
    let bot = sipp_support::bots::twilio_bot(
        listener,
        sipp_support::bots::BotPlan::tone_then_hangup(1.0),
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &trunk.proxy(),
        &format!("ws://{bot_addr}/stream"),
    );
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, text.replace("[sip]\n", "[sip]\nring_timeout = 2\n")).unwrap();
    let started = std::time::Instant::now();
    let out = trunkline_call(&["--config", cfg.to_str().unwrap(), "--to", "+60198765432"]).await;
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1));
    let r = report(&out);
    assert_eq!(r["status"], "no_answer", "{r}");
    assert_eq!(r["sip_status"], 487, "{r}");
    // Cancelled after the configured 2 s, not the old flag default of 60 s.
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(10),
        "took {took:?}"
    );
    assert_sipp_ok(trunk).await;
    drop(bot);
}

#[tokio::test]
async fn durations_out_of_range_are_refused_by_the_command_line() {
    for (flag, value, range) in [
        ("--max-duration", "18446744073709551615", "1..=86400"),
        ("--max-duration", "0", "1..=86400"),
        ("--ring-timeout", "18446744073709551615", "1..=600"),
        ("--ring-timeout", "601", "1..=600"),
    ] {
        let out = trunkline_call(&[
            "--config",
            "/nonexistent.toml",
            "--to",
            "+60198765432",
            flag,
            value,
        ])
        .await;
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("invalid value '{value}' for '{flag}"))
                && stderr.contains(&format!("is not in {range}")),
            "{stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_registering_unregisters_and_reports() {
    // A registrar that receives and never answers: registration would wait for a minute.
    let registrar = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &registrar.local_addr().unwrap().to_string(),
        "ws://127.0.0.1:1/stream",
    );
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, text.replace("register = false", "register = true")).unwrap();
    // The handler is checked only when dialling: an unreachable one is fine here.
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_trunkline"))
        .args([
            "call",
            "--config",
            cfg.to_str().unwrap(),
            "--to",
            "+60198765432",
        ])
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let (n, _) = tokio::time::timeout(Duration::from_secs(10), registrar.recv_from(&mut buf))
        .await
        .expect("a REGISTER")
        .unwrap();
    assert!(buf[..n].starts_with(b"REGISTER "));
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().unwrap().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // Everything the registrar gets until the process is gone.
    let received = tokio::spawn(async move {
        let mut seen = Vec::new();
        let mut buf = vec![0u8; 4096];
        while let Ok(Ok((n, _))) =
            tokio::time::timeout(Duration::from_secs(3), registrar.recv_from(&mut buf)).await
        {
            seen.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        seen
    });
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("call stops within 20 s of SIGTERM")
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = report(&out);
    assert_eq!(r["status"], "canceled", "{r}");
    assert_eq!(
        r["error"], "stopped before dialling (SIGTERM or Ctrl-C)",
        "{r}"
    );
    assert_eq!(r["call_id"], Value::Null, "{r}");
    let seen = received.await.unwrap();
    assert!(
        seen.iter().all(|m| m.starts_with("REGISTER ")),
        "only REGISTERs (retransmissions, the un-REGISTER), never an INVITE: {seen:?}"
    );
    assert!(
        seen.iter().any(|m| {
            let lower = m.to_ascii_lowercase();
            lower.contains("\r\nexpires: 0\r\n") || lower.contains(";expires=0")
        }),
        "no un-REGISTER (expires 0) after SIGTERM: {seen:?}"
    );
}
