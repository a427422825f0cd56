//! The Asterisk AudioSocket bridge (DESIGN.md §3.3) over TCP: the UUID frame
//! when the call is answered, then 20 ms frames of 8 kHz PCM, DTMF digits,
//! and a hangup frame when the call ends. The handler's `0x10` audio becomes
//! [`HandlerEvent::Audio`]; its `0x00` or `0xff`, or closing the socket, ends
//! the call. The protocol has no marks or clear.

mod frame;

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

pub use frame::{
    HEADER_LEN, KIND_AUDIO, KIND_DTMF, KIND_ERROR, KIND_HANGUP, KIND_UUID, MAX_PAYLOAD, RawFrame,
    encode_frame, split_frame,
};

use super::bridge::{Command, Shared};
use super::call::CallMetadata;
use super::error::MessageError;
use super::event::{HandlerEvent, HangupCause, Inbound};
use super::pcm::decode_l16;

/// Bytes of one 20 ms audio frame (160 samples of 16 bits).
pub const AUDIO_FRAME_BYTES: usize = 320;

/// What one AudioSocket frame from the handler means. Never panics.
pub fn interpret_frame(frame: RawFrame<'_>, started: bool) -> Result<Inbound, MessageError> {
    match frame.kind {
        KIND_AUDIO if !started => Err(MessageError::BeforeStart("audio")),
        KIND_AUDIO => Ok(Inbound::Event(HandlerEvent::Audio {
            samples: decode_l16(frame.payload)?,
            sample_rate: 8000,
        })),
        KIND_HANGUP => Ok(Inbound::Event(HandlerEvent::HungUp(HangupCause::Requested))),
        KIND_ERROR => Ok(Inbound::Event(HandlerEvent::HungUp(
            HangupCause::HandlerError {
                code: frame.payload.first().copied(),
            },
        ))),
        KIND_UUID => Ok(Inbound::Ignored("uuid".into())),
        KIND_DTMF => Ok(Inbound::Ignored("dtmf".into())),
        other => Ok(Inbound::Ignored(format!("type 0x{other:02x}"))),
    }
}

/// Encodes the frames for one command; empty when there is nothing to send.
fn encode_command(command: &Command, started: bool, out: &mut Vec<u8>) {
    match command {
        Command::Start(call) if !started => encode_start(call, out),
        Command::Audio(pcm) if started => {
            for chunk in pcm.chunks(MAX_PAYLOAD / 2) {
                let mut bytes = Vec::with_capacity(chunk.len() * 2);
                for sample in chunk {
                    bytes.extend_from_slice(&sample.to_le_bytes());
                }
                encode_frame(KIND_AUDIO, &bytes, out);
            }
        }
        Command::Dtmf(digit) if started && digit.is_ascii() => {
            encode_frame(KIND_DTMF, &[*digit as u8], out);
        }
        Command::Finish(_) if started => encode_frame(KIND_HANGUP, &[], out),
        _ => {}
    }
}

fn encode_start(call: &CallMetadata, out: &mut Vec<u8>) {
    encode_frame(KIND_UUID, call.call_id.as_bytes(), out);
}

/// Runs one AudioSocket bridge until either side ends it.
pub(crate) struct AudioSocketDriver {
    pub(crate) url: String,
    pub(crate) stream: TcpStream,
    pub(crate) commands: mpsc::UnboundedReceiver<Command>,
    pub(crate) events: mpsc::Sender<HandlerEvent>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) close_timeout: Duration,
}

impl AudioSocketDriver {
    pub(crate) async fn run(self) {
        let AudioSocketDriver {
            url,
            stream,
            mut commands,
            events,
            shared,
            close_timeout,
        } = self;
        let (mut reader, mut writer) = stream.into_split();
        let mut started = false;
        let mut inbox = BytesMut::with_capacity(4096);
        let mut outbox = Vec::with_capacity(HEADER_LEN + AUDIO_FRAME_BYTES);
        let cause = loop {
            tokio::select! {
                command = commands.recv() => {
                    let Some(command) = command else { break None };
                    if matches!(command, Command::Audio(_)) {
                        shared.audio_dequeued();
                    }
                    outbox.clear();
                    encode_command(&command, started, &mut outbox);
                    match &command {
                        Command::Start(_) => started = true,
                        Command::Audio(_) if !outbox.is_empty() => shared.frame_sent(),
                        _ => {}
                    }
                    if !outbox.is_empty() {
                        if let Err(e) = writer.write_all(&outbox).await {
                            break Some(HangupCause::Failed { reason: e.to_string() });
                        }
                    }
                    if matches!(command, Command::Finish(_)) {
                        break None;
                    }
                }
                read = reader.read_buf(&mut inbox) => {
                    match read {
                        Ok(0) => break Some(HangupCause::Closed { code: None, reason: String::new() }),
                        Err(e) => break Some(HangupCause::Failed { reason: e.to_string() }),
                        Ok(_) => {}
                    }
                    if let Some(cause) = drain_frames(&url, &mut inbox, started, &events, &shared).await {
                        break Some(cause);
                    }
                }
            }
        };
        if let Some(cause) = cause {
            tracing::info!(handler = url, %cause, "handler ended the call");
            let _ = events.send(HandlerEvent::HungUp(cause)).await;
        }
        let _ = tokio::time::timeout(close_timeout, writer.shutdown()).await;
    }
}

/// Handles every whole frame in `inbox`; returns the cause if one ends the call.
async fn drain_frames(
    url: &str,
    inbox: &mut BytesMut,
    started: bool,
    events: &mpsc::Sender<HandlerEvent>,
    shared: &Shared,
) -> Option<HangupCause> {
    while let Some((frame, used)) = split_frame(inbox) {
        shared.message_received();
        let inbound = interpret_frame(frame, started);
        let _ = inbox.split_to(used);
        match inbound {
            Ok(Inbound::Event(HandlerEvent::HungUp(cause))) => return Some(cause),
            Ok(Inbound::Event(event)) => {
                if let HandlerEvent::Audio { samples, .. } = &event {
                    shared.samples_received(samples.len());
                }
                let _ = events.send(event).await;
            }
            Ok(Inbound::Ignored(what)) => shared.ignored(url, &what),
            Err(error) => shared.malformed(url, &error),
        }
    }
    None
}
