//! The tokio side of the echo bot: the listener, and one task per
//! WebSocket connection driving a [`Parrot`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::config::EchoBotConfig;
use super::event::{BotEvent, HangupBy};
use super::parrot::Parrot;
use super::protocol::{StreamMessage, encode_handler_message, parse_stream_message};

/// How long the closing handshake may take.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// Accepts connections until `shutdown` changes.
pub(super) async fn accept_loop(
    listener: TcpListener,
    config: Arc<EchoBotConfig>,
    events: mpsc::UnboundedSender<BotEvent>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut calls = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    calls.spawn(serve(tcp, peer, config.clone(), events.clone(), shutdown.clone()));
                }
                Err(e) => {
                    let _ = events.send(BotEvent::Error { message: format!("accept: {e}") });
                }
            },
            Some(_) = calls.join_next(), if !calls.is_empty() => {}
        }
    }
    while calls.join_next().await.is_some() {}
}

/// Serves one call.
async fn serve(
    tcp: TcpStream,
    peer: SocketAddr,
    config: Arc<EchoBotConfig>,
    events: mpsc::UnboundedSender<BotEvent>,
    mut shutdown: watch::Receiver<bool>,
) {
    let ws = match tokio_tungstenite::accept_async(tcp).await {
        Ok(ws) => ws,
        Err(e) => {
            let _ = events.send(BotEvent::Error {
                message: format!("WebSocket handshake with {peer}: {e}"),
            });
            return;
        }
    };
    let _ = events.send(BotEvent::Connected { peer });
    let (mut sink, mut stream) = ws.split();
    let mut parrot = Parrot::new(&config, peer);
    let mut started_at: Option<Instant> = None;
    let mut hangup_at: Option<Instant> = None;
    let hangup_by = loop {
        let timer = async {
            match hangup_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let message = tokio::select! {
            m = stream.next() => m,
            () = timer => break HangupBy::Bot,
            _ = shutdown.changed() => break HangupBy::Bot,
        };
        let text = match message {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Binary(b))) => {
                parrot.bad_message(format!("unexpected binary frame of {} bytes", b.len()));
                continue;
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                break if parrot.stopped() {
                    HangupBy::Trunkline
                } else {
                    HangupBy::Closed
                };
            }
            Some(Ok(_)) => continue,
        };
        let message = match parse_stream_message(text.as_str()) {
            Ok(m) => m,
            Err(e) => {
                parrot.bad_message(e.to_string());
                continue;
            }
        };
        if matches!(message, StreamMessage::Start { .. }) && started_at.is_none() {
            let now = Instant::now();
            started_at = Some(now);
            hangup_at = config.hangup_after.map(|d| now + d);
        }
        let replies = parrot.on_message(message);
        for e in parrot.take_events() {
            let _ = events.send(e);
        }
        let mut failed = false;
        for reply in &replies {
            let text = encode_handler_message(reply, parrot.stream_sid());
            if sink.send(Message::text(text)).await.is_err() {
                failed = true;
                break;
            }
        }
        if failed {
            break HangupBy::Closed;
        }
        if parrot.stopped() {
            break HangupBy::Trunkline;
        }
    };
    for e in parrot.take_events() {
        let _ = events.send(e);
    }
    if hangup_by != HangupBy::Closed {
        let reason = match hangup_by {
            HangupBy::Bot => "echo bot hung up",
            _ => "call ended",
        };
        let _ = sink
            .send(Message::Close(Some(CloseFrame {
                code: CloseCode::Normal,
                reason: reason.into(),
            })))
            .await;
        // Read until the peer answers the close, so it ends cleanly.
        let _ = tokio::time::timeout(CLOSE_WAIT, async {
            while let Some(Ok(_)) = stream.next().await {}
        })
        .await;
    }
    let duration_ms = started_at.map_or(0, |at| at.elapsed().as_millis() as u64);
    let _ = events.send(BotEvent::Ended(parrot.finish(hangup_by, duration_ms)));
}
