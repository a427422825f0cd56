//! Errors of the handler bridges: failing to reach the handler, using a
//! bridge that has ended, and messages from the handler that make no sense.

use std::time::Duration;

/// The handler could not be reached; the call must not be dialled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// Nothing listens at the handler's address.
    #[error("handler {url}: connection refused")]
    Refused {
        /// The handler's URL.
        url: String,
    },
    /// The host name does not resolve.
    #[error("handler {url}: cannot resolve {host}: {reason}")]
    Resolve {
        /// The handler's URL.
        url: String,
        /// The host looked up.
        host: String,
        /// The resolver's message.
        reason: String,
    },
    /// No connection (or no handshake answer) within the timeout.
    #[error("handler {url}: no answer within {} ms", .timeout.as_millis())]
    Timeout {
        /// The handler's URL.
        url: String,
        /// The timeout that ran out.
        timeout: Duration,
    },
    /// The server answered the WebSocket upgrade with something other than 101.
    #[error("handler {url}: refused the WebSocket upgrade: {status}")]
    UpgradeRefused {
        /// The handler's URL.
        url: String,
        /// The HTTP status and reason, e.g. `404 Not Found`.
        status: String,
    },
    /// TLS (`wss://`) failed: certificate, protocol or not TLS at all.
    #[error("handler {url}: TLS handshake failed: {reason}")]
    Tls {
        /// The handler's URL.
        url: String,
        /// The TLS library's message.
        reason: String,
    },
    /// The WebSocket handshake failed for another reason (bad answer, bad URL).
    #[error("handler {url}: WebSocket handshake failed: {reason}")]
    Handshake {
        /// The handler's URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// A socket error while connecting.
    #[error("handler {url}: {source}")]
    Io {
        /// The handler's URL.
        url: String,
        /// The socket error.
        source: std::io::Error,
    },
}

/// A call-side request the bridge cannot take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BridgeError {
    /// The bridge has ended (the handler hung up or `finish` ran).
    #[error("the handler bridge has ended")]
    Closed,
    /// A DTMF digit outside `0-9`, `*`, `#`, `A-D`.
    #[error("'{0}' is not a DTMF digit")]
    NotADtmfDigit(char),
}

/// A message from the handler that was dropped: it is logged and counted,
/// and the call goes on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// The text is not JSON.
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// JSON, but not an object.
    #[error("not a JSON object")]
    NotAnObject,
    /// No `"event"` string in the object.
    #[error("no \"event\" string")]
    NoEvent,
    /// A field the event needs is missing or has the wrong type.
    #[error("{event} event: missing or invalid \"{field}\"")]
    BadField {
        /// The event name.
        event: &'static str,
        /// The field, as a JSON path.
        field: &'static str,
    },
    /// A media payload that is not base64.
    #[error("media payload is not valid base64")]
    BadBase64,
    /// A mark name longer than the limit.
    #[error("mark name of {len} bytes is longer than {max}")]
    NameTooLong {
        /// The name's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A message for another stream.
    #[error("streamSid '{got}' is not this call's stream")]
    WrongStream {
        /// The streamSid in the message.
        got: String,
    },
    /// Audio or a mark before the call was answered and `start` sent.
    #[error("{0} before the call started")]
    BeforeStart(&'static str),
    /// PCM whose byte count is not whole 16-bit samples.
    #[error("audio of {len} bytes is not whole 16-bit samples")]
    OddLength {
        /// The payload length.
        len: usize,
    },
    /// A binary frame on a protocol that sends only text.
    #[error("unexpected binary frame of {len} bytes")]
    UnexpectedBinary {
        /// The frame length.
        len: usize,
    },
}
