//! The address the trunk sees us at (from the `received` / `rport` of its
//! answer to OPTIONS) against `[sip] external_address`: the NAT hint.

use std::net::{IpAddr, SocketAddr};

use super::check::Check;
use super::options::OptionsAnswer;

const NAME: &str = "nat";

/// Judges what `proxy` reported seeing in `answer` against the configured
/// `external` address; `None` when no proxy answered.
pub(crate) fn nat_check(answer: Option<(&str, &OptionsAnswer)>, external: Option<IpAddr>) -> Check {
    let Some((proxy, answer)) = answer else {
        return Check::skip(
            NAME,
            "no proxy answered OPTIONS, so the address the trunk sees is unknown",
        );
    };
    let seen = match answer.seen_port {
        Some(port) => SocketAddr::new(answer.seen_ip, port).to_string(),
        None => format!("{} (it did not fill in rport)", answer.seen_ip),
    };
    let local = answer.local;
    match external {
        Some(ext) if ext == answer.seen_ip => Check::pass(
            NAME,
            format!("{proxy} sees us at {seen}, as [sip] external_address says"),
        ),
        Some(ext) => Check::fail(
            NAME,
            format!("{proxy} sees us at {seen}, but [sip] external_address is {ext}"),
            format!(
                "set external_address = \"{}\" (or remove it and Trunkline learns the address from rport)",
                answer.seen_ip
            ),
        ),
        None if answer.seen_ip == local.ip() => Check::pass(
            NAME,
            format!("{proxy} sees us at {seen}, our own address (no NAT in between)"),
        ),
        None => Check::pass(
            NAME,
            format!(
                "behind NAT: {proxy} sees us at {seen}, we are {local}; Trunkline learns this \
                 address from rport (set [sip] external_address = \"{}\" if it is fixed, and \
                 let the RTP range through the NAT)",
                answer.seen_ip
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::check::Status;
    use sip_core::StatusCode;
    use std::time::Duration;

    fn answer(local: &str, seen_ip: &str, seen_port: Option<u16>) -> OptionsAnswer {
        OptionsAnswer {
            status: StatusCode::OK,
            reason: "OK".into(),
            rtt: Duration::from_millis(20),
            local: local.parse().unwrap(),
            seen_ip: seen_ip.parse().unwrap(),
            seen_port,
        }
    }

    #[test]
    fn no_nat_passes() {
        let a = answer("192.0.2.10:40000", "192.0.2.10", Some(40000));
        let c = nat_check(Some(("sip1.example.com", &a)), None);
        assert_eq!(c.status, Status::Pass);
        assert!(c.detail.contains("no NAT"), "{c}");
    }

    #[test]
    fn nat_without_external_address_passes_with_a_hint() {
        let a = answer("10.0.0.5:40000", "203.0.113.9", Some(61000));
        let c = nat_check(Some(("sip1.example.com", &a)), None);
        assert_eq!(c.status, Status::Pass);
        assert!(c.detail.contains("behind NAT"), "{c}");
        assert!(c.detail.contains("203.0.113.9:61000"), "{c}");
        assert!(
            c.detail.contains("external_address = \"203.0.113.9\""),
            "{c}"
        );
    }

    #[test]
    fn external_address_must_match_what_the_trunk_sees() {
        let a = answer("10.0.0.5:40000", "203.0.113.9", None);
        let good = nat_check(Some(("sip1", &a)), Some("203.0.113.9".parse().unwrap()));
        assert_eq!(good.status, Status::Pass);
        let bad = nat_check(Some(("sip1", &a)), Some("198.51.100.1".parse().unwrap()));
        assert_eq!(bad.status, Status::Fail);
        assert!(
            bad.detail.contains("external_address is 198.51.100.1"),
            "{bad}"
        );
        assert!(bad.detail.contains("did not fill in rport"), "{bad}");
        assert!(
            bad.advice
                .unwrap()
                .contains("external_address = \"203.0.113.9\"")
        );
    }

    #[test]
    fn nothing_answered_is_a_skip() {
        assert_eq!(nat_check(None, None).status, Status::Skip);
    }
}
