//! Bridges between a call and its AI handler (DESIGN.md §3).
//!
//! ```text
//!  trunk <──RTP──> media engine <──PCM 8 kHz──> Bridge <──WS / TCP──> AI handler
//!                  (MediaSession)   channels    (a task)   twilio | pcm | audiosocket
//! ```
//!
//! The call engine uses a bridge like this:
//!
//! 1. Before dialling, [`connect`] reaches the handler (TCP, TLS, WebSocket
//!    upgrade), so nobody is called into silence; failure is a
//!    [`ConnectError`] that says so ("handler ws://...: connection refused").
//!    Twilio's `connected` goes out here.
//! 2. On 200 OK (never on 183), [`Bridge::start`] sends `start` (the pcm
//!    metadata frame, the AudioSocket UUID).
//! 3. Every 20 ms, [`Bridge::send_audio`] with the callee's 8 kHz frame;
//!    [`Bridge::send_dtmf`] for digits; [`Bridge::mark_played`] when the media
//!    engine reports a mark played (or returns it from a clear).
//! 4. [`HandlerEvents`] yields [`HandlerEvent`]s: audio to queue, marks,
//!    clear, and finally [`HandlerEvent::HungUp`] if the handler ends the call.
//! 5. When the call ends on the call side, [`Bridge::finish`] sends `stop`
//!    and closes the socket cleanly.
//!
//! Every handler message is parsed defensively: malformed JSON, bad base64
//! or odd-length audio is logged, counted in [`BridgeStats`] and dropped;
//! a message over [`ConnectOptions::max_message_bytes`] ends the bridge.

mod bridge;
mod call;
mod error;
mod event;
mod tcp;
mod ws;

pub mod audiosocket;
pub mod pcm;
pub mod twilio;

use std::sync::Arc;

use codecs::Resampler;
use futures_util::SinkExt;
use tokio::sync::mpsc;

pub use bridge::{Bridge, BridgeStats, ConnectOptions, HandlerEvents};
pub use call::{CallMetadata, STANDARD_PARAMETERS, twilio_sid};
pub use error::{BridgeError, ConnectError, MessageError};
pub use event::{FinishReason, HandlerEvent, HangupCause, Inbound};

use crate::config::{HandlerAddress, HandlerConfig, HandlerProtocol};
use bridge::Shared;
use ws::{WsDriver, WsSession};

/// Connects to the handler and starts its bridge task (on the current tokio
/// runtime). Returns once the handler is reachable: for twilio and pcm the
/// WebSocket handshake has completed (and twilio's `connected` was sent), for
/// audiosocket the TCP connection is open.
pub async fn connect(
    handler: &HandlerConfig,
    options: &ConnectOptions,
) -> Result<(Bridge, HandlerEvents), ConnectError> {
    let url = handler.url().to_owned();
    let (command_tx, commands) = mpsc::unbounded_channel();
    let (events_tx, events) = mpsc::channel(options.event_buffer.max(1));
    let shared = Arc::new(Shared::default());
    let task = match (handler.protocol(), handler.address()) {
        (HandlerProtocol::AudioSocket, HandlerAddress::Tcp { host, port }) => {
            let stream =
                tokio::time::timeout(options.connect_timeout, tcp::connect_tcp(&url, host, *port))
                    .await
                    .unwrap_or_else(|_| {
                        Err(ConnectError::Timeout {
                            url: url.clone(),
                            timeout: options.connect_timeout,
                        })
                    })?;
            tokio::spawn(
                audiosocket::AudioSocketDriver {
                    url: url.clone(),
                    stream,
                    commands,
                    events: events_tx,
                    shared: shared.clone(),
                    close_timeout: options.close_timeout,
                }
                .run(),
            )
        }
        (HandlerProtocol::AudioSocket, HandlerAddress::WebSocket { .. })
        | (HandlerProtocol::Twilio | HandlerProtocol::Pcm, HandlerAddress::Tcp { .. }) => {
            return Err(ConnectError::Handshake {
                url,
                reason: format!("{} does not run over this address", handler.protocol()),
            });
        }
        (HandlerProtocol::Pcm, HandlerAddress::WebSocket { .. }) => {
            let rate = handler.sample_rate();
            let upsampler = if rate == 8000 {
                None
            } else {
                Some(
                    Resampler::new(8000, rate).map_err(|e| ConnectError::Handshake {
                        url: url.clone(),
                        reason: e.to_string(),
                    })?,
                )
            };
            let ws = ws::connect_ws(&url, options).await?;
            spawn_ws(
                ws,
                pcm::PcmSession::new(rate, upsampler),
                &url,
                commands,
                events_tx,
                &shared,
                options,
            )
        }
        (HandlerProtocol::Twilio, HandlerAddress::WebSocket { .. }) => {
            let mut ws = ws::connect_ws(&url, options).await?;
            ws.send(twilio::connected_message())
                .await
                .map_err(|e| ConnectError::Handshake {
                    url: url.clone(),
                    reason: format!("sending connected: {e}"),
                })?;
            spawn_ws(
                ws,
                twilio::TwilioSession::default(),
                &url,
                commands,
                events_tx,
                &shared,
                options,
            )
        }
    };
    let bridge = Bridge::new(url, handler.protocol(), command_tx, shared, task, options);
    Ok((bridge, events))
}

fn spawn_ws<S: WsSession>(
    ws: ws::WsStream,
    session: S,
    url: &str,
    commands: mpsc::UnboundedReceiver<bridge::Command>,
    events: mpsc::Sender<HandlerEvent>,
    shared: &Arc<Shared>,
    options: &ConnectOptions,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(
        WsDriver {
            url: url.to_owned(),
            ws,
            session,
            commands,
            events,
            shared: shared.clone(),
            close_timeout: options.close_timeout,
            peer_closed: false,
        }
        .run(),
    )
}
