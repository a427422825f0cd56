//! Twilio Media Streams messages (DESIGN.md §3.1): the ones Trunkline sends,
//! built with serde in Twilio's field order, and a defensive parser for the
//! ones a handler sends.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::Serialize;
use serde_json::Value;

use crate::handler::error::MessageError;

/// The longest mark name accepted from a handler, in bytes.
pub const MAX_MARK_NAME: usize = 1024;

/// `{"event":"connected",...}`, sent as soon as the WebSocket is open.
#[derive(Debug, Serialize)]
pub(crate) struct Connected {
    pub(crate) event: &'static str,
    pub(crate) protocol: &'static str,
    pub(crate) version: &'static str,
}

impl Connected {
    pub(crate) const MESSAGE: Connected = Connected {
        event: "connected",
        protocol: "Call",
        version: "1.0.0",
    };
}

/// `start`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Start<'a> {
    pub(crate) event: &'static str,
    pub(crate) sequence_number: String,
    pub(crate) stream_sid: &'a str,
    pub(crate) start: StartBody<'a>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StartBody<'a> {
    pub(crate) stream_sid: &'a str,
    pub(crate) account_sid: &'a str,
    pub(crate) call_sid: &'a str,
    pub(crate) tracks: [&'static str; 1],
    pub(crate) custom_parameters: BTreeMap<String, String>,
    pub(crate) media_format: MediaFormat,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MediaFormat {
    pub(crate) encoding: &'static str,
    pub(crate) sample_rate: u32,
    pub(crate) channels: u32,
}

/// `media`: one chunk of callee audio.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Media<'a> {
    pub(crate) event: &'static str,
    pub(crate) sequence_number: String,
    pub(crate) stream_sid: &'a str,
    pub(crate) media: MediaBody<'a>,
}

#[derive(Debug, Serialize)]
pub(crate) struct MediaBody<'a> {
    pub(crate) track: &'static str,
    pub(crate) chunk: String,
    pub(crate) timestamp: String,
    pub(crate) payload: &'a str,
}

/// `dtmf`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Dtmf<'a> {
    pub(crate) event: &'static str,
    pub(crate) stream_sid: &'a str,
    pub(crate) sequence_number: String,
    pub(crate) dtmf: DtmfBody,
}

#[derive(Debug, Serialize)]
pub(crate) struct DtmfBody {
    pub(crate) track: &'static str,
    pub(crate) digit: String,
}

/// `mark`: the handler's mark, echoed once its audio has been played.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Mark<'a> {
    pub(crate) event: &'static str,
    pub(crate) sequence_number: String,
    pub(crate) stream_sid: &'a str,
    pub(crate) mark: MarkBody<'a>,
}

#[derive(Debug, Serialize)]
pub(crate) struct MarkBody<'a> {
    pub(crate) name: &'a str,
}

/// `stop`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Stop<'a> {
    pub(crate) event: &'static str,
    pub(crate) sequence_number: String,
    pub(crate) stream_sid: &'a str,
    pub(crate) stop: StopBody<'a>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StopBody<'a> {
    pub(crate) account_sid: &'a str,
    pub(crate) call_sid: &'a str,
}

/// A message from a Twilio-protocol handler.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TwilioInbound {
    /// `media`: u-law audio to play, any length.
    Media {
        /// The `streamSid` given, if any.
        stream_sid: Option<String>,
        /// The decoded u-law bytes.
        ulaw: Vec<u8>,
    },
    /// `mark`: a marker after the audio sent so far.
    Mark {
        /// The `streamSid` given, if any.
        stream_sid: Option<String>,
        /// The mark's name.
        name: String,
    },
    /// `clear`: drop queued audio.
    Clear {
        /// The `streamSid` given, if any.
        stream_sid: Option<String>,
    },
    /// Any other event, tolerated and ignored.
    Other {
        /// The event name.
        event: String,
    },
}

/// Parses one text frame from a Twilio-protocol handler. Never panics; any
/// input that is not a usable message gives a [`MessageError`].
pub fn parse_handler_message(text: &str) -> Result<TwilioInbound, MessageError> {
    let value: Value = serde_json::from_str(text)?;
    let object = value.as_object().ok_or(MessageError::NotAnObject)?;
    let event = object
        .get("event")
        .and_then(Value::as_str)
        .ok_or(MessageError::NoEvent)?;
    let stream_sid = || {
        object
            .get("streamSid")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    match event {
        "media" => {
            let payload = object
                .get("media")
                .and_then(|m| m.get("payload"))
                .and_then(Value::as_str)
                .ok_or(MessageError::BadField {
                    event: "media",
                    field: "media.payload",
                })?;
            let ulaw = base64::engine::general_purpose::STANDARD
                .decode(payload)
                .map_err(|_| MessageError::BadBase64)?;
            Ok(TwilioInbound::Media {
                stream_sid: stream_sid(),
                ulaw,
            })
        }
        "mark" => {
            let name = object
                .get("mark")
                .and_then(|m| m.get("name"))
                .and_then(Value::as_str)
                .ok_or(MessageError::BadField {
                    event: "mark",
                    field: "mark.name",
                })?;
            if name.len() > MAX_MARK_NAME {
                return Err(MessageError::NameTooLong {
                    len: name.len(),
                    max: MAX_MARK_NAME,
                });
            }
            Ok(TwilioInbound::Mark {
                stream_sid: stream_sid(),
                name: name.to_owned(),
            })
        }
        "clear" => Ok(TwilioInbound::Clear {
            stream_sid: stream_sid(),
        }),
        other => Ok(TwilioInbound::Other {
            event: other.chars().take(64).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_media_mark_and_clear() {
        let m = parse_handler_message(
            r#"{"event":"media","streamSid":"MZ1","media":{"payload":"/wB/"}}"#,
        );
        assert_eq!(
            m.unwrap(),
            TwilioInbound::Media {
                stream_sid: Some("MZ1".into()),
                ulaw: vec![0xff, 0x00, 0x7f]
            }
        );
        let m = parse_handler_message(
            r#"{"event":"mark","streamSid":"MZ1","mark":{"name":"greeting"}}"#,
        );
        assert_eq!(
            m.unwrap(),
            TwilioInbound::Mark {
                stream_sid: Some("MZ1".into()),
                name: "greeting".into()
            }
        );
        assert_eq!(
            parse_handler_message(r#"{"event":"clear"}"#).unwrap(),
            TwilioInbound::Clear { stream_sid: None }
        );
        assert_eq!(
            parse_handler_message(r#"{"event":"dance","x":[1,2]}"#).unwrap(),
            TwilioInbound::Other {
                event: "dance".into()
            }
        );
    }

    #[test]
    fn rejects_malformed_messages() {
        let err = |text| parse_handler_message(text).unwrap_err().to_string();
        assert!(err("{not json").starts_with("not JSON"));
        assert_eq!(err("[1,2]"), "not a JSON object");
        assert_eq!(err(r#"{"event":5}"#), "no \"event\" string");
        assert_eq!(
            err(r#"{"event":"media"}"#),
            "media event: missing or invalid \"media.payload\""
        );
        assert_eq!(
            err(r#"{"event":"media","media":{"payload":7}}"#),
            "media event: missing or invalid \"media.payload\""
        );
        assert_eq!(
            err(r#"{"event":"media","media":{"payload":"@@@"}}"#),
            "media payload is not valid base64"
        );
        assert_eq!(
            err(r#"{"event":"mark","mark":{}}"#),
            "mark event: missing or invalid \"mark.name\""
        );
        let long = format!(
            r#"{{"event":"mark","mark":{{"name":"{}"}}}}"#,
            "x".repeat(2000)
        );
        assert_eq!(err(&long), "mark name of 2000 bytes is longer than 1024");
    }
}
