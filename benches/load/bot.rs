//! The handler of the load benchmark (`load bot`): the smallest Twilio
//! Media Streams bot that keeps audio flowing both ways. Every `media`
//! frame Trunkline sends comes straight back as the bot's own `media`, so
//! each call carries 50 frames a second in each direction on its WebSocket.
//! Runs as its own process so its work is not counted as Trunkline's.

use std::io::Write;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

/// Listens on a free loopback port, prints `BOT ws://ADDR/stream`, and
/// serves until killed.
pub async fn run() -> Result<(), String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("bot bind: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("BOT ws://{addr}/stream");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    loop {
        let (stream, _) = listener
            .accept()
            .await
            .map_err(|e| format!("bot accept: {e}"))?;
        tokio::spawn(serve(stream));
    }
}

async fn serve(stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else {
            if matches!(message, Message::Close(_)) {
                break;
            }
            continue;
        };
        let Ok(event) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if event["event"] == "media" {
            let reply = json!({
                "event": "media",
                "streamSid": event["streamSid"],
                "media": { "payload": event["media"]["payload"] },
            });
            if ws
                .send(Message::Text(reply.to_string().into()))
                .await
                .is_err()
            {
                break;
            }
        }
    }
}
