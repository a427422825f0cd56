//! JSON request bodies: parse errors become `bad_request`, or `validation_failed` naming the
//! field when serde names it (missing or unknown field).

use super::error::ApiError;
use serde::de::DeserializeOwned;

/// Parses a JSON body.
pub fn parse<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(raw).map_err(|e| from_serde(&e))
}

/// Parses a JSON value already read.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|e| from_serde(&e))
}

fn backticked(message: &str, after: &str) -> Option<String> {
    let rest = message.split_once(after)?.1;
    let rest = rest.strip_prefix('`')?;
    Some(rest.split_once('`')?.0.to_owned())
}

fn from_serde(e: &serde_json::Error) -> ApiError {
    let message = e.to_string();
    let field =
        backticked(&message, "missing field ").or_else(|| backticked(&message, "unknown field "));
    match field {
        Some(field) => ApiError::validation(field, message),
        None if e.is_syntax() || e.is_eof() => {
            ApiError::bad_request(format!("the body is not valid JSON: {message}"))
        }
        None => ApiError::bad_request(format!("the body does not match the schema: {message}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct T {
        amount: f64,
    }

    #[test]
    fn names_missing_and_unknown_fields() {
        assert_eq!(parse::<T>(br#"{"amount":1.5}"#).unwrap().amount, 1.5);
        let e = parse::<T>(b"{}").unwrap_err();
        assert_eq!(e.detail.field.as_deref(), Some("amount"));
        let e = parse::<T>(br#"{"amount":1,"amout":2}"#).unwrap_err();
        assert_eq!(e.detail.field.as_deref(), Some("amout"));
        let e = parse::<T>(b"{").unwrap_err();
        assert_eq!(e.detail.code, "bad_request");
        let e = parse::<T>(br#"{"amount":"x"}"#).unwrap_err();
        assert_eq!(e.detail.code, "bad_request");
    }
}
