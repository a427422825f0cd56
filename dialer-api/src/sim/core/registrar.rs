//! The registrar's bindings: address of record to contacts with expiry
//! (RFC 3261 section 10.3).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sip_core::{Contact, Request};

/// Expiry granted when the REGISTER names none.
const DEFAULT_EXPIRES: u32 = 3600;
/// The longest expiry granted.
const MAX_EXPIRES: u32 = 7200;

#[derive(Debug, Clone)]
struct Binding {
    /// The Contact URI as text.
    uri: String,
    expires_at: Instant,
}

/// A REGISTER the registrar cannot apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RegisterError {
    /// Contact or Expires is malformed.
    Malformed,
    /// `Contact: *` without `Expires: 0`.
    WildcardNeedsZero,
}

/// The contacts of each user.
#[derive(Debug, Default)]
pub(super) struct Registrar {
    bindings: HashMap<String, Vec<Binding>>,
}

impl Registrar {
    /// Applies `request` (already authenticated as `user`); returns the
    /// bindings that remain, each with its seconds left.
    pub(super) fn apply(
        &mut self,
        now: Instant,
        user: &str,
        request: &Request,
    ) -> Result<Vec<(String, u32)>, RegisterError> {
        let contacts = request
            .headers
            .contacts()
            .map_err(|_| RegisterError::Malformed)?;
        let default = request
            .headers
            .expires()
            .map_err(|_| RegisterError::Malformed)?;
        let list = self.bindings.entry(user.to_owned()).or_default();
        list.retain(|b| b.expires_at > now);
        for contact in &contacts {
            match contact {
                Contact::Wildcard => {
                    if default != Some(0) || contacts.len() != 1 {
                        return Err(RegisterError::WildcardNeedsZero);
                    }
                    list.clear();
                }
                Contact::Addr(addr) => {
                    let expires = addr
                        .expires()
                        .map_err(|_| RegisterError::Malformed)?
                        .or(default)
                        .unwrap_or(DEFAULT_EXPIRES)
                        .min(MAX_EXPIRES);
                    let uri = addr.uri.to_string();
                    list.retain(|b| b.uri != uri);
                    if expires > 0 {
                        list.push(Binding {
                            uri,
                            expires_at: now + Duration::from_secs(u64::from(expires)),
                        });
                    }
                }
            }
        }
        Ok(list
            .iter()
            .map(|b| {
                let left = b.expires_at.saturating_duration_since(now).as_secs();
                (b.uri.clone(), u32::try_from(left).unwrap_or(u32::MAX))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sip_core::{HeaderName, Method, SipUri};

    fn register(contacts: &[&str], expires: Option<&str>) -> Request {
        let mut b = Request::builder(Method::Register, SipUri::new("sim.test"));
        for c in contacts {
            b = b.header(HeaderName::Contact, c.to_string());
        }
        if let Some(e) = expires {
            b = b.header(HeaderName::Expires, e.to_string());
        }
        b.build()
    }

    #[test]
    fn binds_refreshes_and_removes() {
        let now = Instant::now();
        let mut r = Registrar::default();
        let got = r
            .apply(now, "u", &register(&["<sip:u@10.0.0.1:5060>"], None))
            .unwrap();
        assert_eq!(got, vec![("sip:u@10.0.0.1:5060".to_owned(), 3600)]);
        let got = r
            .apply(
                now,
                "u",
                &register(&["<sip:u@10.0.0.2>;expires=60"], Some("99999")),
            )
            .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1], ("sip:u@10.0.0.2".to_owned(), 60));
        let later = now + Duration::from_secs(61);
        let got = r.apply(later, "u", &register(&[], None)).unwrap();
        assert_eq!(got.len(), 1, "expired binding dropped");
        let got = r
            .apply(later, "u", &register(&["<sip:u@10.0.0.1:5060>"], Some("0")))
            .unwrap();
        assert!(got.is_empty());
        assert_eq!(
            r.apply(later, "u", &register(&["*"], None)),
            Err(RegisterError::WildcardNeedsZero)
        );
        r.apply(
            later,
            "u",
            &register(&["<sip:u@10.0.0.3>"], Some("7200000")),
        )
        .unwrap();
        let got = r.apply(later, "u", &register(&["*"], Some("0"))).unwrap();
        assert!(got.is_empty());
        assert_eq!(
            r.apply(later, "u", &register(&["<sip:u@h>"], Some("soon"))),
            Err(RegisterError::Malformed)
        );
    }
}
