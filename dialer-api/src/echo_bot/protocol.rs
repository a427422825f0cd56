//! The Twilio Media Streams messages as the handler (this bot) sees them:
//! what Trunkline sends (`connected`, `start`, `media`, `dtmf`, `mark`,
//! `stop`) read defensively into [`StreamMessage`], and what the bot sends
//! back, written from the bridge's own [`TwilioInbound`] type (the inverse
//! of [`crate::handler::twilio::parse_handler_message`]).

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::handler::MessageError;
use crate::handler::twilio::TwilioInbound;

/// The audio format announced in `start`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFormat {
    /// `audio/x-mulaw` for Trunkline.
    pub encoding: String,
    /// 8000.
    pub sample_rate: u32,
    /// 1.
    pub channels: u32,
}

/// A message from Trunkline (or Twilio) to the handler.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamMessage {
    /// `connected`: the WebSocket is open.
    Connected {
        /// `Call`.
        protocol: String,
        /// `1.0.0`.
        version: String,
    },
    /// `start`: the call was answered.
    Start {
        /// The stream's id (`MZ...`).
        stream_sid: String,
        /// The account (`AC...`).
        account_sid: String,
        /// The call (`CA...`).
        call_sid: String,
        /// The tracks sent (`inbound`).
        tracks: Vec<String>,
        /// `customParameters`.
        custom_parameters: BTreeMap<String, String>,
        /// The audio format.
        media_format: MediaFormat,
    },
    /// `media`: 20 ms of the callee's audio.
    Media {
        /// The chunk number.
        chunk: u64,
        /// Milliseconds since the stream started.
        timestamp: u64,
        /// The u-law bytes.
        ulaw: Vec<u8>,
    },
    /// `dtmf`: the callee pressed a key.
    Dtmf {
        /// The key.
        digit: char,
    },
    /// `mark`: audio the handler queued before this mark has been played.
    Mark {
        /// The mark's name.
        name: String,
    },
    /// `stop`: the call is over.
    Stop,
    /// Any other event, tolerated.
    Other {
        /// Its name.
        event: String,
    },
}

fn text_field<'a>(
    object: &'a Map<String, Value>,
    path: &[&str],
    event: &'static str,
    field: &'static str,
) -> Result<&'a str, MessageError> {
    let mut value = object.get(path.first().copied().unwrap_or_default());
    for key in path.iter().skip(1) {
        value = value.and_then(|v| v.get(*key));
    }
    value
        .and_then(Value::as_str)
        .ok_or(MessageError::BadField { event, field })
}

/// A counter that Twilio writes as a string (a number is accepted too).
fn counter(
    value: Option<&Value>,
    event: &'static str,
    field: &'static str,
) -> Result<u64, MessageError> {
    match value {
        Some(Value::String(s)) => s.parse().ok(),
        Some(Value::Number(n)) => n.as_u64(),
        _ => None,
    }
    .ok_or(MessageError::BadField { event, field })
}

/// Parses one text frame from Trunkline. Never panics; anything that is not
/// a usable message is a [`MessageError`].
pub fn parse_stream_message(text: &str) -> Result<StreamMessage, MessageError> {
    let value: Value = serde_json::from_str(text)?;
    let object = value.as_object().ok_or(MessageError::NotAnObject)?;
    let event = object
        .get("event")
        .and_then(Value::as_str)
        .ok_or(MessageError::NoEvent)?;
    match event {
        "connected" => Ok(StreamMessage::Connected {
            protocol: text_field(object, &["protocol"], "connected", "protocol")?.to_owned(),
            version: text_field(object, &["version"], "connected", "version")?.to_owned(),
        }),
        "start" => {
            let start =
                object
                    .get("start")
                    .and_then(Value::as_object)
                    .ok_or(MessageError::BadField {
                        event: "start",
                        field: "start",
                    })?;
            let field = |name: &'static str, path: &'static str| {
                text_field(start, &[name], "start", path).map(str::to_owned)
            };
            let tracks = start
                .get("tracks")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let custom_parameters = start
                .get("customParameters")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                            (k.clone(), v)
                        })
                        .collect()
                })
                .unwrap_or_default();
            let format = start.get("mediaFormat");
            let number = |key: &str| {
                format
                    .and_then(|f| f.get(key))
                    .and_then(Value::as_u64)
                    .and_then(|n| u32::try_from(n).ok())
            };
            Ok(StreamMessage::Start {
                stream_sid: field("streamSid", "start.streamSid")?,
                account_sid: field("accountSid", "start.accountSid")?,
                call_sid: field("callSid", "start.callSid")?,
                tracks,
                custom_parameters,
                media_format: MediaFormat {
                    encoding: text_field(
                        start,
                        &["mediaFormat", "encoding"],
                        "start",
                        "start.mediaFormat.encoding",
                    )?
                    .to_owned(),
                    sample_rate: number("sampleRate").ok_or(MessageError::BadField {
                        event: "start",
                        field: "start.mediaFormat.sampleRate",
                    })?,
                    channels: number("channels").unwrap_or(1),
                },
            })
        }
        "media" => {
            let media = object.get("media").ok_or(MessageError::BadField {
                event: "media",
                field: "media",
            })?;
            let payload =
                media
                    .get("payload")
                    .and_then(Value::as_str)
                    .ok_or(MessageError::BadField {
                        event: "media",
                        field: "media.payload",
                    })?;
            let ulaw = base64::engine::general_purpose::STANDARD
                .decode(payload)
                .map_err(|_| MessageError::BadBase64)?;
            Ok(StreamMessage::Media {
                chunk: counter(media.get("chunk"), "media", "media.chunk")?,
                timestamp: counter(media.get("timestamp"), "media", "media.timestamp")?,
                ulaw,
            })
        }
        "dtmf" => {
            let digit = text_field(object, &["dtmf", "digit"], "dtmf", "dtmf.digit")?;
            let mut chars = digit.chars();
            match (chars.next(), chars.next()) {
                (Some(d), None) => Ok(StreamMessage::Dtmf { digit: d }),
                _ => Err(MessageError::BadField {
                    event: "dtmf",
                    field: "dtmf.digit",
                }),
            }
        }
        "mark" => Ok(StreamMessage::Mark {
            name: text_field(object, &["mark", "name"], "mark", "mark.name")?.to_owned(),
        }),
        "stop" => Ok(StreamMessage::Stop),
        other => Ok(StreamMessage::Other {
            event: other.chars().take(64).collect(),
        }),
    }
}

/// Writes a handler message (`media`, `mark` or `clear`) for `stream_sid`
/// as Twilio expects it.
pub fn encode_handler_message(message: &TwilioInbound, stream_sid: &str) -> String {
    let value = match message {
        TwilioInbound::Media { ulaw, .. } => json!({
            "event": "media",
            "streamSid": stream_sid,
            "media": { "payload": base64::engine::general_purpose::STANDARD.encode(ulaw) },
        }),
        TwilioInbound::Mark { name, .. } => json!({
            "event": "mark",
            "streamSid": stream_sid,
            "mark": { "name": name },
        }),
        TwilioInbound::Clear { .. } => json!({ "event": "clear", "streamSid": stream_sid }),
        TwilioInbound::Other { event } => json!({ "event": event, "streamSid": stream_sid }),
    };
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handler::twilio::parse_handler_message;

    #[test]
    fn reads_every_trunkline_message() {
        assert_eq!(
            parse_stream_message(r#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#)
                .unwrap(),
            StreamMessage::Connected {
                protocol: "Call".into(),
                version: "1.0.0".into()
            }
        );
        let start = parse_stream_message(
            r#"{"event":"start","sequenceNumber":"1","streamSid":"MZ1","start":{"streamSid":"MZ1",
            "accountSid":"AC1","callSid":"CA1","tracks":["inbound"],"customParameters":{"user_id":"u1","n":5},
            "mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}"#,
        )
        .unwrap();
        let StreamMessage::Start {
            stream_sid,
            call_sid,
            custom_parameters,
            media_format,
            tracks,
            ..
        } = start
        else {
            panic!("{start:?}");
        };
        assert_eq!((stream_sid.as_str(), call_sid.as_str()), ("MZ1", "CA1"));
        assert_eq!(tracks, ["inbound"]);
        assert_eq!(custom_parameters["user_id"], "u1");
        assert_eq!(custom_parameters["n"], "5");
        assert_eq!(media_format.sample_rate, 8000);
        assert_eq!(
            parse_stream_message(
                r#"{"event":"media","sequenceNumber":"3","streamSid":"MZ1","media":{"track":"inbound","chunk":"2","timestamp":"20","payload":"/wB/"}}"#
            )
            .unwrap(),
            StreamMessage::Media {
                chunk: 2,
                timestamp: 20,
                ulaw: vec![0xff, 0, 0x7f]
            }
        );
        assert_eq!(
            parse_stream_message(
                r#"{"event":"dtmf","dtmf":{"track":"inbound_track","digit":"5"}}"#
            )
            .unwrap(),
            StreamMessage::Dtmf { digit: '5' }
        );
        assert_eq!(
            parse_stream_message(r#"{"event":"mark","mark":{"name":"greeting"}}"#).unwrap(),
            StreamMessage::Mark {
                name: "greeting".into()
            }
        );
        assert_eq!(
            parse_stream_message(r#"{"event":"stop","stop":{}}"#).unwrap(),
            StreamMessage::Stop
        );
    }

    #[test]
    fn refuses_broken_messages() {
        let err = |t: &str| parse_stream_message(t).unwrap_err().to_string();
        assert!(err("nope").starts_with("not JSON"));
        assert_eq!(err("7"), "not a JSON object");
        assert_eq!(err(r#"{"x":1}"#), "no \"event\" string");
        assert_eq!(
            err(r#"{"event":"start","start":{"streamSid":"MZ"}}"#),
            "start event: missing or invalid \"start.accountSid\""
        );
        assert_eq!(
            err(r#"{"event":"media","media":{"chunk":"x","timestamp":"0","payload":""}}"#),
            "media event: missing or invalid \"media.chunk\""
        );
        assert_eq!(
            err(r#"{"event":"media","media":{"chunk":"1","timestamp":"0","payload":"!!"}}"#),
            "media payload is not valid base64"
        );
        assert_eq!(
            err(r#"{"event":"dtmf","dtmf":{"digit":"12"}}"#),
            "dtmf event: missing or invalid \"dtmf.digit\""
        );
    }

    #[test]
    fn what_the_bot_writes_is_what_the_bridge_reads() {
        let messages = [
            TwilioInbound::Media {
                stream_sid: Some("MZ9".into()),
                ulaw: (0..=255).collect(),
            },
            TwilioInbound::Mark {
                stream_sid: Some("MZ9".into()),
                name: "echo-1 \"quoted\"".into(),
            },
            TwilioInbound::Clear {
                stream_sid: Some("MZ9".into()),
            },
        ];
        for m in messages {
            let text = encode_handler_message(&m, "MZ9");
            assert_eq!(parse_handler_message(&text).unwrap(), m, "{text}");
        }
    }
}
