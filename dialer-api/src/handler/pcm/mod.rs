//! The raw PCM WebSocket bridge (DESIGN.md §3.2): a JSON metadata frame, then
//! binary 16-bit little-endian mono PCM both ways at 8, 16 or 24 kHz, with
//! JSON `dtmf`, `mark`, `clear` and `hangup` frames.
//!
//! From Trunkline: `{"event":"start","encoding":"L16","sampleRate":R,
//! "channels":1,"callId",...,"customParameters":{...}}` when the call is
//! answered; binary frames of 20 ms at R Hz; `{"event":"dtmf","digit":"5"}`;
//! `{"event":"mark","name":X}` once X's audio has been played;
//! `{"event":"hangup","by":"callee"|"trunkline"}` before closing.
//! From the handler: binary frames of any whole number of samples at R Hz,
//! `{"event":"mark","name":X}`, `{"event":"clear"}`, `{"event":"hangup"}`.

mod messages;

use codecs::Resampler;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

pub use messages::{PcmControl, decode_l16, parse_control};

use super::call::CallMetadata;
use super::error::MessageError;
use super::event::{FinishReason, HandlerEvent, HangupCause, Inbound};
use super::ws::WsSession;

/// One pcm stream at the handler's rate.
#[derive(Debug)]
pub(crate) struct PcmSession {
    rate: u32,
    started: bool,
    /// 8 kHz to `rate`; `None` at 8 kHz.
    upsampler: Option<Resampler>,
    resampled: Vec<i16>,
}

impl PcmSession {
    /// A session at `rate` Hz, converting callee audio with `upsampler` (none at 8 kHz).
    pub(crate) fn new(rate: u32, upsampler: Option<Resampler>) -> PcmSession {
        PcmSession {
            rate,
            started: false,
            upsampler,
            resampled: Vec::new(),
        }
    }
}

impl WsSession for PcmSession {
    fn start(&mut self, call: &CallMetadata) -> Vec<Message> {
        if self.started {
            return Vec::new();
        }
        self.started = true;
        let metadata = json!({
            "event": "start",
            "encoding": "L16",
            "sampleRate": self.rate,
            "channels": 1,
            "callId": call.call_id.to_string(),
            "callSid": call.call_sid,
            "accountSid": call.account_sid,
            "from": call.from_number,
            "to": call.to_number,
            "customParameters": call.custom_parameters(),
        });
        vec![Message::text(metadata.to_string())]
    }

    fn audio(&mut self, pcm_8k: &[i16]) -> Option<Message> {
        if !self.started {
            return None;
        }
        let samples = match &mut self.upsampler {
            None => pcm_8k,
            Some(upsampler) => {
                self.resampled.clear();
                upsampler.process(pcm_8k, &mut self.resampled);
                &self.resampled
            }
        };
        let mut bytes = Vec::with_capacity(samples.len() * 2);
        messages::encode_l16(samples, &mut bytes);
        Some(Message::binary(bytes))
    }

    fn dtmf(&mut self, digit: char) -> Option<Message> {
        self.started.then(|| {
            Message::text(json!({"event": "dtmf", "digit": digit.to_string()}).to_string())
        })
    }

    fn mark_played(&mut self, name: &str) -> Option<Message> {
        self.started
            .then(|| Message::text(json!({"event": "mark", "name": name}).to_string()))
    }

    fn finish(&mut self, reason: FinishReason) -> Option<Message> {
        self.started
            .then(|| Message::text(json!({"event": "hangup", "by": reason.as_str()}).to_string()))
    }

    fn text(&mut self, text: &str) -> Result<Inbound, MessageError> {
        match parse_control(text)? {
            PcmControl::Hangup => Ok(Inbound::Event(HandlerEvent::HungUp(HangupCause::Requested))),
            PcmControl::Mark(_) | PcmControl::Clear if !self.started => {
                Err(MessageError::BeforeStart("mark or clear"))
            }
            PcmControl::Mark(name) => Ok(Inbound::Event(HandlerEvent::Mark(name))),
            PcmControl::Clear => Ok(Inbound::Event(HandlerEvent::Clear)),
            PcmControl::Other(event) => Ok(Inbound::Ignored(event)),
        }
    }

    fn binary(&mut self, data: &[u8]) -> Result<Inbound, MessageError> {
        if !self.started {
            return Err(MessageError::BeforeStart("audio"));
        }
        let samples = decode_l16(data)?;
        Ok(Inbound::Event(HandlerEvent::Audio {
            samples,
            sample_rate: self.rate,
        }))
    }
}
