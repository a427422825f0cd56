//! Events printed one per line, as JSON (`--json`) or as `name key=value ...`:
//! the shared form of the simulator's and the echo bot's reports.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// An event that serialises as a JSON object whose `event` field names it.
pub trait EventLine: Serialize {
    /// The event as one JSON object (`{"event":"invite",...}`).
    fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The event's name (the `event` field).
    fn name(&self) -> String {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map
                .get("event")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            _ => String::new(),
        }
    }

    /// Writes `name key=value key=value ...`: nested objects as
    /// `media.codec=PCMU`, strings with spaces quoted, nulls left out.
    fn write_line(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(Value::Object(map)) = serde_json::to_value(self) else {
            return Ok(());
        };
        f.write_str(map.get("event").and_then(Value::as_str).unwrap_or_default())?;
        for (key, value) in map.iter().filter(|(k, _)| *k != "event") {
            write_field(f, key, value)?;
        }
        Ok(())
    }
}

fn write_field(f: &mut fmt::Formatter<'_>, key: &str, value: &Value) -> fmt::Result {
    match value {
        Value::Object(inner) => {
            for (k, v) in inner {
                write_field(f, &format!("{key}.{k}"), v)?;
            }
            Ok(())
        }
        Value::String(s) if s.contains(' ') || s.is_empty() => write!(f, " {key}={s:?}"),
        Value::String(s) => write!(f, " {key}={s}"),
        Value::Null => Ok(()),
        other => write!(f, " {key}={other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    #[serde(tag = "event", rename_all = "snake_case")]
    enum Sample {
        Ended {
            reason: String,
            empty: String,
            count: u32,
            gone: Option<u32>,
            media: Inner,
        },
    }

    #[derive(Serialize)]
    struct Inner {
        codec: &'static str,
        rate: u32,
    }

    impl EventLine for Sample {}

    impl fmt::Display for Sample {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.write_line(f)
        }
    }

    #[test]
    fn name_json_and_line() {
        let e = Sample::Ended {
            reason: "the callee hung up".into(),
            empty: String::new(),
            count: 3,
            gone: None,
            media: Inner {
                codec: "PCMU",
                rate: 8000,
            },
        };
        assert_eq!(e.name(), "ended");
        assert!(
            e.to_json()
                .starts_with(r#"{"event":"ended","reason":"the callee hung up""#)
        );
        assert_eq!(
            e.to_string(),
            r#"ended count=3 empty="" media.codec=PCMU media.rate=8000 reason="the callee hung up""#
        );
    }
}
