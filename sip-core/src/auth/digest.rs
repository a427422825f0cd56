//! Digest challenges and credentials (RFC 2617, RFC 7616, RFC 8760).

use std::fmt::Write;

use super::{Algorithm, AuthError, AuthValue};
use crate::text::ByteStr;
use crate::text::escape::quote_into;

/// Quality of protection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Qop {
    /// Authentication only.
    Auth,
    /// Authentication with integrity protection of the body.
    AuthInt,
}

impl Qop {
    /// The token.
    pub fn as_str(self) -> &'static str {
        match self {
            Qop::Auth => "auth",
            Qop::AuthInt => "auth-int",
        }
    }

    fn parse(s: &str) -> Option<Qop> {
        if s.eq_ignore_ascii_case("auth") {
            Some(Qop::Auth)
        } else if s.eq_ignore_ascii_case("auth-int") {
            Some(Qop::AuthInt)
        } else {
            None
        }
    }
}

/// A Digest challenge with the parameters a client needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestChallenge {
    /// Protection space.
    pub realm: ByteStr,
    /// Server nonce.
    pub nonce: ByteStr,
    /// Opaque value to echo back.
    pub opaque: Option<ByteStr>,
    /// Algorithm (MD5 when the challenge names none).
    pub algorithm: Algorithm,
    /// Offered qop values (empty: the RFC 2069 compatible form without qop).
    pub qop: Vec<Qop>,
    /// The previous nonce was merely stale; retry with this one.
    pub stale: bool,
    /// The server accepts a hashed username (RFC 7616 `userhash=true`).
    pub userhash: bool,
}

impl DigestChallenge {
    /// Reads a Digest challenge. `Ok(None)` for other schemes and for
    /// algorithms this crate does not implement.
    pub fn from_challenge(c: &AuthValue) -> Result<Option<DigestChallenge>, AuthError> {
        if !c.is_digest() {
            return Ok(None);
        }
        let algorithm = match c.param("algorithm") {
            None => Algorithm::Md5,
            Some(a) => match Algorithm::parse(a) {
                Some(a) => a,
                None => return Ok(None),
            },
        };
        let realm = c
            .param("realm")
            .ok_or(AuthError::MissingParam("realm"))?
            .clone();
        let nonce = c
            .param("nonce")
            .ok_or(AuthError::MissingParam("nonce"))?
            .clone();
        let qop: Vec<Qop> = match c.param("qop") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .filter_map(|q| Qop::parse(q.trim()))
                .collect(),
        };
        if c.param("qop").is_some() && qop.is_empty() {
            return Ok(None);
        }
        let flag = |name: &str| {
            c.param(name)
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        };
        Ok(Some(DigestChallenge {
            realm,
            nonce,
            opaque: c.param("opaque").cloned(),
            algorithm,
            qop,
            stale: flag("stale"),
            userhash: flag("userhash"),
        }))
    }

    /// The header value (`Digest realm="...", nonce="...", ...`), for servers
    /// and test peers.
    pub fn to_value(&self) -> String {
        let mut s = String::from("Digest realm=");
        quote_into(&self.realm, &mut s);
        s.push_str(", nonce=");
        quote_into(&self.nonce, &mut s);
        if let Some(o) = &self.opaque {
            s.push_str(", opaque=");
            quote_into(o, &mut s);
        }
        let _ = write!(s, ", algorithm={}", self.algorithm);
        if !self.qop.is_empty() {
            let list = self
                .qop
                .iter()
                .map(|q| q.as_str())
                .collect::<Vec<_>>()
                .join(",");
            let _ = write!(s, ", qop=\"{list}\"");
        }
        if self.stale {
            s.push_str(", stale=true");
        }
        if self.userhash {
            s.push_str(", userhash=true");
        }
        s
    }
}

/// The inputs of one digest computation.
#[derive(Clone, Copy, Debug)]
pub struct DigestInput<'a> {
    /// User name (plain, even when the userhash is sent).
    pub username: &'a str,
    /// Password.
    pub password: &'a str,
    /// Request method.
    pub method: &'a str,
    /// The digest-uri (the Request-URI as sent).
    pub uri: &'a str,
    /// The request body (hashed for auth-int).
    pub body: &'a [u8],
}

/// Digest credentials as sent in Authorization / Proxy-Authorization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestCredentials {
    /// The user name, or its hash when `userhash` is set.
    pub username: ByteStr,
    /// Realm.
    pub realm: ByteStr,
    /// The server nonce answered.
    pub nonce: ByteStr,
    /// The digest-uri.
    pub uri: ByteStr,
    /// The response hash (lower-case hex).
    pub response: ByteStr,
    /// Algorithm.
    pub algorithm: Algorithm,
    /// Client nonce (with qop).
    pub cnonce: Option<ByteStr>,
    /// Opaque echoed from the challenge.
    pub opaque: Option<ByteStr>,
    /// Chosen qop.
    pub qop: Option<Qop>,
    /// Nonce count (with qop).
    pub nc: Option<u32>,
    /// Whether `username` is the RFC 7616 userhash.
    pub userhash: bool,
}

/// The response hash for `challenge` (RFC 7616 section 3.4.1).
pub fn compute_response(
    challenge: &DigestChallenge,
    input: &DigestInput<'_>,
    qop: Option<Qop>,
    nc: u32,
    cnonce: &str,
) -> String {
    let alg = challenge.algorithm;
    let mut ha1 = alg.hash_hex(&[
        input.username.as_bytes(),
        challenge.realm.as_bytes(),
        input.password.as_bytes(),
    ]);
    if alg.is_session() {
        ha1 = alg.hash_hex(&[
            ha1.as_bytes(),
            challenge.nonce.as_bytes(),
            cnonce.as_bytes(),
        ]);
    }
    let ha2 = match qop {
        Some(Qop::AuthInt) => {
            let body_hash = alg.hash_hex(&[input.body]);
            alg.hash_hex(&[
                input.method.as_bytes(),
                input.uri.as_bytes(),
                body_hash.as_bytes(),
            ])
        }
        _ => alg.hash_hex(&[input.method.as_bytes(), input.uri.as_bytes()]),
    };
    match qop {
        Some(q) => {
            let nc = format!("{nc:08x}");
            alg.hash_hex(&[
                ha1.as_bytes(),
                challenge.nonce.as_bytes(),
                nc.as_bytes(),
                cnonce.as_bytes(),
                q.as_str().as_bytes(),
                ha2.as_bytes(),
            ])
        }
        None => alg.hash_hex(&[ha1.as_bytes(), challenge.nonce.as_bytes(), ha2.as_bytes()]),
    }
}

impl DigestCredentials {
    /// Answers `challenge`: chooses `auth` when offered (else `auth-int`, else
    /// no qop), and hashes the username when the challenge asks for it.
    pub fn answer(
        challenge: &DigestChallenge,
        input: &DigestInput<'_>,
        nc: u32,
        cnonce: &str,
    ) -> DigestCredentials {
        let qop = if challenge.qop.contains(&Qop::Auth) {
            Some(Qop::Auth)
        } else {
            challenge.qop.first().copied()
        };
        let response = compute_response(challenge, input, qop, nc, cnonce);
        let username = if challenge.userhash {
            challenge
                .algorithm
                .hash_hex(&[input.username.as_bytes(), challenge.realm.as_bytes()])
        } else {
            input.username.to_owned()
        };
        let with_qop = qop.is_some() || challenge.algorithm.is_session();
        DigestCredentials {
            username: ByteStr::from(username),
            realm: challenge.realm.clone(),
            nonce: challenge.nonce.clone(),
            uri: ByteStr::from(input.uri),
            response: ByteStr::from(response),
            algorithm: challenge.algorithm,
            cnonce: with_qop.then(|| ByteStr::from(cnonce)),
            opaque: challenge.opaque.clone(),
            qop,
            nc: qop.map(|_| nc),
            userhash: challenge.userhash,
        }
    }

    /// Reads Digest credentials (for a server or a test peer).
    pub fn from_credentials(c: &AuthValue) -> Result<DigestCredentials, AuthError> {
        if !c.is_digest() {
            return Err(AuthError::InvalidParam {
                name: "scheme",
                what: "not Digest",
            });
        }
        let req = |name: &'static str| c.param(name).cloned().ok_or(AuthError::MissingParam(name));
        let algorithm = match c.param("algorithm") {
            None => Algorithm::Md5,
            Some(a) => Algorithm::parse(a).ok_or(AuthError::InvalidParam {
                name: "algorithm",
                what: "unsupported",
            })?,
        };
        let qop = match c.param("qop") {
            None => None,
            Some(q) => Some(Qop::parse(q).ok_or(AuthError::InvalidParam {
                name: "qop",
                what: "neither auth nor auth-int",
            })?),
        };
        let nc = match c.param("nc") {
            None => None,
            Some(n) if n.len() == 8 => {
                Some(
                    u32::from_str_radix(n, 16).map_err(|_| AuthError::InvalidParam {
                        name: "nc",
                        what: "not 8 hex digits",
                    })?,
                )
            }
            Some(_) => {
                return Err(AuthError::InvalidParam {
                    name: "nc",
                    what: "not 8 hex digits",
                });
            }
        };
        Ok(DigestCredentials {
            username: req("username")?,
            realm: req("realm")?,
            nonce: req("nonce")?,
            uri: req("uri")?,
            response: req("response")?,
            algorithm,
            cnonce: c.param("cnonce").cloned(),
            opaque: c.param("opaque").cloned(),
            qop,
            nc,
            userhash: c
                .param("userhash")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        })
    }

    /// Whether these credentials are right for `password`, the request's
    /// method and body (a server-side check; the nonce's freshness is the
    /// caller's business).
    pub fn verify(&self, username: &str, password: &str, method: &str, body: &[u8]) -> bool {
        let challenge = DigestChallenge {
            realm: self.realm.clone(),
            nonce: self.nonce.clone(),
            opaque: None,
            algorithm: self.algorithm,
            qop: self.qop.into_iter().collect(),
            stale: false,
            userhash: self.userhash,
        };
        let expected_user = if self.userhash {
            self.algorithm
                .hash_hex(&[username.as_bytes(), self.realm.as_bytes()])
        } else {
            username.to_owned()
        };
        let input = DigestInput {
            username,
            password,
            method,
            uri: &self.uri,
            body,
        };
        let cnonce = self.cnonce.as_deref().unwrap_or("");
        let expected = compute_response(&challenge, &input, self.qop, self.nc.unwrap_or(0), cnonce);
        expected_user == self.username.as_str() && expected.eq_ignore_ascii_case(&self.response)
    }

    /// The header value (`Digest username="...", ...`); qop, nc and algorithm
    /// unquoted as RFC 7616 writes them.
    pub fn to_value(&self) -> String {
        let mut s = String::from("Digest username=");
        quote_into(&self.username, &mut s);
        s.push_str(", realm=");
        quote_into(&self.realm, &mut s);
        s.push_str(", nonce=");
        quote_into(&self.nonce, &mut s);
        s.push_str(", uri=");
        quote_into(&self.uri, &mut s);
        s.push_str(", response=");
        quote_into(&self.response, &mut s);
        let _ = write!(s, ", algorithm={}", self.algorithm);
        if let Some(c) = &self.cnonce {
            s.push_str(", cnonce=");
            quote_into(c, &mut s);
        }
        if let Some(o) = &self.opaque {
            s.push_str(", opaque=");
            quote_into(o, &mut s);
        }
        if let Some(q) = self.qop {
            let _ = write!(s, ", qop={}", q.as_str());
        }
        if let Some(nc) = self.nc {
            let _ = write!(s, ", nc={nc:08x}");
        }
        if self.userhash {
            s.push_str(", userhash=true");
        }
        s
    }
}
