//! Answering 401/407 for REGISTER and INVITE: retry once per fresh
//! challenge, once more after `stale=true`, and fail when the server
//! challenges the nonce we just answered again (wrong credentials).

use std::net::SocketAddr;

use crate::auth::{AuthError, DigestChallenge, DigestClient, DigestCredentials};
use crate::message::{HeaderName, Request, Response};

use super::RegistrationFailure;

/// Challenges answered per request at most (the first one, and one retry
/// after `stale=true` or a nonce the server replaced).
const MAX_ROUNDS: u8 = 2;

fn nonces_sent(req: &Request) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for name in [HeaderName::Authorization, HeaderName::ProxyAuthorization] {
        for v in req.headers.auth_values(name).unwrap_or_default() {
            if let Ok(c) = DigestCredentials::from_credentials(&v) {
                out.push((c.realm.to_string(), c.nonce.to_string()));
            }
        }
    }
    out
}

fn challenges(resp: &Response) -> Vec<DigestChallenge> {
    let name = if resp.status.as_u16() == 407 {
        HeaderName::ProxyAuthenticate
    } else {
        HeaderName::WwwAuthenticate
    };
    resp.headers
        .auth_values(name)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| DigestChallenge::from_challenge(c).ok().flatten())
        .collect()
}

/// Learns the challenge of `resp` (a 401 or 407 to `sent`, which went to
/// `server`) so the retried
/// request can be authorized, or says why the request has failed.
/// `rounds` counts the challenges answered for this request so far.
pub(crate) fn learn_challenge(
    auth: &mut DigestClient,
    server: SocketAddr,
    sent: &Request,
    resp: &Response,
    rounds: &mut u8,
) -> Result<(), RegistrationFailure> {
    let status = resp.status;
    let reason = resp.reason.to_string();
    let rejected = || RegistrationFailure::CredentialsRejected {
        status,
        reason: reason.clone(),
    };
    *rounds += 1;
    if *rounds > MAX_ROUNDS {
        return Err(rejected());
    }
    let answered = nonces_sent(sent);
    let offered = challenges(resp);
    let same_nonce_again = offered.iter().any(|c| {
        !c.stale
            && answered
                .iter()
                .any(|(realm, nonce)| realm == c.realm.as_str() && nonce == c.nonce.as_str())
    });
    if same_nonce_again {
        return Err(rejected());
    }
    // A new nonce without `stale=true` for a realm we answered: the server
    // forgot our nonce rather than rejecting the password. Treat it as a
    // first challenge.
    let replaced = offered.iter().any(|c| {
        !c.stale
            && answered
                .iter()
                .any(|(realm, nonce)| realm == c.realm.as_str() && nonce != c.nonce.as_str())
    });
    let result = if replaced {
        let mut fresh = sent.clone();
        fresh.headers.remove(&HeaderName::Authorization);
        fresh.headers.remove(&HeaderName::ProxyAuthorization);
        auth.handle_challenge(server, &fresh, resp)
    } else {
        auth.handle_challenge(server, sent, resp)
    };
    result.map_err(|e| match e {
        AuthError::CredentialsRejected { .. } => rejected(),
        other => RegistrationFailure::UnusableChallenge {
            status,
            reason: reason.clone(),
            detail: other.to_string(),
        },
    })
}
