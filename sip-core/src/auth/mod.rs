//! Digest authentication (RFC 2617, RFC 7616, RFC 8760): parse challenges,
//! compute credentials, cache them per realm.

mod algorithm;
mod auth_value;
mod client;
mod digest;
mod error;

pub use algorithm::Algorithm;
pub use auth_value::{AuthValue, Challenge, Credentials};
pub use client::{DigestClient, MAX_CACHED_CHALLENGES};
pub use digest::{DigestChallenge, DigestCredentials, DigestInput, Qop, compute_response};
pub use error::AuthError;

use crate::error::ParseError;
use crate::message::{HeaderName, Headers};

impl Headers {
    /// Every challenge or credentials value in the lines called `name`
    /// (a line may hold several challenges).
    pub fn auth_values(&self, name: HeaderName) -> Result<Vec<AuthValue>, ParseError> {
        let mut out = Vec::new();
        for v in self.get_all(&name) {
            out.extend(
                AuthValue::parse_all(v, v).map_err(|what| ParseError::Header {
                    name: name.clone(),
                    what,
                })?,
            );
        }
        Ok(out)
    }

    /// WWW-Authenticate challenges.
    pub fn www_authenticate(&self) -> Result<Vec<Challenge>, ParseError> {
        self.auth_values(HeaderName::WwwAuthenticate)
    }

    /// Proxy-Authenticate challenges.
    pub fn proxy_authenticate(&self) -> Result<Vec<Challenge>, ParseError> {
        self.auth_values(HeaderName::ProxyAuthenticate)
    }

    /// Authorization credentials.
    pub fn authorization(&self) -> Result<Vec<Credentials>, ParseError> {
        self.auth_values(HeaderName::Authorization)
    }

    /// Proxy-Authorization credentials.
    pub fn proxy_authorization(&self) -> Result<Vec<Credentials>, ParseError> {
        self.auth_values(HeaderName::ProxyAuthorization)
    }
}
