//! The WebSocket side shared by the twilio and pcm bridges: connecting with
//! plain errors, and the task that moves messages between the call side and
//! a protocol session.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::bridge::{Command, ConnectOptions, Shared};
use super::call::CallMetadata;
use super::error::{ConnectError, MessageError};
use super::event::{FinishReason, HandlerEvent, HangupCause, Inbound};
use super::tcp::connect_tcp;

/// A connected WebSocket to the handler.
pub(crate) type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A protocol spoken over the WebSocket (sans-IO: messages in, messages out).
pub(crate) trait WsSession: Send + 'static {
    /// Messages for the answered call (`start`).
    fn start(&mut self, call: &CallMetadata) -> Vec<Message>;
    /// One frame of 8 kHz callee audio; `None` before `start`.
    fn audio(&mut self, pcm_8k: &[i16]) -> Option<Message>;
    /// A DTMF digit; `None` before `start`.
    fn dtmf(&mut self, digit: char) -> Option<Message>;
    /// A mark has been played; `None` before `start`.
    fn mark_played(&mut self, name: &str) -> Option<Message>;
    /// The last message before closing (`stop`, `hangup`); `None` before `start`.
    fn finish(&mut self, reason: FinishReason) -> Option<Message>;
    /// A text frame from the handler.
    fn text(&mut self, text: &str) -> Result<Inbound, MessageError>;
    /// A binary frame from the handler.
    fn binary(&mut self, data: &[u8]) -> Result<Inbound, MessageError>;
}

/// Opens the WebSocket: TCP (and TLS for `wss://`), then the upgrade, all
/// within `connect_timeout`, with an error that says which step failed.
pub(crate) async fn connect_ws(
    url: &str,
    options: &ConnectOptions,
) -> Result<WsStream, ConnectError> {
    let attempt = async {
        let request = url
            .into_client_request()
            .map_err(|e| ConnectError::Handshake {
                url: url.to_owned(),
                reason: e.to_string(),
            })?;
        let uri = request.uri();
        let secure = uri.scheme_str() == Some("wss");
        let host = uri
            .host()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
        let tcp = connect_tcp(url, &host, port).await?;
        let config = WebSocketConfig::default()
            .read_buffer_size(16 * 1024)
            .write_buffer_size(0)
            .max_message_size(Some(options.max_message_bytes))
            .max_frame_size(Some(options.max_message_bytes));
        let (ws, _response) =
            tokio_tungstenite::client_async_tls_with_config(request, tcp, Some(config), None)
                .await
                .map_err(|e| handshake_error(url, secure, e))?;
        Ok(ws)
    };
    tokio::time::timeout(options.connect_timeout, attempt)
        .await
        .unwrap_or_else(|_| {
            Err(ConnectError::Timeout {
                url: url.to_owned(),
                timeout: options.connect_timeout,
            })
        })
}

/// Maps a handshake failure; on `wss://`, an `InvalidData` I/O error is the
/// TLS layer's (tokio-rustls reports TLS alerts and garbage that way).
fn handshake_error(url: &str, secure: bool, error: WsError) -> ConnectError {
    let url = url.to_owned();
    match error {
        WsError::Http(response) => {
            let status = response.status();
            ConnectError::UpgradeRefused {
                url,
                status: format!(
                    "{} {}",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("")
                )
                .trim_end()
                .to_owned(),
            }
        }
        WsError::Tls(e) => ConnectError::Tls {
            url,
            reason: e.to_string(),
        },
        WsError::Io(e) if secure && e.kind() == std::io::ErrorKind::InvalidData => {
            ConnectError::Tls {
                url,
                reason: e.to_string(),
            }
        }
        WsError::Io(source) => ConnectError::Io { url, source },
        other => ConnectError::Handshake {
            url,
            reason: other.to_string(),
        },
    }
}

/// How the task's main loop ended.
enum End {
    /// The call side finished (or dropped its handle): close from our side.
    CallSide,
    /// The handler ended; the event has been sent.
    Handler,
}

/// Runs one WebSocket bridge until either side ends it.
pub(crate) struct WsDriver<S> {
    pub(crate) url: String,
    pub(crate) ws: WsStream,
    pub(crate) session: S,
    pub(crate) commands: mpsc::UnboundedReceiver<Command>,
    pub(crate) events: mpsc::Sender<HandlerEvent>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) close_timeout: Duration,
    /// The handler sent its close frame (tungstenite answers it).
    pub(crate) peer_closed: bool,
}

impl<S: WsSession> WsDriver<S> {
    pub(crate) async fn run(mut self) {
        let end = loop {
            tokio::select! {
                command = self.commands.recv() => {
                    if let Some(end) = self.on_command(command).await {
                        break end;
                    }
                }
                message = self.ws.next() => {
                    if let Some(end) = self.on_message(message).await {
                        break end;
                    }
                }
            }
        };
        self.close(end).await;
    }

    async fn on_command(&mut self, command: Option<Command>) -> Option<End> {
        let messages = match command {
            None => return Some(End::CallSide),
            Some(Command::Start(call)) => self.session.start(&call),
            Some(Command::Audio(pcm)) => {
                self.shared.audio_dequeued();
                let message = self.session.audio(&pcm);
                if message.is_some() {
                    self.shared.frame_sent();
                }
                message.into_iter().collect()
            }
            Some(Command::Dtmf(digit)) => self.session.dtmf(digit).into_iter().collect(),
            Some(Command::MarkPlayed(name)) => {
                self.session.mark_played(&name).into_iter().collect()
            }
            Some(Command::Finish(reason)) => {
                if let Some(last) = self.session.finish(reason) {
                    let _ = self.ws.send(last).await;
                }
                return Some(End::CallSide);
            }
        };
        for message in messages {
            if let Err(e) = self.ws.send(message).await {
                return Some(self.handler_gone(transport_cause(e)).await);
            }
        }
        None
    }

    async fn on_message(&mut self, message: Option<Result<Message, WsError>>) -> Option<End> {
        let message = match message {
            None => {
                let cause = HangupCause::Closed {
                    code: None,
                    reason: String::new(),
                };
                return Some(self.handler_gone(cause).await);
            }
            Some(Err(e)) => return Some(self.handler_gone(transport_cause(e)).await),
            Some(Ok(message)) => message,
        };
        let inbound = match &message {
            Message::Text(text) => self.session.text(text.as_str()),
            Message::Binary(data) => self.session.binary(data),
            Message::Close(frame) => {
                self.peer_closed = true;
                let cause = HangupCause::Closed {
                    code: frame.as_ref().map(|f| u16::from(f.code)),
                    reason: frame
                        .as_ref()
                        .map(|f| f.reason.to_string())
                        .unwrap_or_default(),
                };
                return Some(self.handler_gone(cause).await);
            }
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => return None,
        };
        self.shared.message_received();
        match inbound {
            Ok(Inbound::Event(HandlerEvent::HungUp(cause))) => Some(self.handler_gone(cause).await),
            Ok(Inbound::Event(event)) => {
                if let HandlerEvent::Audio { samples, .. } = &event {
                    self.shared.samples_received(samples.len());
                }
                let _ = self.events.send(event).await;
                None
            }
            Ok(Inbound::Ignored(event)) => {
                self.shared.ignored(&self.url, &event);
                None
            }
            Err(error) => {
                self.shared.malformed(&self.url, &error);
                None
            }
        }
    }

    async fn handler_gone(&mut self, cause: HangupCause) -> End {
        tracing::info!(handler = self.url, %cause, "handler ended the call");
        let _ = self.events.send(HandlerEvent::HungUp(cause)).await;
        End::Handler
    }

    /// Answers the handler's close frame, or sends ours and waits (up to
    /// `close_timeout`) for the handler's answer, then drops the connection.
    async fn close(mut self, end: End) {
        if self.peer_closed {
            let _ = tokio::time::timeout(self.close_timeout, self.ws.close(None)).await;
            return;
        }
        let frame = CloseFrame {
            code: CloseCode::Normal,
            reason: match end {
                End::CallSide => "call ended".into(),
                End::Handler => "handler hung up".into(),
            },
        };
        let handshake = async {
            if self.ws.close(Some(frame)).await.is_err() {
                return;
            }
            while let Some(Ok(message)) = self.ws.next().await {
                if matches!(message, Message::Close(_)) {
                    return;
                }
            }
        };
        let _ = tokio::time::timeout(self.close_timeout, handshake).await;
    }
}

fn transport_cause(error: WsError) -> HangupCause {
    let reason = match error {
        WsError::Capacity(e) => format!("the handler sent an oversized message ({e})"),
        WsError::Utf8(_) => "the handler sent a text frame that is not UTF-8".to_owned(),
        WsError::ConnectionClosed | WsError::AlreadyClosed => {
            return HangupCause::Closed {
                code: None,
                reason: String::new(),
            };
        }
        other => other.to_string(),
    };
    HangupCause::Failed { reason }
}
