//! A Twilio Media Streams handler for many calls at once. It records each call's `start`, echoes
//! nothing, and (if told to) hangs up the way pipecat does: it reads the hang-up token from the
//! `start` message's `customParameters` and POSTs `Status=completed` with HTTP Basic auth to
//! `/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json` on the service. Before that it tries
//! a wrong token, whose answer it records too.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

/// How the handler hangs up.
#[derive(Debug, Clone)]
pub struct RestHangup {
    /// Base URL of the service.
    pub base: String,
    /// How long after `start` it sends the wrong token.
    pub wrong_after: Duration,
    /// How long after the wrong token it sends the right one.
    pub right_after: Duration,
}

/// One call as the handler saw it.
#[derive(Debug, Clone, Default)]
pub struct HandlerCall {
    /// The `start` message.
    pub start: Value,
    /// When `start` arrived.
    pub start_at: Option<Instant>,
    /// Whether `stop` arrived.
    pub stopped: bool,
    /// Status of the hang-up POST with a wrong token.
    pub wrong_token_status: Option<u16>,
    /// Status and body of the hang-up POST with the right token.
    pub hangup: Option<(u16, Value)>,
    /// When the right hang-up was answered.
    pub hangup_at: Option<Instant>,
}

/// A running handler.
pub struct Handler {
    /// `ws://127.0.0.1:PORT/stream`.
    pub url: String,
    calls: Arc<Mutex<Vec<HandlerCall>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Handler {
    /// Listens on a free loopback port; `rest` makes it hang up every call it gets.
    pub async fn start(rest: Option<RestHangup>) -> Handler {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/stream", listener.local_addr().unwrap());
        let calls: Arc<Mutex<Vec<HandlerCall>>> = Arc::default();
        let shared = Arc::clone(&calls);
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let calls = Arc::clone(&shared);
                let rest = rest.clone();
                tokio::spawn(async move {
                    if let Ok(ws) = tokio_tungstenite::accept_async(tcp).await {
                        serve_call(ws, calls, rest).await;
                    }
                });
            }
        });
        Handler { url, calls, task }
    }

    /// The calls so far.
    pub fn calls(&self) -> Vec<HandlerCall> {
        self.calls.lock().unwrap().clone()
    }
}

impl Drop for Handler {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_call(
    mut ws: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    calls: Arc<Mutex<Vec<HandlerCall>>>,
    rest: Option<RestHangup>,
) {
    let mut index = None;
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<Value>(text.as_str()) else {
            continue;
        };
        match v["event"].as_str() {
            Some("start") => {
                let mut list = calls.lock().unwrap();
                index = Some(list.len());
                list.push(HandlerCall {
                    start: v.clone(),
                    start_at: Some(Instant::now()),
                    ..HandlerCall::default()
                });
                drop(list);
                if let (Some(rest), Some(i)) = (rest.clone(), index) {
                    tokio::spawn(hang_up(rest, v, Arc::clone(&calls), i));
                }
            }
            Some("stop") => {
                if let Some(i) = index {
                    calls.lock().unwrap()[i].stopped = true;
                }
            }
            _ => {}
        }
    }
}

async fn hang_up(rest: RestHangup, start: Value, calls: Arc<Mutex<Vec<HandlerCall>>>, i: usize) {
    let start = &start["start"];
    let account = start["accountSid"].as_str().unwrap_or_default();
    let call = start["callSid"].as_str().unwrap_or_default();
    let token = start["customParameters"]["hangup_token"]
        .as_str()
        .unwrap_or_default();
    let url = format!(
        "{}/2010-04-01/Accounts/{account}/Calls/{call}.json",
        rest.base
    );
    let http = reqwest::Client::new();
    let post = |password: String| {
        http.post(&url)
            .basic_auth(account, Some(password))
            .form(&[("Status", "completed")])
            .send()
    };
    tokio::time::sleep(rest.wrong_after).await;
    let wrong = post(format!("{token}x")).await.map(|r| r.status().as_u16());
    calls.lock().unwrap()[i].wrong_token_status = wrong.ok();
    tokio::time::sleep(rest.right_after).await;
    if let Ok(response) = post(token.to_owned()).await {
        let status = response.status().as_u16();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        let mut list = calls.lock().unwrap();
        list[i].hangup = Some((status, body));
        list[i].hangup_at = Some(Instant::now());
    }
}
