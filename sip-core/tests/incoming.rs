//! What the endpoint does with requests it did not expect: validation
//! failures answered statelessly with the status RFC 3261 names, garbage
//! dropped without a trace, in-dialog requests for unknown dialogs, CSeq
//! out of order, CANCEL without a match, and the cap on server state.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::net::LinkConfig;
use common::sim::{EP, PRIMARY, Sim, account, addr};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use sip_core::endpoint::{Endpoint, EndpointConfig, Input, Output};
use sip_core::{HeaderName, Response, StatusCode, UaPolicy};

const STRANGER: &str = "198.51.100.9:5070";

fn endpoint() -> (Endpoint, Instant) {
    let now = Instant::now();
    let config = EndpointConfig::new(addr(EP), account(&[(PRIMARY, "sip1.example.com")]));
    (
        Endpoint::new(config, ChaCha8Rng::seed_from_u64(5), now).unwrap(),
        now,
    )
}

/// Feeds one datagram and returns what the endpoint sent back.
fn exchange(ep: &mut Endpoint, now: Instant, data: &str) -> Vec<(SocketAddr, Response)> {
    ep.handle_input(Input::Receive {
        now,
        from: addr(STRANGER),
        data: Bytes::from(data.to_owned()),
    })
    .unwrap();
    let mut out = Vec::new();
    while let Some(o) = ep.poll_output() {
        match o {
            Output::Transmit(t) => out.push((t.to, Response::parse(t.data).unwrap())),
            Output::Event(_) => {}
            Output::Timeout(_) => break,
        }
    }
    out
}

fn request(method: &str, branch: &str, extra: &str) -> String {
    format!(
        "{method} sip:dialer@10.0.0.2 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 198.51.100.9:5070;branch={branch};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:x@example.net>;tag=f1\r\n\
         To: <sip:dialer@10.0.0.2>\r\n\
         Call-ID: c-{branch}\r\n\
         CSeq: 1 {method}\r\n\
         {extra}Content-Length: 0\r\n\r\n"
    )
}

#[test]
fn garbage_is_dropped_without_state() {
    let (mut ep, now) = endpoint();
    for junk in [
        "",
        "\r\n\r\n",
        "hello",
        "SIP/2.0 200 OK\r\n\r\n",
        "INVITE sip:x SIP/2.0\r\nVia: broken\r\n\r\n",
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKnotours\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n",
    ] {
        let out = exchange(&mut ep, now, junk);
        assert!(out.is_empty(), "{junk:?} got {out:?}");
    }
    assert_eq!(ep.stats().transactions, 0);
    assert_eq!(ep.poll_timeout(), None);
}

#[test]
fn validation_failures_get_the_rfc_status_without_state() {
    let (mut ep, now) = endpoint();
    let cases = [
        (request("OPTIONS", "z9hG4bK1", "Require: foo\r\n"), 420),
        (request("REGISTER", "z9hG4bK2", ""), 405),
        (request("FOO", "z9hG4bK3", ""), 501),
        (
            request("OPTIONS", "z9hG4bK4", "").replace("SIP/2.0\r\n", "SIP/3.0\r\n"),
            505,
        ),
        (
            request("INVITE", "z9hG4bK5", "Content-Type: text/plain\r\n")
                .replace("Content-Length: 0\r\n\r\n", "Content-Length: 2\r\n\r\nhi"),
            415,
        ),
    ];
    for (req, status) in cases {
        let out = exchange(&mut ep, now, &req);
        assert_eq!(out.len(), 1, "{req}");
        assert_eq!(out[0].0, addr(STRANGER));
        assert_eq!(out[0].1.status.as_u16(), status, "{req}");
        assert!(out[0].1.headers.to().unwrap().tag().is_some());
    }
    let allow = exchange(&mut ep, now, &request("REGISTER", "z9hG4bK2", ""));
    assert!(
        allow[0]
            .1
            .headers
            .get(&sip_core::HeaderName::Allow)
            .is_some()
    );
    assert_eq!(ep.stats().transactions, 0);
}

#[test]
fn requests_for_unknown_dialogs_get_481() {
    let (mut ep, now) = endpoint();
    let bye = request("BYE", "z9hG4bKb1", "").replace(
        "To: <sip:dialer@10.0.0.2>",
        "To: <sip:dialer@10.0.0.2>;tag=nosuch",
    );
    let first = exchange(&mut ep, now, &bye);
    assert_eq!(
        first[0].1.status,
        StatusCode::CALL_OR_TRANSACTION_DOES_NOT_EXIST
    );
    // A retransmission gets the same answer again from the transaction.
    assert_eq!(exchange(&mut ep, now, &bye), first);
    let out = exchange(&mut ep, now, &request("CANCEL", "z9hG4bKc1", ""));
    assert_eq!(
        out[0].1.status,
        StatusCode::CALL_OR_TRANSACTION_DOES_NOT_EXIST
    );
    let out = exchange(&mut ep, now, &request("BYE", "z9hG4bKb2", ""));
    assert_eq!(
        out[0].1.status,
        StatusCode::CALL_OR_TRANSACTION_DOES_NOT_EXIST
    );
}

#[test]
fn a_full_endpoint_answers_503_statelessly() {
    let now = Instant::now();
    let mut config = EndpointConfig::new(addr(EP), account(&[(PRIMARY, "sip1.example.com")]));
    config.max_server_transactions = 3;
    let mut ep = Endpoint::new(config, ChaCha8Rng::seed_from_u64(1), now).unwrap();
    for i in 0..3 {
        let out = exchange(
            &mut ep,
            now,
            &request("OPTIONS", &format!("z9hG4bKo{i}"), ""),
        );
        assert_eq!(out[0].1.status, StatusCode::OK);
    }
    let out = exchange(&mut ep, now, &request("OPTIONS", "z9hG4bKo9", ""));
    assert_eq!(out[0].1.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ep.stats().transactions, 3);
    // Timer J frees them.
    ep.handle_input(Input::Timeout(now + Duration::from_secs(33)))
        .unwrap();
    assert_eq!(ep.stats().transactions, 0);
}

#[test]
fn cseq_out_of_order_in_a_dialog_gets_500() {
    let mut sim = Sim::new(
        EndpointConfig::new(addr(EP), account(&[(PRIMARY, "sip1.example.com")])),
        3,
        LinkConfig::perfect(Duration::from_millis(10)),
    );
    sim.command(sip_core::endpoint::Command::Invite {
        call: sip_core::endpoint::CallHandle(1),
        request: sip_core::endpoint::InviteRequest::new(
            "100",
            sip_core::sdp::LocalMedia::new("10.0.0.2".parse().unwrap(), 20000),
        ),
    });
    sim.run_until(Duration::from_secs(1));
    let now = sim.now;
    sim.peer(PRIMARY)
        .send_update(now, 0, addr(EP), "1800;refresher=uac");
    sim.flush();
    sim.run_for(Duration::from_millis(100));
    // The same dialog, a lower CSeq than the UPDATE (1001): OPTIONS with 5.
    let inv = sim.peer(PRIMARY).calls[0].invite.clone();
    let from_tag = inv.headers.from().unwrap().tag().unwrap().to_string();
    let call_id = inv.headers.call_id().unwrap().to_string();
    let options = format!(
        "OPTIONS sip:dialer@10.0.0.2 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKlow;rport\r\n\
         From: <sip:uas@192.0.2.1>;tag=uas1\r\nTo: <sip:x@y>;tag={from_tag}\r\n\
         Call-ID: {call_id}\r\nCSeq: 5 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    );
    sim.net
        .send(sim.now, addr(PRIMARY), addr(EP), Bytes::from(options));
    sim.run_for(Duration::from_millis(100));
    let lines: Vec<String> = sim
        .net
        .sent_by(sim.ep_addr, "SIP/2.0")
        .iter()
        .map(|s| s.first_line())
        .collect();
    assert_eq!(
        lines,
        vec!["SIP/2.0 200 OK", "SIP/2.0 500 CSeq Out of Order"]
    );
}

#[test]
fn options_advertises_exactly_what_405_and_415_list() {
    let (mut ep, now) = endpoint();
    let options = exchange(&mut ep, now, &request("OPTIONS", "z9hG4bKo1", ""));
    let options = &options[0].1;
    assert_eq!(options.status, StatusCode::OK);
    let not_allowed = exchange(&mut ep, now, &request("NOTIFY", "z9hG4bKo2", ""));
    assert_eq!(
        not_allowed[0].1.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "NOTIFY is not handled, so it is not allowed"
    );
    let unsupported = exchange(
        &mut ep,
        now,
        &request("INFO", "z9hG4bKo3", "Content-Type: text/plain\r\n")
            .replace("Content-Length: 0\r\n\r\n", "Content-Length: 2\r\n\r\nhi"),
    );
    assert_eq!(unsupported[0].1.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let allow = |r: &Response| r.headers.get(&HeaderName::Allow).cloned();
    let accept = |r: &Response| r.headers.get(&HeaderName::Accept).cloned();
    assert_eq!(allow(options), allow(&not_allowed[0].1));
    assert_eq!(accept(options), accept(&unsupported[0].1));
    assert_eq!(
        accept(options).as_ref().map(|a| a.as_str()),
        Some("application/sdp, application/dtmf-relay")
    );
    assert_eq!(
        allow(options).as_ref().map(|a| a.as_str()),
        Some("INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO")
    );
    // And the same policy is what the validator uses by default.
    let policy = UaPolicy::default();
    assert_eq!(
        allow(options).as_ref().map(|a| a.as_str()),
        Some(policy.allow().as_str())
    );
}
