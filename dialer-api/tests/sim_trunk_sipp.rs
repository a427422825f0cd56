//! The trunk simulator against SIPp as the caller: REGISTER with digest,
//! wrong passwords, OPTIONS, a batch of calls whose outcomes the seed
//! predicts (answered with RTP echoed by SIPp, busy, unavailable, no answer
//! then CANCEL), and calls the caller ends, for every codec.

mod sim_support;

use std::collections::HashMap;
use std::time::Duration;

use dialer_api::event_line::EventLine;
use dialer_api::sim::{CallEnd, CallOutcome, OutcomeWeights, SimConfig, SimEvent, SimTrunk};
use sim_support::*;

fn quick() -> SimConfig {
    let mut c = SimConfig::loopback();
    c.plan.ring_min = Duration::from_millis(300);
    c.plan.ring_max = Duration::from_millis(1500);
    c.talk_time = Duration::from_secs(2);
    c.greeting = Duration::from_millis(600);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registers_with_digest_then_unregisters() {
    if !sipp_available() {
        return;
    }
    let mut trunk = SimTrunk::start(quick()).await.unwrap();
    let run = run_sipp(
        trunk.local_addr(),
        "register.xml",
        &[],
        &[
            "-s",
            "trunkline",
            "-au",
            "trunkline",
            "-ap",
            "secret",
            "-m",
            "1",
        ],
    )
    .await;
    assert_eq!(run.code, Some(0), "{}", run.output);
    assert_eq!((run.successful, run.failed), (1, 0));
    assert_eq!(run.count("401_Recv"), 1);
    assert_eq!(run.count("200_Recv"), 2);
    trunk.stop().await;
    let events = drain(&mut trunk);
    let names: Vec<String> = events.iter().map(SimEvent::name).collect();
    assert_eq!(
        names,
        ["listening", "challenged", "registered", "unregistered"],
        "{events:?}"
    );
    match &events[2] {
        SimEvent::Registered {
            user,
            contact,
            expires,
            ..
        } => {
            assert_eq!(user, "trunkline");
            assert!(contact.starts_with("sip:trunkline@127.0.0.1:"), "{contact}");
            assert_eq!(*expires, 300);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_or_rejected_password_gets_403() {
    if !sipp_available() {
        return;
    }
    // A wrong password, then the right one on a simulator told to refuse it.
    for (password, reject) in [("guess", false), ("secret", true)] {
        let mut config = quick();
        config.reject_password = reject;
        let mut trunk = SimTrunk::start(config).await.unwrap();
        let run = run_sipp(
            trunk.local_addr(),
            "register_rejected.xml",
            &[],
            &[
                "-s",
                "trunkline",
                "-au",
                "trunkline",
                "-ap",
                password,
                "-m",
                "1",
            ],
        )
        .await;
        assert_eq!(run.code, Some(0), "{}", run.output);
        assert_eq!(run.count("403_Recv"), 1, "{}", run.output);
        trunk.stop().await;
        let rejected: Vec<_> = drain(&mut trunk)
            .into_iter()
            .filter(|e| matches!(e, SimEvent::RegistrationRejected { status: 403, .. }))
            .collect();
        assert_eq!(rejected.len(), 1, "password {password}, reject {reject}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_options_without_authentication() {
    if !sipp_available() {
        return;
    }
    let mut trunk = SimTrunk::start(quick()).await.unwrap();
    let run = run_sipp(trunk.local_addr(), "options.xml", &[], &["-m", "3"]).await;
    assert_eq!(run.code, Some(0), "{}", run.output);
    assert_eq!(run.count("200_Recv"), 3);
    trunk.stop().await;
    let options = drain(&mut trunk)
        .iter()
        .filter(|e| matches!(e, SimEvent::Options { .. }))
        .count();
    assert_eq!(options, 3);
}

/// What SIPp should see for each outcome.
fn expected_end(outcome: CallOutcome) -> CallEnd {
    match outcome {
        CallOutcome::Answer => CallEnd::SimulatorHungUp,
        CallOutcome::Busy => CallEnd::Busy,
        CallOutcome::NoAnswer => CallEnd::Canceled,
        CallOutcome::Unavailable => CallEnd::Unavailable,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_ends_as_the_seed_predicts() {
    if !sipp_available() {
        return;
    }
    let mut config = quick();
    config.plan.seed = 2024;
    config.plan.weights = OutcomeWeights {
        answer: 0.55,
        busy: 0.15,
        no_answer: 0.15,
        unavailable: 0.15,
    };
    let plan = config.plan.clone();
    let numbers: Vec<String> = (0..20).map(|i| format!("+6012555{i:04}")).collect();
    let predicted: HashMap<&str, _> = numbers
        .iter()
        .map(|n| (n.as_str(), plan.predict(n)))
        .collect();
    let tally = |o: CallOutcome| predicted.values().filter(|p| p.outcome == o).count() as u64;
    for o in CallOutcome::ALL {
        assert!(tally(o) > 0, "seed 2024 should give some {o} calls");
    }

    let mut trunk = SimTrunk::start(config).await.unwrap();
    let rows: Vec<String> = numbers.iter().map(|n| format!("{n};0 8 3 18")).collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let media = free_media_port().to_string();
    let run = run_sipp(
        trunk.local_addr(),
        "call.xml",
        &rows,
        &[
            "-au",
            "trunkline",
            "-ap",
            "secret",
            "-m",
            "20",
            "-r",
            "10",
            "-l",
            "20",
            "-mi",
            "127.0.0.1",
            "-mp",
            &media,
            "-rtp_echo",
        ],
    )
    .await;
    assert_eq!(run.code, Some(0), "{}", run.output);
    assert_eq!((run.successful, run.failed), (20, 0), "{}", run.output);
    assert_eq!(run.count("407_Recv"), 20);
    assert_eq!(run.count("486_Recv"), tally(CallOutcome::Busy));
    assert_eq!(run.count("503_Recv"), tally(CallOutcome::Unavailable));
    assert_eq!(run.count("487_Recv"), tally(CallOutcome::NoAnswer));
    assert_eq!(run.count("BYE_Recv"), tally(CallOutcome::Answer));

    let events = events_until(&mut trunk, Duration::from_secs(10), |seen| {
        reports(seen).len() == 20
    })
    .await;
    let ended = reports(&events);
    assert_eq!(ended.len(), 20, "{events:?}");
    for report in ended {
        let p = predicted[report.number.as_str()];
        assert_eq!(report.outcome, p.outcome, "{report:?}");
        assert_eq!(report.end, expected_end(p.outcome), "{report:?}");
        if p.outcome == CallOutcome::Answer {
            let ring = Duration::from_millis(report.ring_ms);
            assert!(
                ring >= p.ring && ring < p.ring + Duration::from_millis(300),
                "{report:?} vs {p:?}"
            );
            assert!(
                report.talk_ms >= 2000 && report.talk_ms < 2500,
                "{report:?}"
            );
            let media = report.media.as_ref().expect("media report");
            assert_eq!(media.codec, "PCMU");
            // 2 s at 50 packets/s, echoed back by SIPp.
            assert!((95..=105).contains(&media.packets_sent), "{media:?}");
            assert!(media.packets_received >= 90, "{media:?}");
            assert_eq!(media.packets_lost, 0, "{media:?}");
            assert!(media.greeting_played, "{media:?}");
            assert!(media.echoed_frames > 20, "{media:?}");
            // Catch-up keeps the count right; a long stall would mean a blocked task.
            assert!(media.max_send_gap_ms < 150.0, "{media:?}");
        } else {
            assert!(report.media.is_none());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caller_hangs_up_for_every_codec() {
    if !sipp_available() {
        return;
    }
    let mut config = quick();
    config.plan.weights = OutcomeWeights {
        answer: 1.0,
        busy: 0.0,
        no_answer: 0.0,
        unavailable: 0.0,
    };
    config.talk_time = Duration::from_secs(30);
    config.greeting = Duration::from_secs(1);
    let mut trunk = SimTrunk::start(config).await.unwrap();
    // Offers and the codec the simulator (PCMU, PCMA, GSM, G729) must pick: the offer's first.
    let cases = [
        ("+441000000001", "0", "PCMU"),
        ("+441000000002", "8", "PCMA"),
        ("+441000000003", "3", "GSM"),
        ("+441000000004", "18", "G729"),
        ("+441000000005", "18 3 8 0", "G729"),
    ];
    let rows: Vec<String> = cases
        .iter()
        .map(|(n, pts, _)| format!("{n};{pts}"))
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let media = free_media_port().to_string();
    let run = run_sipp(
        trunk.local_addr(),
        "caller_bye.xml",
        &rows,
        &[
            "-au",
            "trunkline",
            "-ap",
            "secret",
            "-m",
            "5",
            "-r",
            "5",
            "-l",
            "5",
            "-mi",
            "127.0.0.1",
            "-mp",
            &media,
            "-rtp_echo",
        ],
    )
    .await;
    assert_eq!(run.code, Some(0), "{}", run.output);
    assert_eq!((run.successful, run.failed), (5, 0));
    let events = events_until(&mut trunk, Duration::from_secs(10), |seen| {
        reports(seen).len() == 5
    })
    .await;
    for (number, _, codec) in cases {
        let report = reports(&events)
            .into_iter()
            .find(|r| r.number == number)
            .unwrap_or_else(|| panic!("no report for {number}: {events:?}"));
        assert_eq!(report.end, CallEnd::CallerHungUp, "{report:?}");
        assert!(
            report.talk_ms >= 3900 && report.talk_ms < 4800,
            "{report:?}"
        );
        let media = report.media.as_ref().unwrap();
        assert_eq!(media.codec, codec, "{number}");
        // About 4 s of RTP out and back: greeting first, then the echo.
        assert!((190..=240).contains(&media.packets_sent), "{media:?}");
        assert!(media.packets_received >= 180, "{media:?}");
        assert_eq!(media.packets_lost, 0, "{media:?}");
        assert!(
            media.greeting_played && media.echoed_frames > 100,
            "{media:?}"
        );
        assert!(media.mos > 3.5, "{media:?}");
        // Catch-up keeps the count right; a long stall would mean a blocked task.
        assert!(media.max_send_gap_ms < 150.0, "{media:?}");
    }
    let answered: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            SimEvent::Answered { codec, .. } => Some(codec.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(answered.len(), 5);
}
