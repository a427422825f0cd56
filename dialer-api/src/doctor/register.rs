//! Registering through each proxy with the configured credentials (the call
//! engine's registration), and the advice for each way it fails.

use std::time::Duration;

use sip_core::endpoint::RegistrationFailure;

use super::check::Check;
use crate::config::ProxyAddr;
use crate::engine::{Engine, RegisterError};

/// Registers engine trunk `name` (one proxy, `proxy`) and waits up to
/// `limit`. Returns the line and whether the registration holds.
pub(crate) async fn register_check(
    engine: &Engine,
    name: &str,
    proxy: &ProxyAddr,
    username: &str,
    limit: Duration,
) -> (Check, bool) {
    let label = format!("register {proxy}");
    match engine.register(name, limit).await {
        Ok(registered) => (
            Check::pass(
                label,
                format!(
                    "registered as {username} with {} for {} s",
                    registered.proxy,
                    registered.expires.as_secs()
                ),
            ),
            true,
        ),
        Err(RegisterError::Failed(failures)) => {
            let Some(last) = failures.last() else {
                return (
                    Check::fail(
                        label,
                        "SIP registration failed",
                        "see the log (RUST_LOG=info)",
                    ),
                    false,
                );
            };
            let detail = format!("SIP registration failed: {last}");
            let advice = advice(&last.failure, proxy, username);
            (Check::fail(label, detail, advice), false)
        }
        Err(RegisterError::NoOutcome(waited)) => (
            Check::fail(
                label,
                format!(
                    "SIP registration failed: no answer to REGISTER from {proxy} in {} s",
                    waited.as_secs_f64()
                ),
                timeout_advice(proxy),
            ),
            false,
        ),
        Err(e) => (
            Check::fail(label, e.to_string(), "see the log (RUST_LOG=info)"),
            false,
        ),
    }
}

fn timeout_advice(proxy: &ProxyAddr) -> String {
    format!(
        "check the host, port and that UDP {} outbound is open",
        proxy.port
    )
}

/// What to do about a REGISTER that failed this way.
pub(crate) fn advice(failure: &RegistrationFailure, proxy: &ProxyAddr, username: &str) -> String {
    match failure {
        RegistrationFailure::Rejected { status, .. } => match status.as_u16() {
            401 | 403 | 407 => "check username and password in the trunk settings".to_owned(),
            404 => format!(
                "the trunk does not know user '{username}': check username (and domain) in the trunk settings"
            ),
            423 => "the trunk wants a longer registration: raise register_expires in the trunk settings"
                .to_owned(),
            500..=599 => "the trunk cannot take registrations now: try again later, or the other proxy"
                .to_owned(),
            _ => "see what this status means in the provider's documentation".to_owned(),
        },
        RegistrationFailure::CredentialsRejected { .. } => {
            "the trunk challenged our answer again (wrong credentials): check username and password \
             in the trunk settings (and domain, which names the realm)"
                .to_owned()
        }
        RegistrationFailure::UnusableChallenge { .. } => {
            "the trunk asks for an authentication scheme Trunkline cannot answer: report it with \
             the log (RUST_LOG=debug)"
                .to_owned()
        }
        RegistrationFailure::Timeout => timeout_advice(proxy),
        RegistrationFailure::TransportError => {
            format!("nothing answers at {proxy}: check the host and port")
        }
        _ => "see the log (RUST_LOG=info)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sip_core::StatusCode;

    fn rejected(code: u16) -> RegistrationFailure {
        let status = StatusCode::new(code).unwrap();
        RegistrationFailure::Rejected {
            status,
            reason: status.canonical_reason().to_owned(),
        }
    }

    #[test]
    fn each_failure_gets_its_own_advice() {
        let proxy = ProxyAddr::parse("sip1.alienvoip.com:5060").unwrap();
        let say = |f: &RegistrationFailure| advice(f, &proxy, "646006395");
        assert_eq!(
            say(&rejected(403)),
            "check username and password in the trunk settings"
        );
        assert!(say(&rejected(404)).contains("does not know user '646006395'"));
        assert!(say(&rejected(423)).contains("raise register_expires"));
        assert!(say(&rejected(503)).contains("try again later"));
        let again = RegistrationFailure::CredentialsRejected {
            status: StatusCode::new(401).unwrap(),
            reason: "Unauthorized".into(),
        };
        assert!(say(&again).contains("wrong credentials"));
        assert_eq!(
            say(&RegistrationFailure::Timeout),
            "check the host, port and that UDP 5060 outbound is open"
        );
        assert!(say(&RegistrationFailure::TransportError).contains("sip1.alienvoip.com:5060"));
    }
}
