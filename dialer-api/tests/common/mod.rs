//! Shared pieces of the handler bridge tests: a real WebSocket or TCP server
//! on 127.0.0.1 acting as the bot, a fake call side, and test audio.

#![allow(dead_code)]

use std::f64::consts::PI;
use std::net::SocketAddr;
use std::time::Duration;

use dialer_api::handler::{CallMetadata, HandlerEvent, HandlerEvents};
use futures_util::StreamExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

/// How long any single expected thing may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// A listening socket on an ephemeral loopback port.
pub async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Accepts one WebSocket connection (the bot's side).
pub async fn accept_ws(listener: &TcpListener) -> WebSocketStream<TcpStream> {
    let (tcp, _) = listener.accept().await.unwrap();
    tokio_tungstenite::accept_async(tcp).await.unwrap()
}

/// The next message the bot receives, ignoring pings and pongs.
pub async fn next_message(ws: &mut WebSocketStream<TcpStream>) -> Message {
    loop {
        let message = tokio::time::timeout(PATIENCE, ws.next())
            .await
            .expect("timed out waiting for a message from the bridge")
            .expect("the bridge closed the stream")
            .expect("WebSocket error");
        if !matches!(message, Message::Ping(_) | Message::Pong(_)) {
            return message;
        }
    }
}

/// The next message, which must be a JSON text frame; returns the raw text and the parsed value.
pub async fn next_json(ws: &mut WebSocketStream<TcpStream>) -> (String, serde_json::Value) {
    match next_message(ws).await {
        Message::Text(text) => {
            let value = serde_json::from_str(text.as_str()).expect("the bridge sent invalid JSON");
            (text.as_str().to_owned(), value)
        }
        other => panic!("expected a text frame, got {other:?}"),
    }
}

/// The next event the call side receives.
pub async fn next_event(events: &mut HandlerEvents) -> HandlerEvent {
    tokio::time::timeout(PATIENCE, events.recv())
        .await
        .expect("timed out waiting for a handler event")
        .expect("the bridge ended without a HungUp event")
}

/// Asserts that no event arrives within `wait`.
pub async fn no_event(events: &mut HandlerEvents, wait: Duration) {
    if let Ok(Some(event)) = tokio::time::timeout(wait, events.recv()).await {
        panic!("unexpected event {event:?}");
    }
}

/// A call as the engine would describe it.
pub fn call() -> CallMetadata {
    let mut call = CallMetadata::new(
        Uuid::from_u128(0x1234_5678_9abc_def0_1122_3344_5566_7788),
        "+60123456789",
        "+60198765432",
    );
    call.account_sid = "AC0123456789abcdef0123456789abcdef".into();
    call.user_id = "u-7".into();
    call.campaign_id = "c-3".into();
    call.prompt_id = "p-9".into();
    call.customer_name = "Aminah".into();
    call.params.insert("order".into(), "A-100".into());
    call
}

/// `n` frames of 20 ms at `rate` Hz of a continuous sine at `freq` Hz and `amplitude`.
pub fn sine_frames(n: usize, rate: u32, freq: f64, amplitude: f64) -> Vec<Vec<i16>> {
    let per_frame = rate as usize / 50;
    (0..n)
        .map(|f| {
            (0..per_frame)
                .map(|i| {
                    let t = (f * per_frame + i) as f64 / f64::from(rate);
                    (amplitude * (2.0 * PI * freq * t).sin()).round() as i16
                })
                .collect()
        })
        .collect()
}

/// RMS level of `samples`.
pub fn rms(samples: &[i16]) -> f64 {
    let sum: f64 = samples.iter().map(|&s| f64::from(s).powi(2)).sum();
    (sum / samples.len().max(1) as f64).sqrt()
}

/// The frequency of a sine estimated from its zero crossings.
pub fn zero_crossing_frequency(samples: &[i16], rate: u32) -> f64 {
    let crossings = samples
        .windows(2)
        .filter(|w| (w[0] < 0) != (w[1] < 0))
        .count();
    crossings as f64 / 2.0 / (samples.len() as f64 / f64::from(rate))
}

/// Connects a bridge to `handler` while the bot accepts it on `listener`.
pub async fn connect_ws_bot(
    handler: &dialer_api::config::HandlerConfig,
    options: &dialer_api::handler::ConnectOptions,
    listener: &TcpListener,
) -> (
    dialer_api::handler::Bridge,
    HandlerEvents,
    WebSocketStream<TcpStream>,
) {
    let (connected, bot) = tokio::join!(
        dialer_api::handler::connect(handler, options),
        accept_ws(listener)
    );
    let (bridge, events) = connected.expect("connect to the test bot");
    (bridge, events, bot)
}

/// Expects a close frame from the bridge, completes the close handshake and
/// returns the frame's code (`None` for a close without a frame).
pub async fn expect_close(ws: &mut WebSocketStream<TcpStream>) -> Option<u16> {
    let code = match next_message(ws).await {
        Message::Close(frame) => frame.map(|f| u16::from(f.code)),
        other => panic!("expected a close frame, got {other:?}"),
    };
    let end = tokio::time::timeout(PATIENCE, ws.next())
        .await
        .expect("close handshake");
    assert!(
        !matches!(end, Some(Ok(_))),
        "nothing may follow the close frame: {end:?}"
    );
    code
}
