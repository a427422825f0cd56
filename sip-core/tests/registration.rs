//! Registration in simulated time: digest, refresh over 24 hours, 423,
//! stale nonces, wrong credentials, rejection, failover to the secondary
//! and back, back-off, NAT, keep-alive and un-REGISTER.

mod common;

use std::time::Duration;

use common::net::LinkConfig;
use common::sim::{PRIMARY, SECONDARY, Sim, addr, config};
use sip_core::endpoint::{Command, Event, RegistrationEvent, RegistrationFailure};
use sip_core::{Request, StatusCode};

const LATENCY: Duration = Duration::from_millis(10);

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn sim() -> Sim {
    Sim::new(config(), 1, LinkConfig::perfect(LATENCY))
}

fn with_auth(sim: &mut Sim) {
    sim.peer(PRIMARY).registrar.auth = Some(("dialer".into(), "s3cret".into()));
}

fn registers_to(sim: &Sim, proxy: &str) -> Vec<(Duration, Request)> {
    sim.net
        .sent_by(sim.ep_addr, "REGISTER")
        .into_iter()
        .filter(|s| s.to == addr(proxy))
        .map(|s| (s.at, Request::parse(s.data.clone()).unwrap()))
        .collect()
}

#[test]
fn digest_then_refresh_over_24_hours() {
    let mut sim = sim();
    with_auth(&mut sim);
    sim.command(Command::Register);
    sim.run_until(Duration::from_secs(24 * 3600));

    let regs = registers_to(&sim, PRIMARY);
    assert!(
        regs[0]
            .1
            .headers
            .get(&sip_core::HeaderName::Authorization)
            .is_none()
    );
    assert!(regs[1..].iter().all(|(_, r)| {
        r.headers
            .get(&sip_core::HeaderName::Authorization)
            .is_some()
    }));
    // REGISTER, 401, REGISTER with credentials, 200 at 40 ms; then a refresh
    // every 3240 s (90 % of 3600) plus the 20 ms round trip.
    assert_eq!(regs[0].0, Duration::ZERO);
    assert_eq!(regs[1].0, secs(0.02));
    for (i, w) in regs[1..].windows(2).enumerate() {
        assert_eq!(
            w[1].0 - w[0].0,
            secs(3240.02),
            "refresh {i}\n{}",
            sim.net.dump()
        );
    }
    // 0.02 + k * 3240.02 <= 86400 for k = 0..=26.
    assert_eq!(regs.len(), 1 + 27, "{}", sim.net.dump());
    let cseqs: Vec<u32> = regs
        .iter()
        .map(|(_, r)| r.headers.cseq().unwrap().seq)
        .collect();
    assert_eq!(cseqs, (1..=28).collect::<Vec<_>>());
    let call_ids: std::collections::HashSet<_> = regs
        .iter()
        .map(|(_, r)| r.headers.call_id().unwrap())
        .collect();
    assert_eq!(call_ids.len(), 1, "one Call-ID for all REGISTERs");
    assert_eq!(sim.peer(PRIMARY).registrar.accepted.len(), 27);

    let events = sim.registration_events();
    assert_eq!(
        events[0],
        (
            secs(0.04),
            RegistrationEvent::Registered {
                proxy: "sip1.example.com".into(),
                expires: Duration::from_secs(3600)
            }
        )
    );
    assert_eq!(events.len(), 27);
    assert!(
        events[1..]
            .iter()
            .all(|(_, e)| matches!(e, RegistrationEvent::Refreshed { .. }))
    );
    assert_eq!(sim.ep.registered_proxy(), Some("sip1.example.com"));
}

#[test]
fn granted_expires_drives_the_refresh() {
    let mut sim = sim();
    sim.peer(PRIMARY).registrar.grant = Some(600);
    sim.command(Command::Register);
    sim.run_until(Duration::from_secs(2000));
    let times: Vec<Duration> = registers_to(&sim, PRIMARY)
        .iter()
        .map(|(t, _)| *t)
        .collect();
    // Granted 600: refresh at 540 s (90 %, earlier than 570 s).
    assert_eq!(
        times,
        vec![secs(0.0), secs(540.02), secs(1080.04), secs(1620.06)]
    );
}

#[test]
fn interval_too_brief_retries_with_min_expires() {
    let mut cfg = config();
    cfg.registration.expires = 60;
    let mut sim = Sim::new(cfg, 2, LinkConfig::perfect(LATENCY));
    sim.peer(PRIMARY).registrar.min_expires = Some(300);
    sim.command(Command::Register);
    sim.run_until(Duration::from_secs(600));
    let regs = registers_to(&sim, PRIMARY);
    let expires: Vec<u32> = regs
        .iter()
        .map(|(_, r)| r.headers.expires().unwrap().unwrap())
        .collect();
    assert_eq!(expires, vec![60, 300, 300, 300]);
    // Granted 300: refresh at 270 s (earlier of 270 and 300 - 30).
    assert_eq!(regs[2].0 - regs[1].0, secs(270.02));
    assert!(matches!(
        sim.registration_events()[0].1,
        RegistrationEvent::Registered { expires, .. } if expires == Duration::from_secs(300)
    ));
}

#[test]
fn stale_nonce_is_retried_once() {
    let mut sim = sim();
    with_auth(&mut sim);
    sim.command(Command::Register);
    sim.run_until(Duration::from_secs(10));
    sim.peer(PRIMARY).registrar.stale_once = true;
    sim.run_until(Duration::from_secs(3300));
    let regs = registers_to(&sim, PRIMARY);
    // Initial pair, then the refresh: stale 401, retry with the new nonce.
    assert_eq!(regs.len(), 4, "{}", sim.net.dump());
    let events = sim.registration_events();
    assert!(matches!(
        events.last().unwrap().1,
        RegistrationEvent::Refreshed { .. }
    ));
    assert!(
        !events
            .iter()
            .any(|(_, e)| matches!(e, RegistrationEvent::Failed { .. }))
    );
}

#[test]
fn wrong_password_fails_on_the_second_challenge_with_the_same_nonce() {
    let mut sim = sim();
    sim.peer(PRIMARY).registrar.auth = Some(("dialer".into(), "other".into()));
    sim.command(Command::Register);
    sim.run_until(Duration::from_secs(10));
    assert_eq!(registers_to(&sim, PRIMARY).len(), 2);
    let (_, e) = sim.registration_events().into_iter().next().unwrap();
    assert_eq!(
        e.to_string(),
        "registration failed: 401 Unauthorized (wrong credentials?) from sip1.example.com"
    );
    assert!(matches!(
        e,
        RegistrationEvent::Failed {
            failure: RegistrationFailure::CredentialsRejected { .. },
            retry_in: Some(d),
            ..
        } if d == Duration::from_secs(300)
    ));
}

#[test]
fn wrong_password_against_rotating_nonces_stops_too() {
    let mut sim = sim();
    sim.peer(PRIMARY).registrar.auth = Some(("dialer".into(), "other".into()));
    sim.peer(PRIMARY).registrar.rotate_nonce = true;
    sim.command(Command::Register);
    sim.run_until(Duration::from_secs(10));
    assert_eq!(registers_to(&sim, PRIMARY).len(), 3, "{}", sim.net.dump());
    assert!(matches!(
        sim.registration_events()[0].1,
        RegistrationEvent::Failed {
            failure: RegistrationFailure::CredentialsRejected { .. },
            ..
        }
    ));
}

#[test]
fn forbidden_is_reported_and_retried_after_the_longest_wait() {
    let mut sim = sim();
    sim.peer(PRIMARY).registrar.reject = Some(403);
    sim.command(Command::Register);
    sim.run_until(Duration::from_secs(400));
    let events = sim.registration_events();
    assert_eq!(
        events[0].1.to_string(),
        "registration failed: 403 Forbidden from sip1.example.com"
    );
    assert!(matches!(
        &events[0].1,
        RegistrationEvent::Failed { failure: RegistrationFailure::Rejected { status, .. }, .. }
            if *status == StatusCode::FORBIDDEN
    ));
    let times: Vec<Duration> = registers_to(&sim, PRIMARY)
        .iter()
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(times, vec![secs(0.0), secs(300.02)], "no failover on 403");
    assert!(registers_to(&sim, SECONDARY).is_empty());
}

#[test]
fn fails_over_to_the_secondary_and_returns_to_the_primary() {
    let mut sim = sim();
    sim.peer(PRIMARY).silent = true;
    sim.command(Command::Register);
    sim.run_until(Duration::from_secs(60));
    // The primary gets the REGISTER retransmitted until Timer F.
    let primary: Vec<Duration> = registers_to(&sim, PRIMARY)
        .iter()
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(primary.len(), 11);
    assert_eq!(*primary.last().unwrap(), secs(31.5));
    let events = sim.registration_events();
    assert_eq!(
        events[0],
        (
            secs(32.0),
            RegistrationEvent::Failed {
                proxy: "sip1.example.com".into(),
                failure: RegistrationFailure::Timeout,
                retry_in: None
            }
        )
    );
    assert_eq!(
        events[1].1,
        RegistrationEvent::FailedOver {
            from: "sip1.example.com".into(),
            to: "sip2.example.com".into()
        }
    );
    assert_eq!(
        events[2],
        (
            secs(32.02),
            RegistrationEvent::Registered {
                proxy: "sip2.example.com".into(),
                expires: Duration::from_secs(3600)
            }
        )
    );
    assert_eq!(sim.ep.registered_proxy(), Some("sip2.example.com"));

    // The primary recovers; 300 s after registering with the secondary the
    // endpoint tries it again, moves back and removes the backup binding.
    sim.peer(PRIMARY).silent = false;
    sim.run_until(Duration::from_secs(400));
    let back = sim
        .registration_events()
        .into_iter()
        .find(|(_, e)| matches!(e, RegistrationEvent::Registered { proxy, .. } if proxy == "sip1.example.com"))
        .expect("back on the primary");
    assert_eq!(back.0, secs(332.04));
    assert_eq!(sim.ep.registered_proxy(), Some("sip1.example.com"));
    let secondary = registers_to(&sim, SECONDARY);
    let last = &secondary.last().unwrap().1;
    assert_eq!(
        last.headers.expires().unwrap(),
        Some(0),
        "backup binding removed"
    );
    assert_eq!(sim.peer(SECONDARY).registrar.accepted.last().unwrap().1, 0);
}

#[test]
fn primary_still_down_keeps_the_secondary() {
    let mut sim = sim();
    sim.peer(PRIMARY).silent = true;
    sim.command(Command::Register);
    sim.run_until(Duration::from_secs(1000));
    // Tries of the primary every 332 s (each times out after 32 s and is
    // rescheduled 300 s later); the secondary binding stays.
    let starts: Vec<Duration> = registers_to(&sim, PRIMARY)
        .iter()
        .map(|(t, _)| *t)
        .filter(|t| t.subsec_millis() == 20 || *t == Duration::ZERO)
        .collect();
    assert_eq!(
        starts,
        vec![secs(0.0), secs(332.02), secs(664.02), secs(996.02)]
    );
    assert_eq!(sim.ep.registered_proxy(), Some("sip2.example.com"));
}

#[test]
fn all_proxies_down_backs_off() {
    let mut sim = sim();
    sim.peer(PRIMARY).silent = true;
    sim.peer(SECONDARY).silent = true;
    sim.command(Command::Register);
    sim.run_until(Duration::from_secs(600));
    let waits: Vec<Option<Duration>> = sim
        .registration_events()
        .iter()
        .filter_map(|(_, e)| match e {
            RegistrationEvent::Failed { retry_in, .. } => Some(*retry_in),
            _ => None,
        })
        .collect();
    let s = |n| Some(Duration::from_secs(n));
    assert_eq!(
        waits,
        // Each round is 32 s per proxy, then the wait doubles.
        vec![
            None,
            s(5),
            None,
            s(10),
            None,
            s(20),
            None,
            s(40),
            None,
            s(80),
            None,
            s(160)
        ],
        "{}",
        sim.net.dump()
    );
}

#[test]
fn service_unavailable_fails_over_at_once() {
    let mut sim = sim();
    sim.peer(PRIMARY).registrar.reject = Some(503);
    sim.command(Command::Register);
    sim.run_until(Duration::from_secs(5));
    assert_eq!(sim.ep.registered_proxy(), Some("sip2.example.com"));
    let events = sim.registration_events();
    assert_eq!(
        events[0].1.to_string(),
        "registration failed: 503 Service Unavailable from sip1.example.com"
    );
}

#[test]
fn unregister_sends_expires_zero() {
    let mut sim = sim();
    with_auth(&mut sim);
    sim.command(Command::Register);
    sim.run_until(Duration::from_secs(5));
    sim.command(Command::Unregister);
    sim.run_until(Duration::from_secs(100));
    let regs = registers_to(&sim, PRIMARY);
    let last = &regs.last().unwrap().1;
    assert_eq!(last.headers.expires().unwrap(), Some(0));
    assert!(
        last.headers
            .get(&sip_core::HeaderName::Authorization)
            .is_some()
    );
    assert_eq!(
        sim.registration_events().last().unwrap().1,
        RegistrationEvent::Unregistered {
            proxy: "sip1.example.com".into(),
            failure: None
        }
    );
    assert_eq!(sim.ep.registered_proxy(), None);
    sim.run_until(Duration::from_secs(100_000));
    assert_eq!(
        registers_to(&sim, PRIMARY).len(),
        regs.len(),
        "no refresh after un-REGISTER"
    );
    assert_eq!(sim.ep.poll_timeout(), None, "nothing left scheduled");
}

#[test]
fn learns_the_public_address_and_re_registers() {
    let mut sim = sim();
    sim.peer(PRIMARY).registrar.nat_view = Some(addr("203.0.113.9:40000"));
    sim.command(Command::Register);
    sim.run_until(Duration::from_secs(5));
    assert!(sim.events.iter().any(|(_, e)| *e
        == Event::PublicAddressChanged {
            address: addr("203.0.113.9:40000")
        }));
    assert_eq!(sim.ep.public_address(), addr("203.0.113.9:40000"));
    let regs = registers_to(&sim, PRIMARY);
    assert_eq!(regs.len(), 2);
    let contacts: Vec<String> = regs[1]
        .1
        .headers
        .contacts()
        .unwrap()
        .iter()
        .map(|c| sip_core::HeaderValue::to_value(c).to_string())
        .collect();
    assert_eq!(
        contacts,
        vec![
            "<sip:dialer@203.0.113.9:40000>",
            "<sip:dialer@10.0.0.2:5060>;expires=0"
        ]
    );
    let via = regs[1].1.headers.top_via().unwrap();
    assert_eq!(via.host.to_string(), "203.0.113.9");
}

#[test]
fn keepalive_while_registered() {
    let mut cfg = config();
    cfg.registration.keepalive = Some(Duration::from_secs(25));
    let mut sim = Sim::new(cfg, 3, LinkConfig::perfect(LATENCY));
    sim.command(Command::Register);
    sim.run_until(Duration::from_secs(101));
    let crlf: Vec<Duration> = sim
        .net
        .transcript
        .iter()
        .filter(|s| s.from == sim.ep_addr && &s.data[..] == b"\r\n\r\n")
        .map(|s| s.at)
        .collect();
    assert_eq!(
        crlf,
        vec![secs(25.02), secs(50.02), secs(75.02), secs(100.02)]
    );
}
