//! How calls end against a SIPp trunk: busy, failover after 503, no answer
//! (CANCEL), hold and resume, no common codec, no audio, maximum duration;
//! and what never reaches the trunk: a call whose handler is unreachable,
//! and scanner traffic.

mod sipp_support;

use std::time::Duration;

use codecs::Codec;
use dialer_api::config::{HandlerConfig, HandlerProtocol};
use dialer_api::engine::CallRequest;
use dialer_api::scheduler::{FinalStatus, HangupBy};
use sipp_support::bots::BotPlan;
use sipp_support::call::{Bot, Setup, assert_one_stream, run};
use sipp_support::{engine, sipp, trunk};
use tokio::net::UdpSocket;

fn quiet_bot() -> Bot {
    let mut plan = BotPlan::tone_then_hangup(30.0);
    plan.hangup_after = None;
    Bot::Twilio(plan)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy() {
    if !sipp::available() {
        return;
    }
    let mut setup = Setup::answer(Codec::Pcmu, quiet_bot());
    setup.scenario = "engine_busy.xml";
    let run = run(setup).await;
    assert!(run.sipp.success, "SIPp:\n{}", run.sipp.log);
    let r = &run.report;
    assert_eq!(r.status, FinalStatus::Busy, "{r:?}");
    assert_eq!(
        (r.sip_status, r.sip_reason.as_deref()),
        (Some(486), Some("Busy Here"))
    );
    assert_eq!(
        (r.hangup_by, r.answer_ms, r.duration_ms, r.error.as_deref()),
        (None, None, 0, None)
    );
    // The handler was connected before dialing, but never started.
    assert!(
        run.bot.json.iter().all(|(_, m)| m["event"] == "connected"),
        "{:?}",
        run.bot.json
    );
    assert!(run.packets.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_from_the_primary_fails_over_to_the_secondary() {
    if !sipp::available() {
        return;
    }
    let mut setup = Setup::answer(Codec::G729, Bot::Twilio(BotPlan::tone_then_hangup(1.5)));
    setup.before = vec!["engine_unavailable.xml"];
    let run = run(setup).await;
    assert!(
        run.before[0].success,
        "primary SIPp:\n{}",
        run.before[0].log
    );
    assert!(run.sipp.success, "secondary SIPp:\n{}", run.sipp.log);
    let r = &run.report;
    assert_eq!(r.status, FinalStatus::Completed, "{r:?}");
    assert_eq!(r.codec.as_deref(), Some("G729"));
    assert_eq!(r.hangup_by, Some(HangupBy::Handler));
    assert_one_stream(&run.packets, 18);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_answer_is_cancelled_at_the_ring_timeout() {
    if !sipp::available() {
        return;
    }
    let mut setup = Setup::answer(Codec::Pcmu, quiet_bot());
    setup.scenario = "engine_no_answer.xml";
    setup.ring_timeout = Some(Duration::from_millis(1500));
    let run = run(setup).await;
    assert!(
        run.sipp.success,
        "SIPp (expects the CANCEL):\n{}",
        run.sipp.log
    );
    let r = &run.report;
    assert_eq!(r.status, FinalStatus::NoAnswer, "{r:?}");
    assert_eq!(r.error.as_deref(), Some("no answer"));
    assert_eq!(
        (r.sip_status, r.sip_reason.as_deref()),
        (Some(487), Some("Request Terminated")),
        "the INVITE's final response to our CANCEL is logged"
    );
    assert!(r.ring_ms.is_some() && r.answer_ms.is_none());
    assert!(run.bot.start_at.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_and_resume_by_re_invite_keep_the_call() {
    if !sipp::available() {
        return;
    }
    // The callee never sends RTP; the no-audio alarm (2 s) fires while the
    // call is on hold and must not end it. The callee hangs up 1 s after resuming.
    let mut setup = Setup::answer(Codec::Pcmu, quiet_bot());
    setup.scenario = "engine_hold.xml";
    setup.peer_tone = None;
    setup.no_audio = Duration::from_secs(2);
    let run = run(setup).await;
    assert!(
        run.sipp.success,
        "SIPp (checks recvonly, then sendrecv, in our answers):\n{}",
        run.sipp.log
    );
    let r = &run.report;
    assert_eq!(r.status, FinalStatus::Completed, "{r:?}");
    assert_eq!(r.hangup_by, Some(HangupBy::Callee), "{r:?}");
    assert!(
        (4000..5500).contains(&r.duration_ms),
        "talked {} ms",
        r.duration_ms
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_rtp_from_the_callee_ends_the_call_as_no_audio() {
    if !sipp::available() {
        return;
    }
    let mut setup = Setup::answer(Codec::Pcmu, quiet_bot());
    setup.peer_tone = None;
    setup.no_audio = Duration::from_secs(2);
    let run = run(setup).await;
    assert!(
        run.sipp.success,
        "SIPp (expects our BYE):\n{}",
        run.sipp.log
    );
    let r = &run.report;
    assert_eq!(r.status, FinalStatus::Failed, "{r:?}");
    assert_eq!(r.hangup_by, Some(HangupBy::Trunkline));
    assert_eq!(
        r.error.as_deref(),
        Some("no audio: no RTP from the trunk for 2 s")
    );
    assert!(
        (1900..2600).contains(&r.duration_ms),
        "talked {} ms",
        r.duration_ms
    );
    assert_eq!(r.packets_received, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_maximum_duration_hangs_up() {
    if !sipp::available() {
        return;
    }
    let mut setup = Setup::answer(Codec::Pcmu, quiet_bot());
    setup.max_duration = Duration::from_millis(1500);
    let run = run(setup).await;
    assert!(
        run.sipp.success,
        "SIPp (expects our BYE):\n{}",
        run.sipp.log
    );
    let r = &run.report;
    assert_eq!(r.status, FinalStatus::Completed, "{r:?}");
    assert_eq!(r.hangup_by, Some(HangupBy::Trunkline));
    assert!(
        (1450..1700).contains(&r.duration_ms),
        "talked {} ms",
        r.duration_ms
    );
    // Trunkline closed the handler's stream with `stop`.
    assert_eq!(run.bot.json.last().unwrap().1["event"], "stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_without_a_common_codec_is_a_clear_failure() {
    if !sipp::available() {
        return;
    }
    // The trunk answers with G.722, which was not offered: BYE at once.
    let mut setup = Setup::answer(Codec::Pcmu, quiet_bot());
    setup.sdp_codec = Some((9, "G722"));
    let run = run(setup).await;
    assert!(
        run.sipp.success,
        "SIPp (expects our BYE):\n{}",
        run.sipp.log
    );
    let r = &run.report;
    assert_eq!(r.status, FinalStatus::Failed, "{r:?}");
    let error = r.error.as_deref().unwrap();
    assert!(error.starts_with("no audio: no common codec"), "{error}");
    assert!(error.contains("G722"), "{error}");
    assert!(run.bot.start_at.is_none(), "the handler was started");
}

#[tokio::test]
async fn an_unreachable_handler_means_no_invite() {
    // The trunk: a plain UDP socket that records anything sent to it.
    let trunk_socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let engine = engine(Duration::from_secs(10)).await;
    let proxy = trunk_socket.local_addr().unwrap().to_string();
    engine
        .add_trunk(trunk("t", &[proxy], &[Codec::Pcmu]))
        .await
        .unwrap();
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("ws://{closed}/stream");
    let handler = HandlerConfig::new(&url, HandlerProtocol::Twilio, None).unwrap();
    let report = engine
        .call(CallRequest::new(
            "t",
            "+60198765432",
            "+60123456789",
            handler,
        ))
        .await;
    assert_eq!(report.status, FinalStatus::Failed);
    assert_eq!(
        report.error,
        Some(format!("handler {url}: connection refused"))
    );
    assert_eq!(report.call_id, None);
    let mut buf = [0u8; 2048];
    let got =
        tokio::time::timeout(Duration::from_millis(700), trunk_socket.recv_from(&mut buf)).await;
    assert!(
        got.is_err(),
        "the trunk got a datagram: {:?}",
        got.map(|r| r.map(|(n, _)| String::from_utf8_lossy(&buf[..n]).into_owned()))
    );
    assert_eq!(engine.stats().active_calls, 0);
    engine.shutdown().await;
}

fn invite(user_agent: &str, from: std::net::SocketAddr) -> String {
    format!(
        "INVITE sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {from};branch=z9hG4bK-scan-1\r\n\
         From: <sip:100@{from}>;tag=s1\r\nTo: <sip:100@127.0.0.1>\r\nCall-ID: scan-{}\r\n\
         CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:100@{from}>\r\n\
         User-Agent: {user_agent}\r\nContent-Length: 0\r\n\r\n",
        from.port()
    )
}

fn options(from: std::net::SocketAddr) -> String {
    format!(
        "OPTIONS sip:alice@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {from};branch=z9hG4bK-opt-1\r\n\
         From: <sip:probe@{from}>;tag=o1\r\nTo: <sip:alice@127.0.0.1>\r\nCall-ID: options-1\r\n\
         CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )
}

#[tokio::test]
async fn scanners_and_strangers_are_dropped_and_counted_while_the_trunk_is_answered() {
    let engine = engine(Duration::from_secs(10)).await;
    let sip = engine.sip_address();
    // The trunk is at 127.0.0.1 (nothing needs to listen there for this test).
    engine
        .add_trunk(trunk("t", &["127.0.0.1:5999".to_owned()], &[Codec::Pcmu]))
        .await
        .unwrap();
    let mut buf = [0u8; 4096];

    // A scanner from the trunk's own address: dropped by its User-Agent.
    let scanner = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for ua in ["friendly-scanner", "sipvicious"] {
        let m = invite(ua, scanner.local_addr().unwrap());
        scanner.send_to(m.as_bytes(), sip).await.unwrap();
    }
    // An INVITE from an address that is not the trunk's (127.0.0.2 is loopback too).
    let stranger = UdpSocket::bind("127.0.0.2:0").await.unwrap();
    let m = invite("Linphone/5.0", stranger.local_addr().unwrap());
    stranger.send_to(m.as_bytes(), sip).await.unwrap();
    // The trunk's OPTIONS keep-alive is answered.
    let prober = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    prober
        .send_to(options(prober.local_addr().unwrap()).as_bytes(), sip)
        .await
        .unwrap();
    let (n, _) = tokio::time::timeout(Duration::from_secs(2), prober.recv_from(&mut buf))
        .await
        .expect("no answer to OPTIONS")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("SIP/2.0 200 OK\r\n"), "{answer}");

    for (who, socket) in [("scanner", &scanner), ("stranger", &stranger)] {
        let got =
            tokio::time::timeout(Duration::from_millis(300), socket.recv_from(&mut buf)).await;
        assert!(got.is_err(), "the {who} got an answer");
    }
    let stats = engine.stats();
    assert_eq!(stats.dropped_scanner, 2, "{stats:?}");
    assert_eq!(stats.dropped_foreign, 1, "{stats:?}");
    assert_eq!(stats.refused_requests, 0, "{stats:?}");
    engine.shutdown().await;
}
