//! A Twilio Media Streams echo bot: accepts Trunkline's WebSocket, logs the
//! call, plays the caller's audio back after a delay, sends a mark after each
//! echoed second and logs when Trunkline reports it played, sends `clear` when
//! the caller presses `*`, and hangs up (closes the socket) after N seconds.
//!
//! ```sh
//! cargo run -p trunkline-examples --example twilio_echo_bot -- --listen 127.0.0.1:9000 --hangup-after 20
//! ```
//!
//! stdout gets JSON lines a test can read: `{"listening":"ws://ADDR"}` first,
//! then one summary per call; logs go to stderr.

use std::time::Duration;

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

#[derive(Debug, Parser)]
struct Args {
    /// Address to listen on (port 0 picks one; see the first stdout line).
    #[arg(long, default_value = "127.0.0.1:9000")]
    listen: String,
    /// How long to wait before echoing each chunk, in milliseconds.
    #[arg(long, default_value_t = 500)]
    delay_ms: u64,
    /// Close the WebSocket (hang up) this many seconds after `start`; 0 = never.
    #[arg(long, default_value_t = 30)]
    hangup_after: u64,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let listener = TcpListener::bind(&args.listen).await?;
    println!(
        "{}",
        json!({ "listening": format!("ws://{}", listener.local_addr()?) })
    );
    loop {
        let (tcp, peer) = listener.accept().await?;
        eprintln!("connection from {peer}");
        let (delay, hangup) = (
            Duration::from_millis(args.delay_ms),
            Duration::from_secs(args.hangup_after),
        );
        tokio::spawn(async move {
            match serve(tcp, delay, hangup).await {
                Ok(summary) => println!("{summary}"),
                Err(e) => eprintln!("call from {peer} failed: {e}"),
            }
        });
    }
}

/// Serves one call and returns its summary.
async fn serve(
    tcp: TcpStream,
    delay: Duration,
    hangup: Duration,
) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
    let (mut sink, mut stream) = tokio_tungstenite::accept_async(tcp).await?.split();
    // Echoes wait in a FIFO until their time; a writer task owns the sink and
    // closes it (hangs up) when told to stop.
    let (echo_tx, mut echo_rx) = mpsc::unbounded_channel::<(Instant, Message)>();
    let (stop_tx, mut stop_rx) = watch::channel(());
    let writer = tokio::spawn(async move {
        loop {
            let next =
                tokio::select! { biased; _ = stop_rx.changed() => None, m = echo_rx.recv() => m };
            let Some((due, message)) = next else { break };
            tokio::select! { biased; _ = stop_rx.changed() => break, () = tokio::time::sleep_until(due) => {} }
            if sink.send(message).await.is_err() {
                break;
            }
        }
        let bye = CloseFrame {
            code: CloseCode::Normal,
            reason: "echo bot hung up".into(),
        };
        let _ = sink.send(Message::Close(Some(bye))).await;
    });
    let (mut sid, mut call_sid, mut digits) = (String::new(), String::new(), String::new());
    let (mut received, mut echoed, mut marks_played) = (0u64, 0u64, 0u64);
    let mut deadline = None;
    let hangup_by = loop {
        let timer = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let message = tokio::select! {
            m = stream.next() => m,
            () = timer => break "bot",
        };
        let Some(Ok(Message::Text(text))) = message else {
            break "trunkline";
        };
        let Ok(event) = serde_json::from_str::<Value>(text.as_str()) else {
            continue;
        };
        let now = Instant::now();
        match event["event"].as_str().unwrap_or("") {
            "connected" => eprintln!("connected: {text}"),
            "start" => {
                sid = event["streamSid"].as_str().unwrap_or("").to_owned();
                call_sid = event["start"]["callSid"].as_str().unwrap_or("").to_owned();
                eprintln!(
                    "start: stream {sid}, call {call_sid}, parameters {}",
                    event["start"]["customParameters"]
                );
                if !hangup.is_zero() {
                    deadline = Some(now + hangup);
                }
            }
            "media" => {
                received += 1;
                let payload = &event["media"]["payload"];
                let echo =
                    json!({"event": "media", "streamSid": sid, "media": {"payload": payload}});
                let _ = echo_tx.send((now + delay, Message::text(echo.to_string())));
                echoed += 1;
                if echoed % 50 == 0 {
                    let mark = json!({"event": "mark", "streamSid": sid, "mark": {"name": format!("echo-{}", echoed / 50)}});
                    let _ = echo_tx.send((now + delay, Message::text(mark.to_string())));
                }
            }
            "mark" => {
                marks_played += 1;
                eprintln!("mark played: {}", event["mark"]["name"]);
            }
            "dtmf" => {
                let digit = event["dtmf"]["digit"].as_str().unwrap_or("");
                digits.push_str(digit);
                if digit == "*" {
                    let clear = json!({"event": "clear", "streamSid": sid});
                    let _ = echo_tx.send((now, Message::text(clear.to_string())));
                }
            }
            "stop" => break "trunkline",
            other => eprintln!("unknown event {other}"),
        }
    };
    let _ = stop_tx.send(());
    let _ = writer.await;
    // Let the close handshake finish before dropping the connection.
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some(Ok(_)) = stream.next().await {}
    })
    .await;
    Ok(json!({
        "streamSid": sid, "callSid": call_sid, "hangup_by": hangup_by, "media_received": received,
        "echoed": echoed, "marks_played": marks_played, "dtmf": digits,
    }))
}
