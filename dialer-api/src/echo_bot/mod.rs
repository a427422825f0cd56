//! A demo AI handler speaking Twilio Media Streams (`trunkline echo-bot`):
//! it greets each call with a chime, sends a `mark` after the greeting and
//! waits for it to come back, then repeats what the callee says after each
//! pause (with a mark after every reply), sends `clear` when the callee
//! presses `*` over its audio (or talks over it, if asked), and hangs up by
//! closing the socket after a set time.
//!
//! ```text
//!  Trunkline ──ws──▶ server (a task per connection) ──▶ Parrot (sans-IO call logic)
//!            ◀─────  media / mark / clear  ◀──────────────┘
//! ```
//!
//! ```no_run
//! # async fn demo() -> Result<(), dialer_api::echo_bot::EchoBotError> {
//! use dialer_api::echo_bot::{EchoBot, EchoBotConfig};
//! let mut bot = EchoBot::start(EchoBotConfig::loopback()).await?;
//! println!("handler url: {}", bot.url());
//! while let Some(event) = bot.next_event().await {
//!     println!("{event}");
//! }
//! # Ok(()) }
//! ```

mod chime;
mod config;
mod error;
mod event;
mod parrot;
mod protocol;
mod server;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub use chime::{CHIME_NOTES, chime};
pub use config::EchoBotConfig;
pub use error::EchoBotError;
pub use event::{BotCallReport, BotEvent, HangupBy};
pub use parrot::GREETING_MARK;
pub use protocol::{MediaFormat, StreamMessage, encode_handler_message, parse_stream_message};

/// A running echo bot. Dropping it stops the bot.
#[derive(Debug)]
pub struct EchoBot {
    local_addr: SocketAddr,
    events: mpsc::UnboundedReceiver<BotEvent>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl EchoBot {
    /// Listens and starts serving on the current tokio runtime. The first
    /// event is [`BotEvent::Listening`].
    pub async fn start(config: EchoBotConfig) -> Result<EchoBot, EchoBotError> {
        let bind = config.bind;
        let listener = TcpListener::bind(bind)
            .await
            .map_err(|source| EchoBotError::Bind { addr: bind, source })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| EchoBotError::Bind { addr: bind, source })?;
        let (events_tx, events) = mpsc::unbounded_channel();
        let _ = events_tx.send(BotEvent::Listening {
            url: format!("ws://{local_addr}/stream"),
        });
        let (shutdown, shutdown_rx) = watch::channel(false);
        let task = tokio::spawn(server::accept_loop(
            listener,
            Arc::new(config),
            events_tx,
            shutdown_rx,
        ));
        Ok(EchoBot {
            local_addr,
            events,
            shutdown,
            task: Some(task),
        })
    }

    /// The listening address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The WebSocket URL to give Trunkline (`ws://ADDR/stream`; any path works).
    pub fn url(&self) -> String {
        format!("ws://{}/stream", self.local_addr)
    }

    /// The next event; `None` once the bot has stopped and every event was read.
    pub async fn next_event(&mut self) -> Option<BotEvent> {
        self.events.recv().await
    }

    /// The next event if one is waiting.
    pub fn try_next_event(&mut self) -> Option<BotEvent> {
        self.events.try_recv().ok()
    }

    /// Stops listening and hangs up every call (closing each socket), then
    /// returns. Events already produced can still be read.
    pub async fn stop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for EchoBot {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
