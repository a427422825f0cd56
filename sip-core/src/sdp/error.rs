//! Errors of SDP negotiation.

use crate::error::ParseError;
use crate::message::StatusCode;

/// Why an SDP offer or answer cannot be used.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    /// The body is not valid SDP.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// There is no `m=audio` section.
    #[error("488: no audio stream in the session description")]
    NoAudio,
    /// The audio stream was refused (port 0).
    #[error("488: the audio stream was rejected (port 0)")]
    AudioRejected,
    /// The answer to our offer lists none of our codecs.
    #[error("488: no common codec: offered {offered}, trunk answered {answered}")]
    NoCommonCodec {
        /// Our codec names, comma-separated, in preference order.
        offered: String,
        /// The peer's codec names, comma-separated.
        answered: String,
    },
    /// An offer we received lists none of our codecs.
    #[error("488: no common codec: trunk offered {offered}, we support {supported}")]
    NoCommonCodecInOffer {
        /// The peer's codec names, comma-separated.
        offered: String,
        /// Our codec names, comma-separated.
        supported: String,
    },
    /// No usable connection address for the audio stream.
    #[error("488: no connection address (c=) for the audio stream")]
    NoConnectionAddress,
}

impl SdpError {
    /// The status to answer an offer with: 488 Not Acceptable Here
    /// (400 for unparseable SDP).
    pub fn status(&self) -> StatusCode {
        match self {
            SdpError::Parse(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::NOT_ACCEPTABLE_HERE,
        }
    }
}
