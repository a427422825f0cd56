//! Request bodies and query strings: parse errors become `bad_request`, or `validation_failed`
//! naming the field when one is at fault.

use super::error::ApiError;
use serde::de::DeserializeOwned;

/// Parses a JSON body; an error names the field path at fault (`contacts[3].phone`).
pub fn parse<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(raw);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| from_json(&e))?;
    de.end()
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

/// Parses a JSON value already read; an error names the field path at fault.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| from_json(&e))
}

/// Parses `application/x-www-form-urlencoded` text (a form body or a query string, `what` in
/// messages); a value of the wrong type is a 422 naming its key.
pub fn from_urlencoded<T: DeserializeOwned>(raw: &[u8], what: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let message = e.inner().to_string();
        match field_at(e.path(), &message) {
            Some(field) => ApiError::validation(field, message),
            None => ApiError::bad_request(format!("the {what} does not match: {message}")),
        }
    })
}

/// The field a serde error is about: where it happened, completed with the field a missing or
/// repeated-field message names.
fn field_at(path: &serde_path_to_error::Path, message: &str) -> Option<String> {
    let named = ["missing field ", "unknown field ", "duplicate field "]
        .iter()
        .find_map(|after| backticked(message, after));
    let at = path.to_string();
    match (at.as_str(), named) {
        (".", named) => named,
        (_, None) => Some(at),
        // An unknown field's path already ends with it; a missing one's ends at its parent.
        (_, Some(name)) if at == name || at.ends_with(&format!(".{name}")) => Some(at),
        (_, Some(name)) => Some(format!("{at}.{name}")),
    }
}

fn backticked(message: &str, after: &str) -> Option<String> {
    let rest = message.split_once(after)?.1;
    let rest = rest.strip_prefix('`')?;
    Some(rest.split_once('`')?.0.to_owned())
}

fn from_json(e: &serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let inner = e.inner();
    let message = inner.to_string();
    if inner.is_syntax() || inner.is_eof() {
        return ApiError::bad_request(format!("the body is not valid JSON: {message}"));
    }
    match field_at(e.path(), &message) {
        Some(field) => ApiError::validation(field, message),
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
        assert_eq!(e.detail.field.as_deref(), Some("amount"));
        let e = parse::<T>(br#"{"amount":1} x"#).unwrap_err();
        assert_eq!(e.detail.code, "bad_request");
        let e = parse::<T>(b"true").unwrap_err();
        assert_eq!(
            (e.detail.code.as_str(), e.detail.field),
            ("bad_request", None)
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Contact {
        phone: String,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Batch {
        contacts: Vec<Contact>,
    }

    #[test]
    fn names_nested_field_paths() {
        let ok = parse::<Batch>(br#"{"contacts":[{"phone":"+1"}]}"#).unwrap();
        assert_eq!(ok.contacts[0].phone, "+1");
        let body = br#"{"contacts":[{"phone":"+1"},{"phone":"+2"},{"phone":"+3"},{"phone":3}]}"#;
        let e = parse::<Batch>(body).unwrap_err();
        assert_eq!(
            e.detail.field.as_deref(),
            Some("contacts[3].phone"),
            "{e:?}"
        );
        let e = parse::<Batch>(br#"{"contacts":[{"phone":"+1"},{}]}"#).unwrap_err();
        assert_eq!(
            e.detail.field.as_deref(),
            Some("contacts[1].phone"),
            "{e:?}"
        );
        let e = parse::<Batch>(br#"{"contacts":[{"phone":"+1","fone":1}]}"#).unwrap_err();
        assert_eq!(e.detail.field.as_deref(), Some("contacts[0].fone"), "{e:?}");
        let value = serde_json::json!({"contacts": [{"phone": false}]});
        let e = from_value::<Batch>(value).unwrap_err();
        assert_eq!(
            e.detail.field.as_deref(),
            Some("contacts[0].phone"),
            "{e:?}"
        );
    }

    #[derive(Debug, serde::Deserialize)]
    struct Page {
        limit: Option<i64>,
        cursor: Option<String>,
    }

    #[test]
    fn query_strings_name_the_parameter() {
        let p: Page = from_urlencoded(b"limit=5&cursor=a%20b", "query string").unwrap();
        assert_eq!((p.limit, p.cursor.as_deref()), (Some(5), Some("a b")));
        for bad in [
            "limit=abc",
            "limit=1e99",
            "limit=99999999999999999999",
            "limit=",
        ] {
            let e = from_urlencoded::<Page>(bad.as_bytes(), "query string").unwrap_err();
            assert_eq!(
                e.status,
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "{bad}"
            );
            assert_eq!(e.detail.field.as_deref(), Some("limit"), "{bad}: {e:?}");
        }
        let e = from_urlencoded::<Page>(b"limit=1&limit=2", "query string").unwrap_err();
        assert_eq!(e.detail.field.as_deref(), Some("limit"), "{e:?}");
    }
}
