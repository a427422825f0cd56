//! The AudioSocket bridge against a real TCP server acting as the handler.

mod common;

use std::time::Duration;

use common::*;
use dialer_api::config::{HandlerConfig, HandlerProtocol};
use dialer_api::handler::{
    Bridge, ConnectOptions, FinishReason, HandlerEvent, HandlerEvents, HangupCause, connect,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn audiosocket(addr: &str) -> HandlerConfig {
    HandlerConfig::new(addr, HandlerProtocol::AudioSocket, None).unwrap()
}

async fn connect_tcp_bot(url: &str) -> (Bridge, HandlerEvents, TcpStream) {
    let (listener, addr) = listener().await;
    let handler = audiosocket(&url.replace("ADDR", &addr.to_string()));
    let options = ConnectOptions::default();
    let (connected, accepted) = tokio::join!(connect(&handler, &options), listener.accept());
    let (bridge, events) = connected.unwrap();
    (bridge, events, accepted.unwrap().0)
}

/// Reads one frame: (type, payload).
async fn read_frame(tcp: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut header = [0u8; 3];
    tokio::time::timeout(PATIENCE, tcp.read_exact(&mut header))
        .await
        .unwrap()
        .unwrap();
    let mut payload = vec![0u8; usize::from(u16::from_be_bytes([header[1], header[2]]))];
    tokio::time::timeout(PATIENCE, tcp.read_exact(&mut payload))
        .await
        .unwrap()
        .unwrap();
    (header[0], payload)
}

fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

#[tokio::test]
async fn audiosocket_call_both_ways() {
    let (bridge, mut events, mut bot) = connect_tcp_bot("tcp://ADDR").await;
    assert!(bridge.url().starts_with("tcp://127.0.0.1:"));

    // Nothing is sent until the call is answered.
    let mut byte = [0u8; 1];
    assert!(
        tokio::time::timeout(Duration::from_millis(200), bot.read(&mut byte))
            .await
            .is_err(),
        "the bridge sent something before start"
    );

    let call = call();
    bridge.start(call.clone()).unwrap();
    assert_eq!(
        read_frame(&mut bot).await,
        (0x01, call.call_id.as_bytes().to_vec())
    );

    let frames = sine_frames(5, 8000, 700.0, 12000.0);
    for f in &frames {
        bridge.send_audio(f).unwrap();
    }
    for f in &frames {
        let (kind, payload) = read_frame(&mut bot).await;
        assert_eq!(kind, 0x10);
        assert_eq!(payload.len(), 320);
        let samples: Vec<i16> = payload
            .chunks_exact(2)
            .map(|p| i16::from_le_bytes([p[0], p[1]]))
            .collect();
        assert_eq!(&samples, f);
    }
    bridge.send_dtmf('#').unwrap();
    assert_eq!(read_frame(&mut bot).await, (0x03, b"#".to_vec()));
    bridge.mark_played("no marks in audiosocket").unwrap();

    // The handler's audio, split across two writes, plus junk around it.
    let reply: Vec<i16> = (0..160).map(|i| (i * 150 - 12000) as i16).collect();
    let reply_bytes: Vec<u8> = reply.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut wire = frame(0x10, &[1, 2, 3]);
    wire.extend(frame(0x42, b"?"));
    wire.extend(frame(0x01, &[0u8; 16]));
    wire.extend(frame(0x10, &reply_bytes));
    let (first, second) = wire.split_at(wire.len() - 100);
    bot.write_all(first).await.unwrap();
    tokio::time::sleep(Duration::from_millis(30)).await;
    bot.write_all(second).await.unwrap();
    assert_eq!(
        next_event(&mut events).await,
        HandlerEvent::Audio {
            samples: reply,
            sample_rate: 8000
        }
    );
    let stats = bridge.stats();
    assert_eq!(
        (stats.malformed, stats.ignored, stats.messages_received),
        (1, 2, 4)
    );

    // The callee hangs up: a hangup frame (the mark produced nothing), then end of stream.
    let finishing = tokio::spawn(bridge.finish(FinishReason::Callee));
    assert_eq!(read_frame(&mut bot).await, (0x00, vec![]));
    let mut rest = Vec::new();
    tokio::time::timeout(PATIENCE, bot.read_to_end(&mut rest))
        .await
        .unwrap()
        .unwrap();
    assert!(rest.is_empty());
    let stats = tokio::time::timeout(PATIENCE, finishing)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stats.frames_sent, 5);
}

#[tokio::test]
async fn handler_hangup_error_and_close_end_the_call() {
    for (wire, expected) in [
        (frame(0x00, &[]), HangupCause::Requested),
        (
            frame(0xff, &[0x02]),
            HangupCause::HandlerError { code: Some(2) },
        ),
        (frame(0xff, &[]), HangupCause::HandlerError { code: None }),
        (
            Vec::new(),
            HangupCause::Closed {
                code: None,
                reason: String::new(),
            },
        ),
    ] {
        let (bridge, mut events, mut bot) = connect_tcp_bot("ADDR").await;
        bridge.start(call()).unwrap();
        read_frame(&mut bot).await;
        if wire.is_empty() {
            drop(bot);
        } else {
            bot.write_all(&wire).await.unwrap();
        }
        assert_eq!(
            next_event(&mut events).await,
            HandlerEvent::HungUp(expected)
        );
        assert!(events.recv().await.is_none(), "HungUp is the last event");
    }
}

#[tokio::test]
async fn connection_refused_is_reported_plainly() {
    let (listener, addr) = listener().await;
    drop(listener);
    let err = connect(&audiosocket(&addr.to_string()), &ConnectOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("handler tcp://{addr}: connection refused")
    );
}
