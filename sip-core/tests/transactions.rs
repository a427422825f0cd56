//! RFC 3261 §17 transactions in simulated time: retransmission schedules,
//! timeouts, absorption of retransmissions, ACK handling and matching.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sip_core::transaction::{
    ServerMatch, TimerConfig, TransactionError, TransactionEvent, TransactionId, TransactionLayer,
    TransactionOutput, Transmit,
};
use sip_core::{
    HeaderName, Message, Method, NameAddr, Request, Response, SipUri, StatusCode, Transport, Via,
};

const CLIENT: &str = "192.0.2.10:5060";
const SERVER: &str = "192.0.2.20:5060";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn request(method: Method, branch: &str) -> Request {
    let uri = SipUri::new("example.com").with_user("bob");
    Request::builder(method.clone(), uri.clone())
        .via(Via::new(Transport::Udp, "192.0.2.10", Some(5060), branch).with_rport())
        .max_forwards(70)
        .from(NameAddr::new(SipUri::new("example.com").with_user("alice")).with_tag("ft"))
        .to(NameAddr::new(uri))
        .call_id("call-1@192.0.2.10")
        .cseq(1)
        .build()
}

/// Everything a layer put out, with the simulated time it was collected.
#[derive(Default)]
struct Log {
    sent: Vec<(Duration, Transmit)>,
    events: Vec<(Duration, TransactionEvent)>,
}

fn drain(layer: &mut TransactionLayer, t0: Instant, now: Instant, log: &mut Log) {
    while let Some(o) = layer.poll_output() {
        match o {
            TransactionOutput::Transmit(t) => log.sent.push((now - t0, t)),
            TransactionOutput::Event(e) => log.events.push((now - t0, e)),
        }
    }
}

/// Advances to each deadline in turn until `end` (or no deadline is left).
fn run_until(layer: &mut TransactionLayer, t0: Instant, end: Duration, log: &mut Log) {
    while let Some(at) = layer.poll_timeout() {
        if at - t0 > end {
            break;
        }
        layer.handle_timeout(at);
        drain(layer, t0, at, log);
    }
}

fn secs(times: &[f64]) -> Vec<Duration> {
    times.iter().map(|s| Duration::from_secs_f64(*s)).collect()
}

fn send_times(log: &Log) -> Vec<Duration> {
    log.sent.iter().map(|(t, _)| *t).collect()
}

fn is_terminated(e: &TransactionEvent) -> bool {
    matches!(e, TransactionEvent::Terminated { .. })
}

#[test]
fn invite_retransmission_schedule_and_timer_b() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let id = layer
        .send_request(t0, request(Method::Invite, "z9hG4bKinv1"), addr(SERVER))
        .unwrap();
    let mut log = Log::default();
    drain(&mut layer, t0, t0, &mut log);
    run_until(&mut layer, t0, Duration::from_secs(120), &mut log);
    assert_eq!(
        send_times(&log),
        secs(&[0.0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5])
    );
    assert!(log.sent.iter().all(|(_, t)| t.to == addr(SERVER)));
    assert_eq!(
        log.events,
        vec![
            (Duration::from_secs(32), TransactionEvent::Timeout { id }),
            (Duration::from_secs(32), TransactionEvent::Terminated { id }),
        ]
    );
    assert!(layer.is_empty());
    assert_eq!(layer.poll_timeout(), None);
}

#[test]
fn non_invite_retransmissions_cap_at_t2_and_timer_f() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let id = layer
        .send_request(t0, request(Method::Options, "z9hG4bKopt1"), addr(SERVER))
        .unwrap();
    let mut log = Log::default();
    drain(&mut layer, t0, t0, &mut log);
    run_until(&mut layer, t0, Duration::from_secs(120), &mut log);
    let intervals: Vec<f64> = log
        .sent
        .windows(2)
        .map(|w| (w[1].0 - w[0].0).as_secs_f64())
        .collect();
    assert_eq!(
        intervals,
        vec![0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    );
    assert_eq!(log.sent.last().unwrap().0, Duration::from_secs_f64(31.5));
    assert_eq!(
        log.events[0],
        (Duration::from_secs(32), TransactionEvent::Timeout { id })
    );
}

#[test]
fn custom_t1_t2_scale_the_schedule() {
    let t0 = Instant::now();
    let config = TimerConfig {
        t1: Duration::from_millis(100),
        t2: Duration::from_millis(300),
        t4: Duration::from_secs(1),
    };
    let mut layer = TransactionLayer::new(config);
    layer
        .send_request(t0, request(Method::Bye, "z9hG4bKbye1"), addr(SERVER))
        .unwrap();
    let mut log = Log::default();
    drain(&mut layer, t0, t0, &mut log);
    run_until(&mut layer, t0, Duration::from_secs(60), &mut log);
    assert_eq!(
        send_times(&log)[..6],
        secs(&[0.0, 0.1, 0.3, 0.6, 0.9, 1.2])[..]
    );
    assert_eq!(log.events[0].0, Duration::from_millis(6400));
}

#[test]
fn provisional_stops_invite_retransmission_and_timer_b() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let req = request(Method::Invite, "z9hG4bKinv2");
    let id = layer.send_request(t0, req.clone(), addr(SERVER)).unwrap();
    let mut log = Log::default();
    drain(&mut layer, t0, t0, &mut log);
    run_until(&mut layer, t0, Duration::from_millis(600), &mut log);
    let at = t0 + Duration::from_secs(1);
    let ringing = Response::for_request(&req, StatusCode::RINGING, "Ringing");
    assert_eq!(layer.receive_response(at, ringing.clone()), Ok(id));
    drain(&mut layer, t0, at, &mut log);
    run_until(&mut layer, t0, Duration::from_secs(600), &mut log);
    assert_eq!(send_times(&log), secs(&[0.0, 0.5]));
    assert_eq!(
        log.events,
        vec![(
            Duration::from_secs(1),
            TransactionEvent::Response {
                id,
                response: ringing
            }
        )]
    );
    assert_eq!(layer.poll_timeout(), None, "no timer runs in Proceeding");
    assert!(layer.is_invite_proceeding(id));
}

#[test]
fn non_2xx_final_is_acked_and_retransmissions_reacked() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let req = request(Method::Invite, "z9hG4bKinv3");
    let id = layer.send_request(t0, req.clone(), addr(SERVER)).unwrap();
    let mut log = Log::default();
    drain(&mut layer, t0, t0, &mut log);
    let mut busy = Response::for_request(&req, StatusCode::BUSY_HERE, "Busy Here");
    busy.set_to_tag("srv").unwrap();
    let t = t0 + Duration::from_millis(200);
    layer.receive_response(t, busy.clone()).unwrap();
    drain(&mut layer, t0, t, &mut log);
    let t = t0 + Duration::from_millis(700);
    layer.receive_response(t, busy.clone()).unwrap();
    drain(&mut layer, t0, t, &mut log);
    run_until(&mut layer, t0, Duration::from_secs(100), &mut log);

    let acks: Vec<_> = log.sent[1..]
        .iter()
        .map(|(t, tx)| (t.as_secs_f64(), Request::parse(tx.data.clone()).unwrap()))
        .collect();
    assert_eq!(
        acks.len(),
        2,
        "one ACK per final received, no INVITE resent"
    );
    for (_, ack) in &acks {
        assert_eq!(ack.method, Method::Ack);
        assert_eq!(
            ack.headers.top_via().unwrap().branch().unwrap(),
            "z9hG4bKinv3"
        );
        assert_eq!(ack.headers.to().unwrap().tag().unwrap(), "srv");
    }
    let responses = log
        .events
        .iter()
        .filter(|(_, e)| matches!(e, TransactionEvent::Response { .. }))
        .count();
    assert_eq!(responses, 1, "the retransmitted final is absorbed");
    let (end, last) = log.events.last().unwrap();
    assert!(is_terminated(last));
    assert_eq!(*end, Duration::from_millis(32_200), "Timer D runs 32 s");
    assert_eq!(layer.len(), 0);
    let _ = id;
}

#[test]
fn every_2xx_reaches_the_user_until_timer_m() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let req = request(Method::Invite, "z9hG4bKinv4");
    let id = layer.send_request(t0, req.clone(), addr(SERVER)).unwrap();
    let mut log = Log::default();
    drain(&mut layer, t0, t0, &mut log);
    let mut ok = Response::for_request(&req, StatusCode::OK, "OK");
    ok.set_to_tag("a").unwrap();
    let mut fork = Response::for_request(&req, StatusCode::OK, "OK");
    fork.set_to_tag("b").unwrap();
    for (ms, r) in [(100, &ok), (600, &ok), (700, &fork)] {
        let t = t0 + Duration::from_millis(ms);
        assert_eq!(layer.receive_response(t, r.clone()), Ok(id));
        drain(&mut layer, t0, t, &mut log);
    }
    let late = t0 + Duration::from_millis(900);
    let mut decline = Response::for_request(&req, StatusCode::DECLINE, "Decline");
    decline.set_to_tag("c").unwrap();
    layer.receive_response(late, decline).unwrap();
    drain(&mut layer, t0, late, &mut log);
    run_until(&mut layer, t0, Duration::from_secs(100), &mut log);
    assert_eq!(log.sent.len(), 1, "the transaction never ACKs a 2xx");
    let tags: Vec<String> = log
        .events
        .iter()
        .filter_map(|(_, e)| match e {
            TransactionEvent::Response { response, .. } => {
                Some(response.headers.to().unwrap().tag().unwrap().to_string())
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        tags,
        vec!["a", "a", "b"],
        "a non-2xx after a 2xx is dropped"
    );
    assert_eq!(
        log.events.last().unwrap(),
        &(
            Duration::from_millis(32_100),
            TransactionEvent::Terminated { id }
        )
    );
}

#[test]
fn non_invite_final_then_timer_k() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let req = request(Method::Register, "z9hG4bKreg1");
    let id = layer.send_request(t0, req.clone(), addr(SERVER)).unwrap();
    let mut log = Log::default();
    drain(&mut layer, t0, t0, &mut log);
    let t = t0 + Duration::from_millis(100);
    let trying = Response::for_request(&req, StatusCode::TRYING, "Trying");
    layer.receive_response(t, trying).unwrap();
    drain(&mut layer, t0, t, &mut log);
    // In Proceeding, E fires at 0.5 s (set at start) then every T2.
    run_until(&mut layer, t0, Duration::from_secs(9), &mut log);
    assert_eq!(send_times(&log), secs(&[0.0, 0.5, 4.5, 8.5]));
    let t = t0 + Duration::from_secs(10);
    let ok = Response::for_request(&req, StatusCode::OK, "OK");
    layer.receive_response(t, ok.clone()).unwrap();
    layer.receive_response(t, ok).unwrap();
    drain(&mut layer, t0, t, &mut log);
    run_until(&mut layer, t0, Duration::from_secs(100), &mut log);
    let finals = log
        .events
        .iter()
        .filter(|(_, e)| matches!(e, TransactionEvent::Response { response, .. } if response.status == StatusCode::OK))
        .count();
    assert_eq!(finals, 1);
    assert_eq!(
        log.events.last().unwrap(),
        &(Duration::from_secs(15), TransactionEvent::Terminated { id }),
        "Timer K is T4"
    );
}

#[test]
fn responses_match_branch_and_method() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let invite = request(Method::Invite, "z9hG4bKm1");
    let inv = layer
        .send_request(t0, invite.clone(), addr(SERVER))
        .unwrap();
    let cancel = sip_core::transaction::cancel_for(&invite);
    let can = layer
        .send_request(t0, cancel.clone(), addr(SERVER))
        .unwrap();
    assert_ne!(inv, can);
    let ok_cancel = Response::for_request(&cancel, StatusCode::OK, "OK");
    assert_eq!(layer.receive_response(t0, ok_cancel), Ok(can));
    let r487 = Response::for_request(
        &invite,
        StatusCode::REQUEST_TERMINATED,
        "Request Terminated",
    );
    assert_eq!(layer.receive_response(t0, r487), Ok(inv));
    let other = Response::for_request(
        &request(Method::Invite, "z9hG4bKother"),
        StatusCode::OK,
        "OK",
    );
    assert!(layer.receive_response(t0, other).is_err());
    assert_eq!(
        layer.send_request(t0, invite.clone(), addr(SERVER)),
        Err(TransactionError::DuplicateBranch("z9hG4bKm1".into()))
    );
    assert_eq!(
        layer.send_request(t0, request(Method::Ack, "z9hG4bKack"), addr(SERVER)),
        Err(TransactionError::AckIsNotATransaction)
    );
    assert_eq!(
        layer.send_request(t0, request(Method::Options, "old-style"), addr(SERVER)),
        Err(TransactionError::NoBranch)
    );
}

fn new_server(m: ServerMatch) -> (TransactionId, Request) {
    match m {
        ServerMatch::New { id, request } => (id, request),
        other => panic!("expected a new transaction, got {other:?}"),
    }
}

#[test]
fn server_invite_non_2xx_retransmits_until_ack() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let invite = request(Method::Invite, "z9hG4bKs1");
    let (id, req) = new_server(layer.receive_request(t0, invite.clone(), addr(CLIENT)));
    let mut resp = Response::for_request(&req, StatusCode::FORBIDDEN, "Forbidden");
    resp.set_to_tag("uas").unwrap();
    layer.respond(t0, id, resp.clone()).unwrap();
    let mut log = Log::default();
    drain(&mut layer, t0, t0, &mut log);
    run_until(&mut layer, t0, Duration::from_secs(3), &mut log);
    // The INVITE retransmitted: the 403 goes out again.
    let t = t0 + Duration::from_millis(3200);
    assert_eq!(
        layer.receive_request(t, invite.clone(), addr(CLIENT)),
        ServerMatch::Absorbed
    );
    drain(&mut layer, t0, t, &mut log);
    assert_eq!(send_times(&log), secs(&[0.0, 0.5, 1.5, 3.2]));
    assert!(log.sent.iter().all(|(_, t)| t.data == resp.to_bytes()));
    // The ACK (same branch, the 403's To tag) completes it; Timer I is T4.
    let ack = sip_core::transaction::ack_for_non_2xx(&invite, &resp);
    let t = t0 + Duration::from_secs(4);
    assert_eq!(
        layer.receive_request(t, ack.clone(), addr(CLIENT)),
        ServerMatch::Absorbed
    );
    assert_eq!(
        layer.receive_request(t, ack, addr(CLIENT)),
        ServerMatch::Absorbed
    );
    assert_eq!(
        layer.respond(t, id, Response::for_request(&req, StatusCode::OK, "OK")),
        Err(TransactionError::CannotRespond { id, status: 200 })
    );
    drain(&mut layer, t0, t, &mut log);
    run_until(&mut layer, t0, Duration::from_secs(100), &mut log);
    assert_eq!(log.sent.len(), 4, "nothing sent after the ACK");
    assert_eq!(
        log.events,
        vec![(Duration::from_secs(9), TransactionEvent::Terminated { id })]
    );
}

#[test]
fn server_invite_without_ack_times_out_on_timer_h() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let (id, req) =
        new_server(layer.receive_request(t0, request(Method::Invite, "z9hG4bKs2"), addr(CLIENT)));
    let resp = Response::for_request(&req, StatusCode::BUSY_HERE, "Busy Here");
    layer.respond(t0, id, resp).unwrap();
    let mut log = Log::default();
    drain(&mut layer, t0, t0, &mut log);
    run_until(&mut layer, t0, Duration::from_secs(100), &mut log);
    assert_eq!(
        send_times(&log),
        secs(&[0.0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5])
    );
    assert_eq!(
        log.events,
        vec![
            (Duration::from_secs(32), TransactionEvent::AckTimeout { id }),
            (Duration::from_secs(32), TransactionEvent::Terminated { id }),
        ]
    );
}

#[test]
fn server_invite_2xx_is_retransmitted_until_the_dialog_sees_the_ack() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let invite = request(Method::Invite, "z9hG4bKs3");
    let (id, req) = new_server(layer.receive_request(t0, invite.clone(), addr(CLIENT)));
    let mut ok = Response::for_request(&req, StatusCode::OK, "OK");
    ok.set_to_tag("uas").unwrap();
    layer.respond(t0, id, ok).unwrap();
    let mut log = Log::default();
    drain(&mut layer, t0, t0, &mut log);
    run_until(&mut layer, t0, Duration::from_secs(2), &mut log);
    // The ACK of a 2xx has its own branch: it goes to the dialog.
    let mut ack = request(Method::Ack, "z9hG4bKs3ack");
    ack.headers.set(HeaderName::CSeq, "1 ACK");
    let t = t0 + Duration::from_millis(2100);
    assert_eq!(
        layer.receive_request(t, ack.clone(), addr(CLIENT)),
        ServerMatch::Ack(ack)
    );
    layer.ack_received(id);
    // INVITE retransmissions in Accepted are absorbed silently.
    assert_eq!(
        layer.receive_request(t, invite, addr(CLIENT)),
        ServerMatch::Absorbed
    );
    drain(&mut layer, t0, t, &mut log);
    run_until(&mut layer, t0, Duration::from_secs(100), &mut log);
    assert_eq!(send_times(&log), secs(&[0.0, 0.5, 1.5]));
    assert_eq!(
        log.events,
        vec![(Duration::from_secs(32), TransactionEvent::Terminated { id })]
    );
}

#[test]
fn server_invite_2xx_without_ack_reports_ack_timeout_on_timer_l() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let (id, req) =
        new_server(layer.receive_request(t0, request(Method::Invite, "z9hG4bKs4"), addr(CLIENT)));
    layer
        .respond(t0, id, Response::for_request(&req, StatusCode::OK, "OK"))
        .unwrap();
    let mut log = Log::default();
    drain(&mut layer, t0, t0, &mut log);
    run_until(&mut layer, t0, Duration::from_secs(100), &mut log);
    assert_eq!(
        log.sent.len(),
        11,
        "2xx resent at the capped T1 schedule until 32 s"
    );
    assert_eq!(
        log.events[0],
        (Duration::from_secs(32), TransactionEvent::AckTimeout { id })
    );
}

#[test]
fn server_non_invite_absorbs_and_repeats_then_timer_j() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let bye = request(Method::Bye, "z9hG4bKs5");
    let (id, req) = new_server(layer.receive_request(t0, bye.clone(), addr(CLIENT)));
    let mut log = Log::default();
    // A retransmission before the answer: nothing to repeat yet.
    assert_eq!(
        layer.receive_request(t0, bye.clone(), addr(CLIENT)),
        ServerMatch::Absorbed
    );
    drain(&mut layer, t0, t0, &mut log);
    assert!(log.sent.is_empty());
    let t = t0 + Duration::from_millis(10);
    layer
        .respond(t, id, Response::for_request(&req, StatusCode::OK, "OK"))
        .unwrap();
    let t2 = t0 + Duration::from_millis(500);
    assert_eq!(
        layer.receive_request(t2, bye, addr(CLIENT)),
        ServerMatch::Absorbed
    );
    drain(&mut layer, t0, t2, &mut log);
    run_until(&mut layer, t0, Duration::from_secs(100), &mut log);
    assert_eq!(log.sent.len(), 2);
    assert_eq!(log.sent[0].1.data, log.sent[1].1.data);
    assert_eq!(
        log.events,
        vec![(
            Duration::from_millis(32_010),
            TransactionEvent::Terminated { id }
        )]
    );
}

#[test]
fn responses_go_where_the_via_says() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let nat_source = addr("203.0.113.5:40000");
    let (id, req) =
        new_server(layer.receive_request(t0, request(Method::Options, "z9hG4bKs6"), nat_source));
    layer
        .respond(t0, id, Response::for_request(&req, StatusCode::OK, "OK"))
        .unwrap();
    let mut no_rport = request(Method::Options, "z9hG4bKs7");
    no_rport.headers.set(
        HeaderName::Via,
        "SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKs7",
    );
    let (id2, req2) = new_server(layer.receive_request(t0, no_rport, nat_source));
    layer
        .respond(t0, id2, Response::for_request(&req2, StatusCode::OK, "OK"))
        .unwrap();
    let mut log = Log::default();
    drain(&mut layer, t0, t0, &mut log);
    assert_eq!(log.sent[0].1.to, nat_source, "rport: back to the source");
    assert_eq!(
        log.sent[1].1.to,
        addr("203.0.113.5:5070"),
        "else source IP, Via port"
    );
}

#[test]
fn rfc2543_requests_match_without_a_branch() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let mut invite = request(Method::Invite, "unused");
    invite
        .headers
        .set(HeaderName::Via, "SIP/2.0/UDP 192.0.2.10:5060");
    let (id, req) = new_server(layer.receive_request(t0, invite.clone(), addr(CLIENT)));
    assert_eq!(
        layer.receive_request(t0, invite.clone(), addr(CLIENT)),
        ServerMatch::Absorbed
    );
    let mut resp = Response::for_request(&req, StatusCode::NOT_FOUND, "Not Found");
    resp.set_to_tag("t404").unwrap();
    layer.respond(t0, id, resp.clone()).unwrap();
    let mut ack = invite.clone();
    ack.method = Method::Ack;
    ack.headers.set(HeaderName::CSeq, "1 ACK");
    ack.headers.set(
        HeaderName::To,
        resp.headers.get(&HeaderName::To).unwrap().clone(),
    );
    assert_eq!(
        layer.receive_request(t0, ack.clone(), addr(CLIENT)),
        ServerMatch::Absorbed
    );
    let mut log = Log::default();
    drain(&mut layer, t0, t0, &mut log);
    run_until(&mut layer, t0, Duration::from_secs(100), &mut log);
    assert_eq!(log.sent.len(), 1, "acknowledged at once: no retransmission");
    // A different CSeq is a different transaction.
    let mut other = invite;
    other.headers.set(HeaderName::CSeq, "2 INVITE");
    assert!(matches!(
        layer.receive_request(t0 + Duration::from_secs(100), other, addr(CLIENT)),
        ServerMatch::New { .. }
    ));
}

#[test]
fn cancel_finds_its_invite() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let invite = request(Method::Invite, "z9hG4bKc1");
    let (inv, _) = new_server(layer.receive_request(t0, invite.clone(), addr(CLIENT)));
    let cancel = sip_core::transaction::cancel_for(&invite);
    let (can, _) = new_server(layer.receive_request(t0, cancel.clone(), addr(CLIENT)));
    assert_ne!(inv, can);
    assert_eq!(layer.find_cancelled_invite(&cancel), Some(inv));
    assert!(layer.is_proceeding(inv));
}

#[test]
fn server_transactions_are_capped() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    layer.set_max_server_transactions(2);
    for i in 0..2 {
        let m = layer.receive_request(
            t0,
            request(Method::Options, &format!("z9hG4bKcap{i}")),
            addr(CLIENT),
        );
        assert!(matches!(m, ServerMatch::New { .. }));
    }
    let third = request(Method::Options, "z9hG4bKcap2");
    assert_eq!(
        layer.receive_request(t0, third.clone(), addr(CLIENT)),
        ServerMatch::Overloaded(third)
    );
    assert_eq!(layer.len(), 2);
}

#[test]
fn transport_error_fails_pending_client_transactions() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let a = layer
        .send_request(t0, request(Method::Register, "z9hG4bKte1"), addr(SERVER))
        .unwrap();
    let b = layer
        .send_request(t0, request(Method::Register, "z9hG4bKte2"), addr(CLIENT))
        .unwrap();
    layer.transport_error(t0, addr(SERVER));
    let mut log = Log::default();
    drain(&mut layer, t0, t0, &mut log);
    let events: Vec<_> = log.events.iter().map(|(_, e)| e.clone()).collect();
    assert_eq!(
        events,
        vec![
            TransactionEvent::TransportError { id: a },
            TransactionEvent::Terminated { id: a }
        ]
    );
    assert!(layer.client_request(b).is_some());
}

/// A client layer and a server layer over a perfect link: the request, a
/// provisional and a final response, each side's timers winding down.
#[test]
fn two_layers_complete_a_transaction() {
    let t0 = Instant::now();
    let mut client = TransactionLayer::new(TimerConfig::default());
    let mut server = TransactionLayer::new(TimerConfig::default());
    let cid = client
        .send_request(t0, request(Method::Options, "z9hG4bKpair"), addr(SERVER))
        .unwrap();
    let mut seen = Vec::new();
    let mut now = t0;
    for _ in 0..200 {
        let mut progressed = false;
        while let Some(o) = client.poll_output() {
            progressed = true;
            match o {
                TransactionOutput::Transmit(t) => {
                    let Ok(Message::Request(r)) = Message::parse(t.data) else {
                        panic!()
                    };
                    if let ServerMatch::New { id, request } =
                        server.receive_request(now, r, addr(CLIENT))
                    {
                        server
                            .respond(
                                now,
                                id,
                                Response::for_request(&request, StatusCode::TRYING, "Trying"),
                            )
                            .unwrap();
                        server
                            .respond(
                                now,
                                id,
                                Response::for_request(&request, StatusCode::OK, "OK"),
                            )
                            .unwrap();
                    }
                }
                TransactionOutput::Event(e) => seen.push(e),
            }
        }
        while let Some(o) = server.poll_output() {
            progressed = true;
            if let TransactionOutput::Transmit(t) = o {
                assert_eq!(t.to, addr(CLIENT));
                let resp = Response::parse(t.data).unwrap();
                let _ = client.receive_response(now, resp);
            }
        }
        if !progressed {
            let next = [client.poll_timeout(), server.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            let Some(next) = next else { break };
            now = next;
            client.handle_timeout(now);
            server.handle_timeout(now);
        }
    }
    let statuses: Vec<u16> = seen
        .iter()
        .filter_map(|e| match e {
            TransactionEvent::Response { response, .. } => Some(response.status.as_u16()),
            _ => None,
        })
        .collect();
    assert_eq!(statuses, vec![100, 200]);
    assert_eq!(seen.last(), Some(&TransactionEvent::Terminated { id: cid }));
    assert!(client.is_empty() && server.is_empty());
    assert_eq!(
        now - t0,
        Duration::from_secs(32),
        "the server's Timer J ends last"
    );
}
