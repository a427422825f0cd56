//! Errors of digest authentication.

use crate::error::ParseError;
use crate::message::StatusCode;
use crate::text::ByteStr;

/// Why a challenge cannot be answered.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The response is not 401 or 407.
    #[error("{0} is not an authentication challenge (401 or 407)")]
    NotAChallenge(StatusCode),
    /// A 401 without WWW-Authenticate or a 407 without Proxy-Authenticate.
    #[error("{0} carries no challenge header")]
    NoChallenge(StatusCode),
    /// Challenges were offered, but none with a supported scheme and algorithm.
    #[error("no supported digest challenge; offered: {offered}")]
    NoSupportedChallenge {
        /// The offered schemes and algorithms, for the log.
        offered: String,
    },
    /// A digest challenge or credentials lack a required parameter.
    #[error("digest {0} parameter is missing")]
    MissingParam(&'static str),
    /// A parameter has a value outside its grammar.
    #[error("digest {name} parameter is invalid: {what}")]
    InvalidParam {
        /// The parameter.
        name: &'static str,
        /// What is wrong.
        what: &'static str,
    },
    /// The server challenged a realm our request already carried
    /// credentials for, without `stale=true`: most likely a wrong username
    /// or password. (A caller that wants to retry once when the server only
    /// replaced the nonce strips the old credentials before
    /// [`crate::auth::DigestClient::handle_challenge`].)
    #[error("credentials for realm {realm:?} were rejected with {status}")]
    CredentialsRejected {
        /// The realm.
        realm: ByteStr,
        /// 401 or 407.
        status: StatusCode,
    },
    /// A challenge header is malformed.
    #[error(transparent)]
    Malformed(#[from] ParseError),
}
