//! The call side's handle on a running bridge.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::call::CallMetadata;
use super::error::{BridgeError, MessageError};
use super::event::{FinishReason, HandlerEvent};
use crate::config::HandlerProtocol;

/// The receiving end of a bridge's [`HandlerEvent`]s.
pub type HandlerEvents = mpsc::Receiver<HandlerEvent>;

/// Limits and timeouts of a bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectOptions {
    /// How long connecting (TCP, TLS and the WebSocket upgrade) may take.
    pub connect_timeout: Duration,
    /// The largest message accepted from the handler; a larger one ends the bridge.
    pub max_message_bytes: usize,
    /// Inbound audio frames that may wait for a slow handler; more are dropped and counted.
    pub audio_backlog_frames: usize,
    /// Events that may wait for the call side before the bridge stops reading the handler.
    pub event_buffer: usize,
    /// How long `finish` waits for the handler to acknowledge the close.
    pub close_timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> ConnectOptions {
        ConnectOptions {
            connect_timeout: Duration::from_secs(5),
            max_message_bytes: 1 << 20,
            audio_backlog_frames: 50,
            event_buffer: 256,
            close_timeout: Duration::from_secs(2),
        }
    }
}

/// What the call side asks of the bridge task.
#[derive(Debug)]
pub(crate) enum Command {
    Start(Box<CallMetadata>),
    Audio(Vec<i16>),
    Dtmf(char),
    MarkPlayed(String),
    Finish(FinishReason),
}

/// Counters of one bridge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BridgeStats {
    /// 20 ms frames of callee audio sent to the handler.
    pub frames_sent: u64,
    /// Frames of callee audio dropped because the handler fell behind.
    pub frames_dropped: u64,
    /// Messages (frames) received from the handler.
    pub messages_received: u64,
    /// Samples of audio received from the handler.
    pub samples_received: u64,
    /// Handler messages dropped as malformed (each one logged).
    pub malformed: u64,
    /// Handler messages ignored because the event is unknown.
    pub ignored: u64,
}

/// State shared by the handle and the task.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    backlog: AtomicUsize,
    frames_sent: AtomicU64,
    frames_dropped: AtomicU64,
    messages_received: AtomicU64,
    samples_received: AtomicU64,
    malformed: AtomicU64,
    ignored: AtomicU64,
}

impl Shared {
    pub(crate) fn audio_dequeued(&self) {
        self.backlog.fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn frame_sent(&self) {
        self.frames_sent.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn message_received(&self) {
        self.messages_received.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn samples_received(&self, n: usize) {
        self.samples_received.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(crate) fn ignored(&self, url: &str, event: &str) {
        self.ignored.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(handler = url, event, "ignored handler message");
    }

    /// Counts a malformed message and logs it (the first ten, then every hundredth).
    pub(crate) fn malformed(&self, url: &str, error: &MessageError) {
        let n = self.malformed.fetch_add(1, Ordering::Relaxed) + 1;
        if n <= 10 || n % 100 == 0 {
            tracing::warn!(handler = url, count = n, %error, "dropped a malformed message from the handler");
        }
    }

    fn snapshot(&self) -> BridgeStats {
        BridgeStats {
            frames_sent: self.frames_sent.load(Ordering::Relaxed),
            frames_dropped: self.frames_dropped.load(Ordering::Relaxed),
            messages_received: self.messages_received.load(Ordering::Relaxed),
            samples_received: self.samples_received.load(Ordering::Relaxed),
            malformed: self.malformed.load(Ordering::Relaxed),
            ignored: self.ignored.load(Ordering::Relaxed),
        }
    }
}

/// A connected handler, bridged to one call. Made by [`connect`](super::connect)
/// before dialling; [`Bridge::start`] when the call is answered.
///
/// Every method except [`Bridge::finish`] is synchronous and never blocks, so
/// the media loop can call it every 20 ms.
#[derive(Debug)]
pub struct Bridge {
    url: String,
    protocol: HandlerProtocol,
    commands: mpsc::UnboundedSender<Command>,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
    audio_backlog_frames: usize,
    close_timeout: Duration,
}

impl Bridge {
    pub(crate) fn new(
        url: String,
        protocol: HandlerProtocol,
        commands: mpsc::UnboundedSender<Command>,
        shared: Arc<Shared>,
        task: JoinHandle<()>,
        options: &ConnectOptions,
    ) -> Bridge {
        Bridge {
            url,
            protocol,
            commands,
            shared,
            task,
            audio_backlog_frames: options.audio_backlog_frames,
            close_timeout: options.close_timeout,
        }
    }

    /// The handler's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The protocol spoken.
    pub fn protocol(&self) -> HandlerProtocol {
        self.protocol
    }

    fn send(&self, command: Command) -> Result<(), BridgeError> {
        self.commands.send(command).map_err(|_| BridgeError::Closed)
    }

    /// The call was answered (200 OK, never 183): tell the handler (`start`,
    /// the pcm metadata frame, the AudioSocket UUID). Audio, DTMF and marks
    /// before this are not sent.
    pub fn start(&self, call: CallMetadata) -> Result<(), BridgeError> {
        self.send(Command::Start(Box::new(call)))
    }

    /// One frame of the callee's audio: 8 kHz mono, normally 160 samples
    /// (20 ms). If the handler has fallen `audio_backlog_frames` behind, the
    /// frame is dropped and counted instead.
    pub fn send_audio(&self, pcm_8k: &[i16]) -> Result<(), BridgeError> {
        if self.commands.is_closed() {
            return Err(BridgeError::Closed);
        }
        let queued = self.shared.backlog.fetch_add(1, Ordering::Relaxed);
        if queued >= self.audio_backlog_frames {
            self.shared.backlog.fetch_sub(1, Ordering::Relaxed);
            self.shared.frames_dropped.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        self.send(Command::Audio(pcm_8k.to_vec()))
    }

    /// A DTMF digit the callee pressed (`0-9`, `*`, `#`, `A-D`).
    pub fn send_dtmf(&self, digit: char) -> Result<(), BridgeError> {
        if !matches!(digit, '0'..='9' | '*' | '#' | 'A'..='D') {
            return Err(BridgeError::NotADtmfDigit(digit));
        }
        self.send(Command::Dtmf(digit))
    }

    /// The audio queued before mark `name` has been played to the callee (or
    /// dropped by a clear): echo the mark to the handler.
    pub fn mark_played(&self, name: &str) -> Result<(), BridgeError> {
        self.send(Command::MarkPlayed(name.to_owned()))
    }

    /// Counters so far.
    pub fn stats(&self) -> BridgeStats {
        self.shared.snapshot()
    }

    /// Ends the bridge from the call side: sends `stop` (pcm `hangup`,
    /// AudioSocket `0x00`) if the call had started, closes the socket and
    /// waits up to `close_timeout` (plus a little) for the task to end.
    /// Safe to call after the handler hung up.
    pub async fn finish(self, reason: FinishReason) -> BridgeStats {
        let _ = self.commands.send(Command::Finish(reason));
        let mut task = self.task;
        let grace = self.close_timeout + Duration::from_millis(500);
        if tokio::time::timeout(grace, &mut task).await.is_err() {
            tracing::warn!(
                handler = self.url,
                "handler bridge did not close in time; aborted"
            );
            task.abort();
        }
        self.shared.snapshot()
    }
}
