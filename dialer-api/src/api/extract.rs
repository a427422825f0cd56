//! Request extractors whose rejections are [`ApiError`]s: a malformed path parameter, query
//! string, form or body is answered in the `{"error":{"code","message","field"?}}` shape with a
//! stable code and the parameter named, never with axum's plain-text rejections.

use super::body;
use super::error::ApiError;
use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

/// Largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Path parameters. A parameter that is not UTF-8 once percent-decoded names nothing: 404.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => Err(path_error(e.into_kind())),
            Err(other) => Err(internal(&other.body_text())),
        }
    }
}

fn path_error(kind: ErrorKind) -> ApiError {
    match kind {
        ErrorKind::InvalidUtf8InPathParam { key } => {
            let mut e = ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!(
                    "path parameter `{key}` is not UTF-8 text once percent-decoded: nothing has that id"
                ),
            );
            e.detail.field = Some(key);
            e
        }
        ErrorKind::ParseErrorAtKey {
            key,
            value,
            expected_type,
        } => ApiError::validation(key, format!("'{value}' is not {expected_type}")),
        ErrorKind::DeserializeError {
            key,
            value,
            message,
        } => ApiError::validation(key, format!("'{value}': {message}")),
        other => internal(&other.to_string()),
    }
}

/// A routing mistake (wrong parameter count or type in a handler), not the client's fault.
fn internal(detail: &str) -> ApiError {
    tracing::error!(detail, "path parameters do not fit the handler");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error; the server log has the details",
    )
}

/// The query string, deserialized field by field: a value of the wrong type is a 422 naming its
/// parameter (`limit: invalid digit found in string`).
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        body::from_urlencoded(query.as_bytes(), "query string").map(Self)
    }
}

/// The raw request body (JSON routes parse it themselves, whatever the `Content-Type`, so
/// `curl -d` works): a body over [`BODY_LIMIT`] is a 413 `payload_too_large`.
#[derive(Debug)]
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        Bytes::from_request(request, state)
            .await
            .map(Self)
            .map_err(|rejection| match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => too_large(),
                _ => ApiError::bad_request(format!(
                    "the request body could not be read: {}",
                    rejection.body_text()
                )),
            })
    }
}

/// 413 for a body over [`BODY_LIMIT`].
pub fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!(
            "the request body is larger than {} MiB",
            BODY_LIMIT / (1024 * 1024)
        ),
    )
}

/// An `application/x-www-form-urlencoded` body: another content type is a 415
/// `unsupported_media_type`, a field of the wrong type a 422 naming it.
#[derive(Debug)]
pub struct ApiForm<T>(pub T);

const FORM: &str = "application/x-www-form-urlencoded";

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(FORM))
}

impl<T, S> FromRequest<S> for ApiForm<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !is_form(request.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("send the body as Content-Type: {FORM}"),
            ));
        }
        let RawBody(raw) = RawBody::from_request(request, state).await?;
        body::from_urlencoded(&raw, "form body").map(Self)
    }
}
