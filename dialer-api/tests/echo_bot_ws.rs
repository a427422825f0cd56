//! The echo bot against a real WebSocket client speaking the Twilio protocol
//! as Trunkline does: greeting and its mark, the echo after a pause, clear on
//! `*`, stop, hang-up after N seconds, malformed input, parallel calls.

use std::time::Duration;

use base64::Engine as _;
use codecs::g711;
use dialer_api::echo_bot::{
    BotEvent, CHIME_NOTES, EchoBot, EchoBotConfig, GREETING_MARK, HangupBy,
};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const PATIENCE: Duration = Duration::from_secs(5);

async fn connect(bot: &EchoBot) -> Ws {
    let (ws, _) = tokio_tungstenite::connect_async(bot.url()).await.unwrap();
    ws
}

async fn send(ws: &mut Ws, value: Value) {
    ws.send(Message::text(value.to_string())).await.unwrap();
}

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(PATIENCE, ws.next())
            .await
            .expect("the bot answers in time")
            .expect("the socket is open")
            .unwrap();
        if let Message::Text(t) = m {
            return serde_json::from_str(t.as_str()).unwrap();
        }
    }
}

async fn start(ws: &mut Ws, sid: &str) {
    send(
        ws,
        json!({"event":"connected","protocol":"Call","version":"1.0.0"}),
    )
    .await;
    send(
        ws,
        json!({"event":"start","sequenceNumber":"1","streamSid":sid,"start":{
            "streamSid":sid,"accountSid":"AC00","callSid":format!("CA{sid}"),"tracks":["inbound"],
            "customParameters":{"customer_name":"Aminah","to_number":"+60198765432"},
            "mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}),
    )
    .await;
}

fn tone_frame(k: usize, freq: f64) -> Vec<u8> {
    let pcm: Vec<i16> = (0..160)
        .map(|n| {
            let t = (k * 160 + n) as f64 / 8000.0;
            (6000.0 * (2.0 * std::f64::consts::PI * freq * t).sin()) as i16
        })
        .collect();
    let mut ulaw = vec![0u8; 160];
    g711::ulaw_encode_slice(&pcm, &mut ulaw);
    ulaw
}

async fn media(ws: &mut Ws, sid: &str, chunk: usize, ulaw: &[u8]) {
    let payload = base64::engine::general_purpose::STANDARD.encode(ulaw);
    send(
        ws,
        json!({"event":"media","sequenceNumber":(chunk + 2).to_string(),"streamSid":sid,
            "media":{"track":"inbound","chunk":chunk.to_string(),"timestamp":(chunk*20).to_string(),"payload":payload}}),
    )
    .await;
}

/// Reads `media` messages until a mark; returns the u-law audio and the mark name.
async fn audio_then_mark(ws: &mut Ws, sid: &str) -> (Vec<u8>, String) {
    let mut audio = Vec::new();
    loop {
        let m = next_json(ws).await;
        assert_eq!(m["streamSid"], sid, "{m}");
        match m["event"].as_str().unwrap() {
            "media" => audio.extend(
                base64::engine::general_purpose::STANDARD
                    .decode(m["media"]["payload"].as_str().unwrap())
                    .unwrap(),
            ),
            "mark" => return (audio, m["mark"]["name"].as_str().unwrap().to_owned()),
            other => panic!("unexpected {other}: {m}"),
        }
    }
}

async fn ended(bot: &mut EchoBot) -> dialer_api::echo_bot::BotCallReport {
    loop {
        match tokio::time::timeout(PATIENCE, bot.next_event()).await {
            Ok(Some(BotEvent::Ended(r))) => return r,
            Ok(Some(_)) => {}
            other => panic!("no end of call: {other:?}"),
        }
    }
}

#[tokio::test]
async fn greets_then_repeats_each_utterance_and_honours_stop() {
    let mut bot = EchoBot::start(EchoBotConfig::loopback()).await.unwrap();
    let mut ws = connect(&bot).await;
    start(&mut ws, "MZa").await;

    // The greeting: the chime, then its mark.
    let (greeting, mark) = audio_then_mark(&mut ws, "MZa").await;
    assert_eq!(mark, GREETING_MARK);
    assert_eq!(greeting.len(), 4800);
    let pcm: Vec<i16> = greeting.iter().map(|b| g711::ulaw_decode(*b)).collect();
    let first_note = &pcm[100..1500];
    let crossings = first_note
        .windows(2)
        .filter(|w| (w[0] < 0) != (w[1] < 0))
        .count();
    let freq = crossings as f64 / 2.0 / (first_note.len() as f64 / 8000.0);
    assert!((freq - CHIME_NOTES[0]).abs() < 10.0, "{freq} Hz");

    // Speech before the mark comes back is not repeated.
    for k in 0..10 {
        media(&mut ws, "MZa", k, &tone_frame(k, 700.0)).await;
    }
    send(
        &mut ws,
        json!({"event":"mark","streamSid":"MZa","mark":{"name":GREETING_MARK}}),
    )
    .await;
    // 25 frames of tone, then 30 of silence (the pause is 500 ms = 25 frames).
    let spoken: Vec<u8> = (0..25).flat_map(|k| tone_frame(k, 1000.0)).collect();
    for (k, frame) in spoken.chunks(160).enumerate() {
        media(&mut ws, "MZa", 10 + k, frame).await;
    }
    for k in 0..30 {
        media(&mut ws, "MZa", 35 + k, &[0xff; 160]).await;
    }
    let (echo, mark) = audio_then_mark(&mut ws, "MZa").await;
    assert_eq!(mark, "echo-1");
    assert_eq!(echo, spoken, "the utterance comes back byte for byte");
    send(
        &mut ws,
        json!({"event":"mark","streamSid":"MZa","mark":{"name":"echo-1"}}),
    )
    .await;
    send(
        &mut ws,
        json!({"event":"dtmf","streamSid":"MZa","dtmf":{"track":"inbound_track","digit":"7"}}),
    )
    .await;

    // stop: the bot closes the socket normally.
    send(&mut ws, json!({"event":"stop","sequenceNumber":"99","streamSid":"MZa","stop":{"accountSid":"AC00","callSid":"CAMZa"}})).await;
    let close = loop {
        match tokio::time::timeout(PATIENCE, ws.next()).await.unwrap() {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => {}
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(close.unwrap().code, CloseCode::Normal);
    let report = ended(&mut bot).await;
    assert_eq!(report.hangup_by, HangupBy::Trunkline);
    assert_eq!(
        (report.stream_sid.as_str(), report.call_sid.as_str()),
        ("MZa", "CAMZa")
    );
    assert_eq!(report.custom_parameters["customer_name"], "Aminah");
    assert_eq!(report.media_received, 65);
    assert_eq!(report.speech_frames, 35);
    assert_eq!((report.utterances_echoed, report.frames_echoed), (1, 25));
    assert_eq!((report.marks_sent, report.marks_returned), (2, 2));
    assert_eq!(report.dtmf, "7");
    assert_eq!(report.bad_messages, 0);
}

#[tokio::test]
async fn star_over_the_bot_sends_clear_and_malformed_input_is_counted() {
    let mut bot = EchoBot::start(EchoBotConfig::loopback()).await.unwrap();
    let mut ws = connect(&bot).await;
    ws.send(Message::text("{not json")).await.unwrap();
    send(&mut ws, json!({"event":"media","media":{"payload":"@@"}})).await;
    ws.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    start(&mut ws, "MZb").await;
    let (_, mark) = audio_then_mark(&mut ws, "MZb").await;
    assert_eq!(mark, GREETING_MARK);
    // The greeting is still "playing": * clears it.
    send(
        &mut ws,
        json!({"event":"dtmf","streamSid":"MZb","dtmf":{"digit":"*"}}),
    )
    .await;
    let clear = next_json(&mut ws).await;
    assert_eq!(clear, json!({"event":"clear","streamSid":"MZb"}));
    // Trunkline returns the pending mark after a clear.
    send(
        &mut ws,
        json!({"event":"mark","streamSid":"MZb","mark":{"name":GREETING_MARK}}),
    )
    .await;
    ws.close(None).await.unwrap();
    let report = ended(&mut bot).await;
    assert_eq!(report.hangup_by, HangupBy::Closed);
    assert_eq!(report.clears_sent, 1);
    assert_eq!(report.marks_returned, 1);
    assert_eq!(report.bad_messages, 3);
    assert_eq!(report.dtmf, "*");
}

#[tokio::test]
async fn hangs_up_after_the_set_time_on_every_call() {
    let config = EchoBotConfig {
        hangup_after: Some(Duration::from_millis(800)),
        ..EchoBotConfig::loopback()
    };
    let mut bot = EchoBot::start(config).await.unwrap();
    let mut a = connect(&bot).await;
    let mut b = connect(&bot).await;
    let t0 = std::time::Instant::now();
    start(&mut a, "MZ1").await;
    start(&mut b, "MZ2").await;
    for ws in [&mut a, &mut b] {
        let close = loop {
            match tokio::time::timeout(PATIENCE, ws.next()).await.unwrap() {
                Some(Ok(Message::Close(frame))) => break frame.unwrap(),
                Some(Ok(_)) => {}
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(close.code, CloseCode::Normal);
        assert_eq!(close.reason.as_str(), "echo bot hung up");
    }
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_millis(800) && waited < Duration::from_millis(1500),
        "{waited:?}"
    );
    drop((a, b));
    let mut sids = vec![ended(&mut bot).await, ended(&mut bot).await]
        .into_iter()
        .map(|r| {
            assert_eq!(r.hangup_by, HangupBy::Bot);
            r.stream_sid
        })
        .collect::<Vec<_>>();
    sids.sort();
    assert_eq!(sids, ["MZ1", "MZ2"]);
}
