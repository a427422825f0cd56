//! The handler of the load benchmark (`load bot`): the smallest Twilio
//! Media Streams bot that keeps audio flowing both ways. Every `media`
//! frame Trunkline sends comes straight back as the bot's own `media`, so
//! each call carries 50 frames a second in each direction on its WebSocket.
//! Runs as its own process so its work is not counted as Trunkline's; it
//! picks the two fields it needs out of the text instead of parsing the
//! JSON, to leave the shared cores to the engine.

use std::io::Write;

use futures_util::{SinkExt, StreamExt};
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
        let Some(reply) = echo_of(&text) else {
            continue;
        };
        if ws.send(Message::Text(reply.into())).await.is_err() {
            break;
        }
    }
}

/// The bot's `media` for Trunkline's `media` message `text` (None for any
/// other message). Base64 and stream SIDs hold no quote or backslash, so
/// the value of a field ends at the next quote.
fn echo_of(text: &str) -> Option<String> {
    if !text.contains(r#""event":"media""#) {
        return None;
    }
    let field = |name: &str| -> Option<&str> {
        let key = format!(r#""{name}":""#);
        let start = text.find(&key)? + key.len();
        let len = text.get(start..)?.find('"')?;
        text.get(start..start + len)
    };
    let sid = field("streamSid")?;
    let payload = field("payload")?;
    Some(format!(
        r#"{{"event":"media","streamSid":"{sid}","media":{{"payload":"{payload}"}}}}"#
    ))
}

#[cfg(test)]
mod tests {
    use super::echo_of;

    #[test]
    fn echoes_media_and_nothing_else() {
        let media = r#"{"event":"media","sequenceNumber":"3","streamSid":"MZ1","media":{"track":"inbound","chunk":"2","timestamp":"40","payload":"//8A"}}"#;
        let reply: serde_json::Value = serde_json::from_str(&echo_of(media).unwrap()).unwrap();
        assert_eq!(
            reply,
            serde_json::json!({"event":"media","streamSid":"MZ1","media":{"payload":"//8A"}})
        );
        assert_eq!(echo_of(r#"{"event":"start","streamSid":"MZ1"}"#), None);
    }
}
