//! The raw PCM WebSocket bridge at 8, 16 and 24 kHz against a real WebSocket
//! server acting as the bot.

mod common;

use std::time::Duration;

use common::*;
use dialer_api::config::{HandlerConfig, HandlerProtocol};
use dialer_api::handler::{ConnectOptions, FinishReason, HandlerEvent, HangupCause};
use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

fn pcm(url: &str, rate: u32) -> HandlerConfig {
    HandlerConfig::new(url, HandlerProtocol::Pcm, Some(rate)).unwrap()
}

fn le_bytes(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

fn samples_of(bytes: &[u8]) -> Vec<i16> {
    bytes
        .chunks_exact(2)
        .map(|p| i16::from_le_bytes([p[0], p[1]]))
        .collect()
}

async fn full_call_at(rate: u32) {
    let (listener, addr) = listener().await;
    let url = format!("ws://{addr}/pcm");
    let (bridge, mut events, mut bot) =
        connect_ws_bot(&pcm(&url, rate), &ConnectOptions::default(), &listener).await;

    // The metadata frame is the first thing the handler hears, at answer time.
    let call = call();
    bridge.start(call.clone()).unwrap();
    let (_, start) = next_json(&mut bot).await;
    assert_eq!(
        start,
        json!({
            "event": "start", "encoding": "L16", "sampleRate": rate, "channels": 1,
            "callId": "12345678-9abc-def0-1122-334455667788",
            "callSid": call.call_sid, "accountSid": call.account_sid,
            "from": "+60123456789", "to": "+60198765432",
            "customParameters": {
                "user_id": "u-7", "campaign_id": "c-3", "prompt_id": "p-9", "customer_name": "Aminah",
                "from_number": "+60123456789", "to_number": "+60198765432", "order": "A-100"
            }
        })
    );

    // 500 ms of a 1 kHz tone from the callee arrives as 20 ms frames at the handler's rate.
    let frames = sine_frames(25, 8000, 1000.0, 8000.0);
    for frame in &frames {
        bridge.send_audio(frame).unwrap();
    }
    let frame_bytes = rate as usize / 50 * 2;
    let mut received = Vec::new();
    for _ in 0..25 {
        match next_message(&mut bot).await {
            Message::Binary(bytes) => {
                assert_eq!(bytes.len(), frame_bytes, "20 ms at {rate} Hz");
                received.extend(samples_of(&bytes));
            }
            other => panic!("expected a binary frame, got {other:?}"),
        }
    }
    if rate == 8000 {
        assert_eq!(received, frames.concat(), "8 kHz passes through unchanged");
    } else {
        let steady = &received[received.len() / 5..];
        let freq = zero_crossing_frequency(steady, rate);
        assert!(
            (freq - 1000.0).abs() < 10.0,
            "tone at {freq} Hz after resampling to {rate}"
        );
        let level_db = 20.0 * (rms(steady) / (8000.0 / 2f64.sqrt())).log10();
        assert!(level_db.abs() < 0.2, "level changed by {level_db} dB");
    }

    bridge.send_dtmf('7').unwrap();
    assert_eq!(
        next_json(&mut bot).await.1,
        json!({"event":"dtmf","digit":"7"})
    );

    // The bot answers with audio at its own rate, a mark, junk, and clear.
    let reply: Vec<i16> = (0..rate as i32 / 50)
        .map(|i| (i * 97 % 20000 - 10000) as i16)
        .collect();
    bot.send(Message::binary(le_bytes(&reply))).await.unwrap();
    bot.send(Message::text(r#"{"event":"mark","name":"m1"}"#))
        .await
        .unwrap();
    bot.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    bot.send(Message::text(r#"{"event":"whatever"}"#))
        .await
        .unwrap();
    bot.send(Message::text("not json")).await.unwrap();
    bot.send(Message::text(r#"{"event":"clear"}"#))
        .await
        .unwrap();
    assert_eq!(
        next_event(&mut events).await,
        HandlerEvent::Audio {
            samples: reply,
            sample_rate: rate
        }
    );
    assert_eq!(
        next_event(&mut events).await,
        HandlerEvent::Mark("m1".into())
    );
    assert_eq!(next_event(&mut events).await, HandlerEvent::Clear);
    let stats = bridge.stats();
    assert_eq!((stats.malformed, stats.ignored), (2, 1));

    bridge.mark_played("m1").unwrap();
    assert_eq!(
        next_json(&mut bot).await.1,
        json!({"event":"mark","name":"m1"})
    );

    let finishing = tokio::spawn(bridge.finish(FinishReason::Callee));
    assert_eq!(
        next_json(&mut bot).await.1,
        json!({"event":"hangup","by":"callee"})
    );
    assert_eq!(expect_close(&mut bot).await, Some(1000));
    let stats = tokio::time::timeout(PATIENCE, finishing)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stats.frames_sent, 25);
}

#[tokio::test]
async fn pcm_call_at_8_khz() {
    full_call_at(8000).await;
}

#[tokio::test]
async fn pcm_call_at_16_khz() {
    full_call_at(16000).await;
}

#[tokio::test]
async fn pcm_call_at_24_khz() {
    full_call_at(24000).await;
}

#[tokio::test]
async fn handler_hangup_message_ends_the_call() {
    let (listener, addr) = listener().await;
    let url = format!("ws://{addr}/");
    let (bridge, mut events, mut bot) =
        connect_ws_bot(&pcm(&url, 16000), &ConnectOptions::default(), &listener).await;
    bridge.start(call()).unwrap();
    next_json(&mut bot).await;
    bot.send(Message::text(r#"{"event":"hangup"}"#))
        .await
        .unwrap();
    assert_eq!(
        next_event(&mut events).await,
        HandlerEvent::HungUp(HangupCause::Requested)
    );
    expect_close(&mut bot).await;
    assert!(events.recv().await.is_none());
}

#[tokio::test]
async fn audio_before_start_is_dropped() {
    let (listener, addr) = listener().await;
    let url = format!("ws://{addr}/");
    let (bridge, mut events, mut bot) =
        connect_ws_bot(&pcm(&url, 8000), &ConnectOptions::default(), &listener).await;
    bot.send(Message::binary(vec![0u8; 320])).await.unwrap();
    bot.send(Message::text(r#"{"event":"mark","name":"early"}"#))
        .await
        .unwrap();
    no_event(&mut events, Duration::from_millis(200)).await;
    assert_eq!(bridge.stats().malformed, 2);
    bridge.send_audio(&[5; 160]).unwrap();
    bridge.start(call()).unwrap();
    let (_, start) = next_json(&mut bot).await;
    assert_eq!(start["event"], "start", "no audio went out before start");
}
