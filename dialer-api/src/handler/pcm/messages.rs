//! Raw PCM protocol messages (DESIGN.md §3.2): JSON control frames and
//! 16-bit little-endian sample frames.

use serde_json::Value;

use crate::handler::error::MessageError;
use crate::handler::twilio::MAX_MARK_NAME;

/// A JSON control frame from a pcm handler.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PcmControl {
    /// `{"event":"mark","name":"x"}` (or `"mark":{"name":"x"}`): a marker after the audio sent so far.
    Mark(String),
    /// `{"event":"clear"}`: drop queued audio.
    Clear,
    /// `{"event":"hangup"}`: end the call.
    Hangup,
    /// Any other event, tolerated and ignored.
    Other(String),
}

/// Parses one text frame from a pcm handler. Never panics.
pub fn parse_control(text: &str) -> Result<PcmControl, MessageError> {
    let value: Value = serde_json::from_str(text)?;
    let object = value.as_object().ok_or(MessageError::NotAnObject)?;
    let event = object
        .get("event")
        .and_then(Value::as_str)
        .ok_or(MessageError::NoEvent)?;
    match event {
        "mark" => {
            let name = object
                .get("name")
                .or_else(|| object.get("mark").and_then(|m| m.get("name")))
                .and_then(Value::as_str)
                .ok_or(MessageError::BadField {
                    event: "mark",
                    field: "name",
                })?;
            if name.len() > MAX_MARK_NAME {
                return Err(MessageError::NameTooLong {
                    len: name.len(),
                    max: MAX_MARK_NAME,
                });
            }
            Ok(PcmControl::Mark(name.to_owned()))
        }
        "clear" => Ok(PcmControl::Clear),
        "hangup" => Ok(PcmControl::Hangup),
        other => Ok(PcmControl::Other(other.chars().take(64).collect())),
    }
}

/// Decodes 16-bit little-endian samples; the length must be even.
pub fn decode_l16(bytes: &[u8]) -> Result<Vec<i16>, MessageError> {
    if bytes.len() % 2 != 0 {
        return Err(MessageError::OddLength { len: bytes.len() });
    }
    Ok(bytes
        .chunks_exact(2)
        .map(|pair| i16::from_le_bytes([pair[0], pair[1]]))
        .collect())
}

/// Appends `samples` as 16-bit little-endian bytes.
pub(crate) fn encode_l16(samples: &[i16], out: &mut Vec<u8>) {
    out.reserve(samples.len() * 2);
    for sample in samples {
        out.extend_from_slice(&sample.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_control_frames() {
        assert_eq!(
            parse_control(r#"{"event":"mark","name":"m1"}"#).unwrap(),
            PcmControl::Mark("m1".into())
        );
        assert_eq!(
            parse_control(r#"{"event":"mark","mark":{"name":"m2"}}"#).unwrap(),
            PcmControl::Mark("m2".into())
        );
        assert_eq!(
            parse_control(r#"{"event":"clear"}"#).unwrap(),
            PcmControl::Clear
        );
        assert_eq!(
            parse_control(r#"{"event":"hangup"}"#).unwrap(),
            PcmControl::Hangup
        );
        assert_eq!(
            parse_control(r#"{"event":"ping"}"#).unwrap(),
            PcmControl::Other("ping".into())
        );
        assert!(matches!(parse_control("nope"), Err(MessageError::Json(_))));
        assert!(matches!(
            parse_control(r#"{"event":"mark"}"#),
            Err(MessageError::BadField { .. })
        ));
    }

    #[test]
    fn l16_round_trip() {
        let samples = [0i16, 1, -1, i16::MAX, i16::MIN, 1234];
        let mut bytes = Vec::new();
        encode_l16(&samples, &mut bytes);
        assert_eq!(&bytes[..6], &[0, 0, 1, 0, 0xff, 0xff]);
        assert_eq!(decode_l16(&bytes).unwrap(), samples);
        assert!(matches!(
            decode_l16(&[1, 2, 3]),
            Err(MessageError::OddLength { len: 3 })
        ));
    }
}
