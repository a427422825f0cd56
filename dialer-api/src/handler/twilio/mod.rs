//! The Twilio Media Streams bridge (DESIGN.md §3.1): JSON text frames, base64
//! 8 kHz u-law audio, counters as strings.

mod messages;

use base64::Engine as _;
use codecs::g711;
use serde::Serialize;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

pub use messages::{MAX_MARK_NAME, TwilioInbound, parse_handler_message};

use self::messages::{
    Connected, Dtmf, DtmfBody, Mark, MarkBody, Media, MediaBody, MediaFormat, Start, StartBody,
    Stop, StopBody,
};
use super::call::{CallMetadata, twilio_sid};
use super::error::MessageError;
use super::event::{FinishReason, HandlerEvent, Inbound};
use super::ws::WsSession;

fn text<T: Serialize>(message: &T) -> Message {
    Message::text(serde_json::to_string(message).unwrap_or_default())
}

/// The `connected` message, sent right after the handshake.
pub(crate) fn connected_message() -> Message {
    text(&Connected::MESSAGE)
}

/// The identifiers fixed at `start`.
#[derive(Debug)]
struct Stream {
    stream_sid: String,
    account_sid: String,
    call_sid: String,
}

/// One Twilio media stream: numbering, encoding and parsing.
#[derive(Debug, Default)]
pub(crate) struct TwilioSession {
    stream: Option<Stream>,
    /// The last `sequenceNumber` used (shared by every event after `connected`).
    sequence: u64,
    /// The last media `chunk` number.
    chunk: u64,
    /// Samples sent so far, for the media `timestamp` in ms.
    samples_sent: u64,
    ulaw: Vec<u8>,
    payload: String,
}

impl TwilioSession {
    fn next_sequence(&mut self) -> String {
        self.sequence += 1;
        self.sequence.to_string()
    }

    fn check_stream(&self, given: Option<String>, what: &'static str) -> Result<(), MessageError> {
        let Some(stream) = &self.stream else {
            return Err(MessageError::BeforeStart(what));
        };
        match given {
            Some(sid) if sid != stream.stream_sid => Err(MessageError::WrongStream { got: sid }),
            _ => Ok(()),
        }
    }
}

impl WsSession for TwilioSession {
    fn start(&mut self, call: &CallMetadata) -> Vec<Message> {
        if self.stream.is_some() {
            return Vec::new();
        }
        let stream = Stream {
            stream_sid: twilio_sid("MZ", Uuid::new_v4()),
            account_sid: call.account_sid.clone(),
            call_sid: call.call_sid.clone(),
        };
        let sequence_number = self.next_sequence();
        let message = text(&Start {
            event: "start",
            sequence_number,
            stream_sid: &stream.stream_sid,
            start: StartBody {
                stream_sid: &stream.stream_sid,
                account_sid: &stream.account_sid,
                call_sid: &stream.call_sid,
                tracks: ["inbound"],
                custom_parameters: call.custom_parameters(),
                media_format: MediaFormat {
                    encoding: "audio/x-mulaw",
                    sample_rate: 8000,
                    channels: 1,
                },
            },
        });
        self.stream = Some(stream);
        vec![message]
    }

    fn audio(&mut self, pcm_8k: &[i16]) -> Option<Message> {
        self.stream.as_ref()?;
        let timestamp = (self.samples_sent / 8).to_string();
        self.samples_sent += pcm_8k.len() as u64;
        self.chunk += 1;
        self.ulaw.clear();
        self.ulaw.resize(pcm_8k.len(), 0);
        g711::ulaw_encode_slice(pcm_8k, &mut self.ulaw);
        self.payload.clear();
        base64::engine::general_purpose::STANDARD.encode_string(&self.ulaw, &mut self.payload);
        let sequence_number = self.next_sequence();
        let stream = self.stream.as_ref()?;
        Some(text(&Media {
            event: "media",
            sequence_number,
            stream_sid: &stream.stream_sid,
            media: MediaBody {
                track: "inbound",
                chunk: self.chunk.to_string(),
                timestamp,
                payload: &self.payload,
            },
        }))
    }

    fn dtmf(&mut self, digit: char) -> Option<Message> {
        self.stream.as_ref()?;
        let sequence_number = self.next_sequence();
        let stream = self.stream.as_ref()?;
        Some(text(&Dtmf {
            event: "dtmf",
            stream_sid: &stream.stream_sid,
            sequence_number,
            dtmf: DtmfBody {
                track: "inbound_track",
                digit: digit.to_string(),
            },
        }))
    }

    fn mark_played(&mut self, name: &str) -> Option<Message> {
        self.stream.as_ref()?;
        let sequence_number = self.next_sequence();
        let stream = self.stream.as_ref()?;
        Some(text(&Mark {
            event: "mark",
            sequence_number,
            stream_sid: &stream.stream_sid,
            mark: MarkBody { name },
        }))
    }

    fn finish(&mut self, _reason: FinishReason) -> Option<Message> {
        self.stream.as_ref()?;
        let sequence_number = self.next_sequence();
        let stream = self.stream.as_ref()?;
        Some(text(&Stop {
            event: "stop",
            sequence_number,
            stream_sid: &stream.stream_sid,
            stop: StopBody {
                account_sid: &stream.account_sid,
                call_sid: &stream.call_sid,
            },
        }))
    }

    fn text(&mut self, text: &str) -> Result<Inbound, MessageError> {
        match parse_handler_message(text)? {
            TwilioInbound::Media { stream_sid, ulaw } => {
                self.check_stream(stream_sid, "media")?;
                let samples = ulaw.iter().map(|&code| g711::ulaw_decode(code)).collect();
                Ok(Inbound::Event(HandlerEvent::Audio {
                    samples,
                    sample_rate: 8000,
                }))
            }
            TwilioInbound::Mark { stream_sid, name } => {
                self.check_stream(stream_sid, "mark")?;
                Ok(Inbound::Event(HandlerEvent::Mark(name)))
            }
            TwilioInbound::Clear { stream_sid } => {
                self.check_stream(stream_sid, "clear")?;
                Ok(Inbound::Event(HandlerEvent::Clear))
            }
            TwilioInbound::Other { event } => Ok(Inbound::Ignored(event)),
        }
    }

    fn binary(&mut self, data: &[u8]) -> Result<Inbound, MessageError> {
        Err(MessageError::UnexpectedBinary { len: data.len() })
    }
}
