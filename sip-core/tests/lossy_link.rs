//! REGISTER, INVITE and BYE between the endpoint and a registrar/UAS over a
//! seeded link with 20 % loss, jitter, reordering and duplicates: every
//! seed must end with the same outcome, and a run is reproducible.

mod common;

use std::time::Duration;

use common::net::LinkConfig;
use common::sim::{EP, PRIMARY, Sim, account, addr};
use sip_core::endpoint::{
    CallEnd, CallEvent, CallHandle, Command, EndpointConfig, InviteRequest, RegistrationEvent,
};
use sip_core::sdp::LocalMedia;

const CALL: CallHandle = CallHandle(7);

fn lossy() -> LinkConfig {
    LinkConfig {
        latency: Duration::from_millis(20),
        jitter: Duration::from_millis(30),
        loss: 0.2,
        duplicate: 0.05,
        reorder: 0.1,
    }
}

fn run(seed: u64) -> Sim {
    let config = EndpointConfig::new(addr(EP), account(&[(PRIMARY, "sip1.example.com")]));
    let mut sim = Sim::new(config, seed, lossy());
    sim.peer(PRIMARY).registrar.auth = Some(("dialer".into(), "s3cret".into()));
    sim.command(Command::Register);
    let registered = sim.run_until_event(Duration::from_secs(120), |e| {
        matches!(
            e,
            sip_core::endpoint::Event::Registration(RegistrationEvent::Registered { .. })
        )
    });
    assert!(
        registered.is_some(),
        "seed {seed}: not registered\n{}",
        sim.net.dump()
    );

    sim.command(Command::Invite {
        call: CALL,
        request: InviteRequest::new(
            "+15550001",
            LocalMedia::new("10.0.0.2".parse().unwrap(), 20000),
        ),
    });
    let answered = sim.run_until_event(Duration::from_secs(60), |e| {
        matches!(
            e,
            sip_core::endpoint::Event::Call {
                event: CallEvent::Answered(_),
                ..
            }
        )
    });
    assert!(
        answered.is_some(),
        "seed {seed}: not answered\n{}",
        sim.net.dump()
    );
    sim.run_for(Duration::from_secs(10));
    sim.command(Command::Hangup { call: CALL });
    sim.run_for(Duration::from_secs(70));
    sim
}

#[test]
fn register_call_and_hang_up_over_a_lossy_link() {
    let mut lost = 0;
    let mut sent = 0;
    for seed in 1..=30 {
        let mut sim = run(seed);
        let kinds = sim.call_event_kinds(CALL);
        assert_eq!(
            kinds.iter().filter(|k| *k == "answered").count(),
            1,
            "seed {seed}: {kinds:?}"
        );
        assert_eq!(
            kinds.last().map(String::as_str),
            Some("ended: we hung up"),
            "seed {seed}: {kinds:?}\n{}",
            sim.net.dump()
        );
        let peer = sim.peer(PRIMARY);
        assert!(
            peer.calls[0].ended,
            "seed {seed}: the UAS never got the BYE"
        );
        assert!(
            !peer.calls[0].acked.is_empty(),
            "seed {seed}: the 2xx was never acknowledged"
        );
        assert_eq!(
            sim.ep.stats().calls,
            0,
            "seed {seed}: call state left behind"
        );
        assert!(matches!(
            sim.call_events(CALL).last().unwrap().1,
            CallEvent::Ended(CallEnd::LocalHangup)
        ));
        lost += sim.net.transcript.iter().filter(|s| s.dropped).count();
        sent += sim.net.transcript.len();
    }
    let rate = lost as f64 / sent as f64;
    assert!(
        (0.15..0.25).contains(&rate),
        "the link lost {rate:.3} of datagrams"
    );
}

#[test]
fn a_seed_replays_exactly() {
    let a = run(99);
    let b = run(99);
    let lines = |s: &Sim| -> Vec<(Duration, Vec<u8>)> {
        s.net
            .transcript
            .iter()
            .map(|t| (t.at, t.data.to_vec()))
            .collect()
    };
    assert_eq!(lines(&a), lines(&b));
    assert_eq!(a.events, b.events);
}
