//! Digest challenges and the check of the credentials that answer them,
//! shared by the registrar (401 / Authorization) and the INVITE check
//! (407 / Proxy-Authorization).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use rand_core::RngCore;
use sip_core::auth::{Algorithm, Credentials, DigestChallenge, DigestCredentials, Qop};
use sip_core::{ByteStr, Request};

use crate::sim::config::Account;

/// How long a nonce stays valid.
const NONCE_LIFETIME: Duration = Duration::from_secs(300);
/// Most nonces remembered (the oldest are forgotten first).
const MAX_NONCES: usize = 10_000;

/// What a request's credentials amount to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum AuthCheck {
    /// No credentials for our realm: challenge.
    Missing,
    /// The right password for a nonce that expired or is not ours:
    /// challenge again with `stale=true`.
    Stale,
    /// A wrong user name or password (the user name given).
    Wrong(String),
    /// Authenticated as this user.
    Passed(String),
}

/// Issues nonces and checks credentials against the account.
#[derive(Debug)]
pub(super) struct Authenticator {
    account: Account,
    reject_all: bool,
    issued: HashMap<String, Instant>,
    order: VecDeque<String>,
}

impl Authenticator {
    /// Checks against `account`; with `reject_all` every password is wrong.
    pub(super) fn new(account: Account, reject_all: bool) -> Authenticator {
        Authenticator {
            account,
            reject_all,
            issued: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// A new challenge header value (MD5, qop=auth).
    pub(super) fn challenge(
        &mut self,
        now: Instant,
        rng: &mut impl RngCore,
        stale: bool,
    ) -> String {
        let mut raw = [0u8; 16];
        rng.fill_bytes(&mut raw);
        let nonce: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        while self.order.len() >= MAX_NONCES {
            if let Some(old) = self.order.pop_front() {
                self.issued.remove(&old);
            }
        }
        self.issued.insert(nonce.clone(), now);
        self.order.push_back(nonce.clone());
        DigestChallenge {
            realm: ByteStr::from(self.account.realm.as_str()),
            nonce: ByteStr::from(nonce),
            opaque: None,
            algorithm: Algorithm::Md5,
            qop: vec![Qop::Auth],
            stale,
            userhash: false,
        }
        .to_value()
    }

    /// Checks `credentials` (from Authorization or Proxy-Authorization) of
    /// `request`.
    pub(super) fn check(
        &self,
        now: Instant,
        request: &Request,
        credentials: &[Credentials],
    ) -> AuthCheck {
        let ours = credentials.iter().find_map(|c| {
            DigestCredentials::from_credentials(c)
                .ok()
                .filter(|d| d.realm.as_str() == self.account.realm)
        });
        let Some(creds) = ours else {
            return AuthCheck::Missing;
        };
        let user = creds.username.as_str().to_owned();
        let right = !self.reject_all
            && creds.verify(
                &self.account.username,
                &self.account.password,
                request.method.as_str(),
                &request.body,
            );
        if !right {
            return AuthCheck::Wrong(user);
        }
        let fresh = self
            .issued
            .get(creds.nonce.as_str())
            .is_some_and(|at| now.saturating_duration_since(*at) < NONCE_LIFETIME);
        if fresh {
            AuthCheck::Passed(self.account.username.clone())
        } else {
            AuthCheck::Stale
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha8Rng;
    use rand_core::SeedableRng;
    use sip_core::auth::DigestInput;
    use sip_core::{HeaderName, Method, Response, SipUri, StatusCode};

    fn answer(challenge: &str, user: &str, password: &str) -> (Request, Vec<Credentials>) {
        let mut resp = Response::new(StatusCode::UNAUTHORIZED, "Unauthorized");
        resp.headers
            .push(HeaderName::WwwAuthenticate, challenge.to_owned());
        let parsed = resp.headers.www_authenticate().unwrap();
        let ch = DigestChallenge::from_challenge(&parsed[0])
            .unwrap()
            .unwrap();
        let req = Request::builder(Method::Register, SipUri::new("sim.test")).build();
        let creds = DigestCredentials::answer(
            &ch,
            &DigestInput {
                username: user,
                password,
                method: "REGISTER",
                uri: "sip:sim.test",
                body: b"",
            },
            1,
            "c0ffee",
        );
        let mut req = req;
        req.headers
            .push(HeaderName::Authorization, creds.to_value());
        let list = req.headers.authorization().unwrap();
        (req, list)
    }

    #[test]
    fn right_wrong_stale_and_missing() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let now = Instant::now();
        let mut auth = Authenticator::new(Account::default(), false);
        let ch = auth.challenge(now, &mut rng, false);
        assert!(ch.contains("realm=\"sim.trunkline.test\"") && ch.contains("qop=\"auth\""));
        let (req, creds) = answer(&ch, "trunkline", "secret");
        assert_eq!(
            auth.check(now, &req, &creds),
            AuthCheck::Passed("trunkline".into())
        );
        let (req, creds) = answer(&ch, "trunkline", "guess");
        assert_eq!(
            auth.check(now, &req, &creds),
            AuthCheck::Wrong("trunkline".into())
        );
        let (req, creds) = answer(&ch, "mallory", "secret");
        assert_eq!(
            auth.check(now, &req, &creds),
            AuthCheck::Wrong("mallory".into())
        );
        let (req, creds) = answer(&ch, "trunkline", "secret");
        let later = now + NONCE_LIFETIME;
        assert_eq!(auth.check(later, &req, &creds), AuthCheck::Stale);
        assert_eq!(auth.check(now, &req, &[]), AuthCheck::Missing);
        let other_realm = ch.replace("sim.trunkline.test", "elsewhere");
        let (req, creds) = answer(&other_realm, "trunkline", "secret");
        assert_eq!(auth.check(now, &req, &creds), AuthCheck::Missing);

        let strict = Authenticator::new(Account::default(), true);
        let (req, creds) = answer(&ch, "trunkline", "secret");
        assert_eq!(
            strict.check(now, &req, &creds),
            AuthCheck::Wrong("trunkline".into())
        );
    }
}
