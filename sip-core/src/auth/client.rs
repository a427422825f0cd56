//! The client side: answer 401/407 challenges and keep credentials per
//! server and realm.

use std::net::SocketAddr;

use rand_core::RngCore;

use super::algorithm::hex;
use super::{AuthError, DigestChallenge, DigestCredentials, DigestInput};
use crate::message::{HeaderName, Request, Response};

/// Challenges kept at most (server, realm and 401/407 kind together); the
/// one learned longest ago goes first. A server cycling through realms
/// therefore cannot grow the cache or the requests.
pub const MAX_CACHED_CHALLENGES: usize = 8;

#[derive(Clone, Debug)]
struct RealmEntry {
    /// The server the challenged request went to.
    server: SocketAddr,
    proxy: bool,
    challenge: DigestChallenge,
    nc: u32,
}

/// Answers digest challenges for one user and caches the last challenge of
/// each realm per server (the address the request went to), so later
/// requests to that server (a REGISTER refresh, a BYE) carry credentials up
/// front. At most [`MAX_CACHED_CHALLENGES`] are kept, and a request only
/// carries credentials for the realms of the server it goes to.
///
/// Flow: send a request to `server`; on 401/407 call
/// [`handle_challenge`](DigestClient::handle_challenge) with `server`, the
/// request that was sent and the response; if it returns `Ok`, call
/// [`authorize`](DigestClient::authorize) with `server` on the retried
/// request (new CSeq) and send it. A second challenge for a realm already answered fails with
/// [`AuthError::CredentialsRejected`] unless it says `stale=true`, so a wrong
/// password never loops.
#[derive(Clone, Debug)]
pub struct DigestClient {
    username: String,
    password: String,
    realms: Vec<RealmEntry>,
}

impl DigestClient {
    /// A client for `username` / `password`.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
            realms: Vec::new(),
        }
    }

    /// Learns the challenges of a 401 (WWW-Authenticate) or 407
    /// (Proxy-Authenticate) response to `sent`, which went to `server`. Of
    /// several challenges for one realm the strongest supported algorithm
    /// wins (SHA-512-256, then SHA-256, then MD5).
    pub fn handle_challenge(
        &mut self,
        server: SocketAddr,
        sent: &Request,
        resp: &Response,
    ) -> Result<(), AuthError> {
        let (proxy, header, sent_header) = match resp.status.as_u16() {
            401 => (
                false,
                HeaderName::WwwAuthenticate,
                HeaderName::Authorization,
            ),
            407 => (
                true,
                HeaderName::ProxyAuthenticate,
                HeaderName::ProxyAuthorization,
            ),
            _ => return Err(AuthError::NotAChallenge(resp.status)),
        };
        let offered = resp.headers.auth_values(header)?;
        if offered.is_empty() {
            return Err(AuthError::NoChallenge(resp.status));
        }
        let mut chosen: Vec<DigestChallenge> = Vec::new();
        let mut first_error = None;
        for c in &offered {
            match DigestChallenge::from_challenge(c) {
                Ok(Some(d)) => match chosen.iter_mut().find(|x| x.realm == d.realm) {
                    Some(x) if d.algorithm.strength() > x.algorithm.strength() => *x = d,
                    Some(_) => {}
                    None => chosen.push(d),
                },
                Ok(None) => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if chosen.is_empty() {
            if let Some(e) = first_error {
                return Err(e);
            }
            let list = offered
                .iter()
                .map(|c| match c.param("algorithm") {
                    Some(a) => format!("{} algorithm={a}", c.scheme),
                    None => c.scheme.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ");
            return Err(AuthError::NoSupportedChallenge { offered: list });
        }
        let answered = sent.headers.auth_values(sent_header)?;
        for d in &chosen {
            let already = answered
                .iter()
                .any(|a| a.is_digest() && a.param("realm") == Some(&d.realm));
            if already && !d.stale {
                return Err(AuthError::CredentialsRejected {
                    realm: d.realm.clone(),
                    status: resp.status,
                });
            }
        }
        for d in chosen {
            self.realms.retain(|e| {
                !(e.server == server && e.proxy == proxy && e.challenge.realm == d.realm)
            });
            if self.realms.len() >= MAX_CACHED_CHALLENGES {
                self.realms.remove(0);
            }
            self.realms.push(RealmEntry {
                server,
                proxy,
                challenge: d,
                nc: 0,
            });
        }
        Ok(())
    }

    /// Replaces the Authorization and Proxy-Authorization headers of `req`,
    /// which goes to `server`, with credentials for every realm cached for
    /// that server: the nonce count goes up by one per use of a nonce and
    /// the cnonce is 16 fresh random bytes.
    pub fn authorize<R: RngCore + ?Sized>(
        &mut self,
        server: SocketAddr,
        req: &mut Request,
        rng: &mut R,
    ) {
        req.headers.remove(&HeaderName::Authorization);
        req.headers.remove(&HeaderName::ProxyAuthorization);
        let uri = req.uri.to_string();
        for e in self.realms.iter_mut().filter(|e| e.server == server) {
            e.nc = e.nc.wrapping_add(1);
            let mut raw = [0u8; 16];
            rng.fill_bytes(&mut raw);
            let cnonce = hex(&raw);
            let input = DigestInput {
                username: &self.username,
                password: &self.password,
                method: req.method.as_str(),
                uri: &uri,
                body: &req.body,
            };
            let creds = DigestCredentials::answer(&e.challenge, &input, e.nc, &cnonce);
            let name = if e.proxy {
                HeaderName::ProxyAuthorization
            } else {
                HeaderName::Authorization
            };
            req.headers.push(name, creds.to_value());
        }
    }

    /// Whether any realm is cached for `server`.
    pub fn has_credentials(&self, server: SocketAddr) -> bool {
        self.realms.iter().any(|e| e.server == server)
    }

    /// How many challenges are cached (at most [`MAX_CACHED_CHALLENGES`]).
    pub fn cached(&self) -> usize {
        self.realms.len()
    }

    /// Forgets every cached realm.
    pub fn clear(&mut self) {
        self.realms.clear();
    }
}
