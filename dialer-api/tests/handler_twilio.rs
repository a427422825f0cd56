//! The Twilio Media Streams bridge against a real WebSocket server acting as
//! the bot: every message checked field by field, the bot's answers checked
//! at the call side, connection failures and malformed input.

mod common;

use std::time::Duration;

use base64::Engine as _;
use codecs::g711;
use common::*;
use dialer_api::config::{HandlerConfig, HandlerProtocol};
use dialer_api::handler::{
    BridgeError, ConnectError, ConnectOptions, FinishReason, HandlerEvent, HangupCause, connect,
};
use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

fn twilio(url: &str) -> HandlerConfig {
    HandlerConfig::new(url, HandlerProtocol::Twilio, None).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Asserts that `text` has `keys` at its top level in this order.
fn assert_key_order(text: &str, keys: &[&str]) {
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| {
            text.find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("{k} missing in {text}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "key order {keys:?} in {text}"
    );
}

#[tokio::test]
async fn stream_messages_field_by_field_and_bot_answers_reach_the_call() {
    let (listener, addr) = listener().await;
    let url = format!("ws://{addr}/stream");
    let (bridge, mut events, mut bot) =
        connect_ws_bot(&twilio(&url), &ConnectOptions::default(), &listener).await;
    assert_eq!(bridge.url(), url);

    // connected: sent as soon as the WebSocket is open, before any call exists.
    let (_, connected) = next_json(&mut bot).await;
    assert_eq!(
        connected,
        json!({"event":"connected","protocol":"Call","version":"1.0.0"})
    );

    // start
    let call = call();
    bridge.start(call.clone()).unwrap();
    let (text, start) = next_json(&mut bot).await;
    assert_key_order(&text, &["event", "sequenceNumber", "streamSid", "start"]);
    assert_eq!(start["event"], "start");
    assert_eq!(start["sequenceNumber"], "1");
    let sid = start["streamSid"].as_str().unwrap().to_owned();
    assert!(sid.starts_with("MZ") && sid.len() == 34, "{sid}");
    assert!(sid[2..].chars().all(|c| c.is_ascii_hexdigit()));
    let body = &start["start"];
    assert_eq!(body["streamSid"], sid.as_str());
    assert_eq!(body["accountSid"], "AC0123456789abcdef0123456789abcdef");
    assert_eq!(body["callSid"], call.call_sid.as_str());
    assert_eq!(body["callSid"], "CA123456789abcdef01122334455667788");
    assert_eq!(body["tracks"], json!(["inbound"]));
    assert_eq!(
        body["customParameters"],
        json!({
            "user_id": "u-7", "campaign_id": "c-3", "prompt_id": "p-9", "customer_name": "Aminah",
            "from_number": "+60123456789", "to_number": "+60198765432", "order": "A-100"
        })
    );
    assert_eq!(
        body["mediaFormat"],
        json!({"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1})
    );

    // media: 10 frames of callee audio
    let frames = sine_frames(10, 8000, 440.0, 8000.0);
    for frame in &frames {
        bridge.send_audio(frame).unwrap();
    }
    for (i, frame) in frames.iter().enumerate() {
        let (text, media) = next_json(&mut bot).await;
        assert_key_order(&text, &["event", "sequenceNumber", "streamSid", "media"]);
        assert_eq!(media["event"], "media");
        assert_eq!(
            media["sequenceNumber"],
            (i + 2).to_string(),
            "sequence numbers follow start"
        );
        assert_eq!(media["streamSid"], sid.as_str());
        let m = &media["media"];
        assert_eq!(m["track"], "inbound");
        assert_eq!(m["chunk"], (i + 1).to_string(), "chunks count from 1");
        assert_eq!(
            m["timestamp"],
            (i * 20).to_string(),
            "timestamps advance by 20 ms"
        );
        let payload = base64::engine::general_purpose::STANDARD
            .decode(m["payload"].as_str().unwrap())
            .unwrap();
        assert_eq!(payload.len(), 160);
        let expected: Vec<u8> = frame.iter().map(|&s| g711::ulaw_encode(s)).collect();
        assert_eq!(payload, expected, "payload is the frame in u-law");
        assert_eq!(m.as_object().unwrap().len(), 4);
    }

    // dtmf
    bridge.send_dtmf('5').unwrap();
    let (text, dtmf) = next_json(&mut bot).await;
    assert_key_order(&text, &["event", "streamSid", "sequenceNumber", "dtmf"]);
    assert_eq!(
        dtmf,
        json!({"event":"dtmf","streamSid":sid,"sequenceNumber":"12","dtmf":{"track":"inbound_track","digit":"5"}})
    );
    assert_eq!(bridge.send_dtmf('x'), Err(BridgeError::NotADtmfDigit('x')));

    // the bot answers: audio, a mark, an unknown event, clear
    let reply: Vec<u8> = (0..480u32).map(|i| (i % 256) as u8).collect();
    let send = |v: Value| Message::text(v.to_string());
    bot.send(send(
        json!({"event":"media","streamSid":sid,"media":{"payload":b64(&reply)}}),
    ))
    .await
    .unwrap();
    bot.send(send(
        json!({"event":"mark","streamSid":sid,"mark":{"name":"greeting"}}),
    ))
    .await
    .unwrap();
    bot.send(send(json!({"event":"future-event","streamSid":sid})))
        .await
        .unwrap();
    bot.send(send(json!({"event":"clear","streamSid":sid})))
        .await
        .unwrap();
    match next_event(&mut events).await {
        HandlerEvent::Audio {
            samples,
            sample_rate,
        } => {
            assert_eq!(sample_rate, 8000);
            let expected: Vec<i16> = reply.iter().map(|&c| g711::ulaw_decode(c)).collect();
            assert_eq!(samples, expected);
        }
        other => panic!("expected audio, got {other:?}"),
    }
    assert_eq!(
        next_event(&mut events).await,
        HandlerEvent::Mark("greeting".into())
    );
    assert_eq!(next_event(&mut events).await, HandlerEvent::Clear);
    let stats = bridge.stats();
    assert_eq!(
        stats.ignored, 1,
        "the unknown event is tolerated and counted"
    );
    assert_eq!(stats.malformed, 0);
    assert_eq!(stats.messages_received, 4);
    assert_eq!(stats.samples_received, 480);

    // the media engine reports the mark played: it is echoed
    bridge.mark_played("greeting").unwrap();
    let (text, mark) = next_json(&mut bot).await;
    assert_key_order(&text, &["event", "sequenceNumber", "streamSid", "mark"]);
    assert_eq!(
        mark,
        json!({"event":"mark","sequenceNumber":"13","streamSid":sid,"mark":{"name":"greeting"}})
    );

    // the callee hangs up: stop, then a clean close
    let finishing = tokio::spawn(bridge.finish(FinishReason::Callee));
    let (text, stop) = next_json(&mut bot).await;
    assert_key_order(&text, &["event", "sequenceNumber", "streamSid", "stop"]);
    assert_eq!(
        stop,
        json!({"event":"stop","sequenceNumber":"14","streamSid":sid,
               "stop":{"accountSid":"AC0123456789abcdef0123456789abcdef","callSid":call.call_sid}})
    );
    assert_eq!(expect_close(&mut bot).await, Some(1000));
    let stats = tokio::time::timeout(PATIENCE, finishing)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stats.frames_sent, 10);
    assert_eq!(stats.frames_dropped, 0);
    assert!(
        events.recv().await.is_none(),
        "no HungUp when the call side ends the bridge"
    );
}

#[tokio::test]
async fn nothing_flows_before_start_and_start_goes_once() {
    let (listener, addr) = listener().await;
    let url = format!("ws://{addr}/");
    let (bridge, mut events, mut bot) =
        connect_ws_bot(&twilio(&url), &ConnectOptions::default(), &listener).await;
    let (_, connected) = next_json(&mut bot).await;
    assert_eq!(connected["event"], "connected");

    // Ringing, or 183 early media: the engine may already have audio, digits or marks.
    bridge.send_audio(&[0; 160]).unwrap();
    bridge.send_dtmf('1').unwrap();
    bridge.mark_played("early").unwrap();
    bot.send(Message::text(
        r#"{"event":"media","media":{"payload":"AAAA"}}"#,
    ))
    .await
    .unwrap();
    no_event(&mut events, Duration::from_millis(200)).await;
    assert_eq!(
        bridge.stats().malformed,
        1,
        "media before start is dropped and counted"
    );

    bridge.start(call()).unwrap();
    bridge.start(call()).unwrap();
    bridge.send_audio(&[0; 160]).unwrap();
    let (_, start) = next_json(&mut bot).await;
    assert_eq!(
        start["event"], "start",
        "nothing was sent between connected and start"
    );
    assert_eq!(start["sequenceNumber"], "1");
    let (_, media) = next_json(&mut bot).await;
    assert_eq!(media["event"], "media", "the second start was not sent");
    assert_eq!(media["sequenceNumber"], "2");
    assert_eq!(media["media"]["chunk"], "1");
    assert_eq!(media["media"]["timestamp"], "0");
    assert_eq!(bridge.stats().frames_sent, 1);
}

#[tokio::test]
async fn hanging_up_before_answer_closes_without_stop() {
    let (listener, addr) = listener().await;
    let url = format!("ws://{addr}/");
    let (bridge, _events, mut bot) =
        connect_ws_bot(&twilio(&url), &ConnectOptions::default(), &listener).await;
    next_json(&mut bot).await;
    let finishing = tokio::spawn(bridge.finish(FinishReason::Trunkline));
    assert_eq!(expect_close(&mut bot).await, Some(1000));
    tokio::time::timeout(PATIENCE, finishing)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn handler_closing_the_socket_is_a_hang_up() {
    let (listener, addr) = listener().await;
    let url = format!("ws://{addr}/");
    let (bridge, mut events, mut bot) =
        connect_ws_bot(&twilio(&url), &ConnectOptions::default(), &listener).await;
    next_json(&mut bot).await;
    bridge.start(call()).unwrap();
    next_json(&mut bot).await;
    bot.close(Some(CloseFrame {
        code: CloseCode::Normal,
        reason: "goodbye".into(),
    }))
    .await
    .unwrap();
    assert_eq!(
        next_event(&mut events).await,
        HandlerEvent::HungUp(HangupCause::Closed {
            code: Some(1000),
            reason: "goodbye".into()
        })
    );
    assert!(events.recv().await.is_none(), "HungUp is the last event");
    // The bridge task has ended; the call side sees it as closed.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(bridge.send_audio(&[0; 160]), Err(BridgeError::Closed));
    let stats = tokio::time::timeout(PATIENCE, bridge.finish(FinishReason::Trunkline))
        .await
        .unwrap();
    assert_eq!(stats.frames_sent, 0);
}

#[tokio::test]
async fn handler_vanishing_without_a_close_is_a_hang_up() {
    let (listener, addr) = listener().await;
    let url = format!("ws://{addr}/");
    let (bridge, mut events, mut bot) =
        connect_ws_bot(&twilio(&url), &ConnectOptions::default(), &listener).await;
    next_json(&mut bot).await;
    bridge.start(call()).unwrap();
    next_json(&mut bot).await;
    drop(bot);
    match next_event(&mut events).await {
        HandlerEvent::HungUp(
            HangupCause::Closed { code: None, .. } | HangupCause::Failed { .. },
        ) => {}
        other => panic!("expected a hang-up, got {other:?}"),
    }
}

#[tokio::test]
async fn connection_refused_is_reported_plainly() {
    let (listener, addr) = listener().await;
    drop(listener);
    let url = format!("ws://{addr}/stream");
    let err = connect(&twilio(&url), &ConnectOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::Refused { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("handler ws://{addr}/stream: connection refused")
    );
}

/// A WebSocket server callback that refuses the upgrade with 404.
#[allow(clippy::result_large_err)] // the signature is tungstenite's `Callback`
fn refuse_with_404(
    _: &tokio_tungstenite::tungstenite::handshake::server::Request,
    _: tokio_tungstenite::tungstenite::handshake::server::Response,
) -> Result<
    tokio_tungstenite::tungstenite::handshake::server::Response,
    tokio_tungstenite::tungstenite::handshake::server::ErrorResponse,
> {
    let mut response = tokio_tungstenite::tungstenite::handshake::server::ErrorResponse::new(Some(
        "no such stream".into(),
    ));
    *response.status_mut() = tokio_tungstenite::tungstenite::http::StatusCode::NOT_FOUND;
    Err(response)
}

#[tokio::test]
async fn upgrade_refused_is_reported_with_the_status() {
    let (listener, addr) = listener().await;
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let _ = tokio_tungstenite::accept_hdr_async(tcp, refuse_with_404).await;
    });
    let url = format!("ws://{addr}/wrong");
    let err = connect(&twilio(&url), &ConnectOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("handler ws://{addr}/wrong: refused the WebSocket upgrade: 404 Not Found")
    );
    server.await.unwrap();
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let (listener, addr) = listener().await;
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
        drop(tcp);
    });
    let options = ConnectOptions {
        connect_timeout: Duration::from_millis(300),
        ..ConnectOptions::default()
    };
    let url = format!("ws://{addr}/");
    let err = connect(&twilio(&url), &options).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("handler ws://{addr}/: no answer within 300 ms")
    );
    server.abort();
}

#[tokio::test]
async fn wss_to_a_plain_server_is_a_tls_error() {
    let (listener, addr) = listener().await;
    let server = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 512];
        let _ = tcp.read(&mut buf).await;
        let _ = tcp
            .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            .await;
    });
    let url = format!("wss://localhost:{}/", addr.port());
    let err = connect(&twilio(&url), &ConnectOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::Tls { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with(&format!("handler {url}: TLS handshake failed:")),
        "{err}"
    );
    server.await.unwrap();
}

#[tokio::test]
async fn malformed_messages_are_counted_and_never_end_the_call() {
    let (listener, addr) = listener().await;
    let url = format!("ws://{addr}/");
    let (bridge, mut events, mut bot) =
        connect_ws_bot(&twilio(&url), &ConnectOptions::default(), &listener).await;
    next_json(&mut bot).await;
    bridge.start(call()).unwrap();
    let (_, start) = next_json(&mut bot).await;
    let sid = start["streamSid"].as_str().unwrap().to_owned();

    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let long_name = format!(
        r#"{{"event":"mark","mark":{{"name":"{}"}}}}"#,
        "n".repeat(5000)
    );
    let garbage: Vec<Message> = vec![
        Message::text("{"),
        Message::text("[]"),
        Message::text("null"),
        Message::text("\"just a string\""),
        Message::text(r#"{"event":5}"#),
        Message::text(r#"{"no_event":true}"#),
        Message::text(r#"{"event":"media"}"#),
        Message::text(r#"{"event":"media","media":{"payload":123}}"#),
        Message::text(r#"{"event":"media","media":{"payload":"***not base64***"}}"#),
        Message::text(r#"{"event":"mark","mark":{"name":7}}"#),
        Message::text(long_name),
        Message::text(
            r#"{"event":"media","streamSid":"MZsomeoneelse","media":{"payload":"AAAA"}}"#,
        ),
        Message::text(nested),
        Message::binary(vec![1u8, 2, 3]),
    ];
    let count = garbage.len() as u64;
    for message in garbage {
        bot.send(message).await.unwrap();
    }
    bot.send(Message::text(
        json!({"event":"mark","streamSid":sid,"mark":{"name":"still alive"}}).to_string(),
    ))
    .await
    .unwrap();
    assert_eq!(
        next_event(&mut events).await,
        HandlerEvent::Mark("still alive".into())
    );
    let stats = bridge.stats();
    assert_eq!(stats.malformed, count);
    assert_eq!(stats.messages_received, count + 1);

    // A message above the size cap ends the bridge with a plain reason.
    bot.send(Message::text(format!(
        r#"{{"event":"media","media":{{"payload":"{}"}}}}"#,
        "A".repeat(2 << 20)
    )))
    .await
    .unwrap_or(());
    match next_event(&mut events).await {
        HandlerEvent::HungUp(HangupCause::Failed { reason }) => {
            assert!(
                reason.starts_with("the handler sent an oversized message"),
                "{reason}"
            );
        }
        other => panic!("expected a hang-up for the oversized message, got {other:?}"),
    }
}

#[tokio::test]
async fn a_stalled_handler_makes_the_bridge_drop_audio_not_block() {
    let (listener, addr) = listener().await;
    let url = format!("ws://{addr}/");
    let options = ConnectOptions {
        audio_backlog_frames: 50,
        ..ConnectOptions::default()
    };
    let (bridge, _events, mut bot) = connect_ws_bot(&twilio(&url), &options, &listener).await;
    next_json(&mut bot).await;
    bridge.start(call()).unwrap();
    next_json(&mut bot).await;
    // On this single-threaded runtime the bridge task cannot run while we queue
    // 80 frames without yielding, exactly like a handler that stopped reading.
    let frame = [100i16; 160];
    for _ in 0..80 {
        bridge.send_audio(&frame).unwrap();
    }
    assert_eq!(bridge.stats().frames_dropped, 30);
    for i in 1..=50 {
        let (_, media) = next_json(&mut bot).await;
        assert_eq!(media["media"]["chunk"], i.to_string());
    }
    assert_eq!(bridge.stats().frames_sent, 50);
}
