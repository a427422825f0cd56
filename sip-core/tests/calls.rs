//! Outgoing calls in simulated time: the INVITE schedule, answer and ACK,
//! 2xx retransmission, BYE both ways, CANCEL and its races, forks,
//! failures, challenges, re-INVITE hold/resume, session timers, and what
//! the endpoint answers outside its dialogs.

mod common;

use std::time::Duration;

use common::net::LinkConfig;
use common::peer::Step;
use common::sim::{EP, PRIMARY, SECONDARY, Sim, account, addr, config};
use sip_core::endpoint::{
    CallEnd, CallEvent, CallHandle, Command, EndpointConfig, Event, FinalResponse, InviteRequest,
};
use sip_core::sdp::{Direction, LocalMedia, SessionDescription};
use sip_core::{HeaderName, HeaderValue, Method, Request, Response, StatusCode};

const LATENCY: Duration = Duration::from_millis(10);
const CALL: CallHandle = CallHandle(1);

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn single_proxy() -> EndpointConfig {
    EndpointConfig::new(addr(EP), account(&[(PRIMARY, "sip1.example.com")]))
}

fn invite(target: &str) -> InviteRequest {
    InviteRequest::new(target, LocalMedia::new("10.0.0.2".parse().unwrap(), 20000))
}

fn dial(sim: &mut Sim) {
    sim.command(Command::Invite {
        call: CALL,
        request: invite("+15551234567"),
    });
}

fn sent(sim: &Sim, prefix: &str) -> Vec<(Duration, Request)> {
    sim.net
        .sent_by(sim.ep_addr, prefix)
        .into_iter()
        .map(|s| (s.at, Request::parse(s.data.clone()).unwrap()))
        .collect()
}

fn responses_from_ep(sim: &Sim) -> Vec<Response> {
    sim.net
        .sent_by(sim.ep_addr, "SIP/2.0")
        .into_iter()
        .map(|s| Response::parse(s.data.clone()).unwrap())
        .collect()
}

fn ended(sim: &Sim) -> Option<CallEnd> {
    sim.call_events(CALL)
        .into_iter()
        .find_map(|(_, e)| match e {
            CallEvent::Ended(end) => Some(end),
            _ => None,
        })
}

fn sim_with(config: EndpointConfig, seed: u64) -> Sim {
    Sim::new(config, seed, LinkConfig::perfect(LATENCY))
}

#[test]
fn invite_retransmission_schedule_and_timer_b() {
    let mut sim = sim_with(single_proxy(), 1);
    sim.peer(PRIMARY).silent = true;
    dial(&mut sim);
    sim.run_until(Duration::from_secs(100));
    let times: Vec<Duration> = sent(&sim, "INVITE").iter().map(|(t, _)| *t).collect();
    assert_eq!(
        times,
        [0.0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5].map(secs).to_vec()
    );
    let ev = sim.call_events(CALL);
    assert_eq!(
        ev,
        vec![(
            secs(32.0),
            CallEvent::Ended(CallEnd::Timeout {
                proxy: "sip1.example.com".into()
            })
        )]
    );
    assert_eq!(sim.ep.stats().calls, 0, "the call state is gone");
}

#[test]
fn answered_call_is_acked_and_hung_up() {
    let mut sim = sim_with(single_proxy(), 2);
    dial(&mut sim);
    sim.run_until(Duration::from_secs(1));
    assert_eq!(
        sim.call_event_kinds(CALL),
        vec!["progress 100", "progress 180", "answered"]
    );
    let Some((at, CallEvent::Answered(media))) = sim
        .call_events(CALL)
        .into_iter()
        .find(|(_, e)| matches!(e, CallEvent::Answered(_)))
    else {
        panic!()
    };
    assert_eq!(at, secs(0.12));
    assert_eq!(media.codec.name, "PCMU");
    assert_eq!(media.remote_rtp, addr("192.0.2.1:30000"));
    assert_eq!(media.dtmf_payload_type, Some(101));

    let inv = &sent(&sim, "INVITE")[0].1;
    assert_eq!(inv.uri.to_string(), "sip:+15551234567@sip1.example.com");
    let from = inv.headers.from().unwrap();
    assert_eq!(from.uri.to_string(), "sip:+60123456789@sip1.example.com");
    assert_eq!(from.display_name.as_deref(), Some("Trunkline Test"));
    assert!(inv.headers.top_via().unwrap().rport().is_some());
    assert_eq!(inv.headers.session_expires().unwrap().unwrap().delta, 1800);
    assert_eq!(inv.headers.min_se().unwrap(), Some(90));
    assert!(
        inv.headers
            .supported()
            .unwrap()
            .iter()
            .any(|t| t == "timer")
    );
    let offer = SessionDescription::parse(&inv.body).unwrap();
    assert_eq!(offer.media[0].formats, vec!["0", "8", "18", "3", "101"]);

    let acks = sent(&sim, "ACK");
    assert_eq!(acks.len(), 1);
    let ack = &acks[0].1;
    assert_eq!(
        ack.uri.to_string(),
        "sip:uas@192.0.2.1:5060",
        "ACK goes to the Contact"
    );
    assert_eq!(ack.headers.cseq().unwrap().seq, 1);
    assert_ne!(
        ack.headers.top_via().unwrap().branch(),
        inv.headers.top_via().unwrap().branch(),
        "the ACK of a 2xx is a new transaction"
    );
    assert_eq!(sim.peer(PRIMARY).calls[0].acked.len(), 1);

    sim.command(Command::Bye { call: CALL });
    sim.run_for(Duration::from_secs(1));
    let bye = &sent(&sim, "BYE")[0].1;
    assert_eq!(bye.headers.cseq().unwrap().seq, 2);
    assert_eq!(bye.headers.to().unwrap().tag().unwrap(), "uas1");
    assert_eq!(ended(&sim), Some(CallEnd::LocalHangup));
    assert!(sim.peer(PRIMARY).calls[0].ended);
}

#[test]
fn retransmitted_2xx_is_acked_again() {
    let mut sim = sim_with(single_proxy(), 3);
    sim.net.drop_next.push("ACK".into());
    dial(&mut sim);
    sim.run_until(Duration::from_secs(40));
    let acks: Vec<Duration> = sent(&sim, "ACK").iter().map(|(t, _)| *t).collect();
    // 200 sent at 0.11 s, ACK lost; the UAS resends the 200 at 0.61 s.
    assert_eq!(acks, vec![secs(0.12), secs(0.62)]);
    assert_eq!(sim.peer(PRIMARY).calls[0].acked, vec![secs(0.63)]);
    let answered = sim
        .call_event_kinds(CALL)
        .iter()
        .filter(|k| *k == "answered")
        .count();
    assert_eq!(answered, 1);
    assert_eq!(ended(&sim), None);
}

#[test]
fn remote_bye_is_answered_and_reported() {
    let mut sim = sim_with(single_proxy(), 4);
    dial(&mut sim);
    sim.run_until(Duration::from_secs(1));
    let now = sim.now;
    sim.peer(PRIMARY).send_bye(now, 0, addr(EP));
    sim.flush();
    sim.run_for(Duration::from_secs(1));
    assert_eq!(ended(&sim), Some(CallEnd::RemoteHangup));
    let ok = responses_from_ep(&sim)
        .into_iter()
        .find(|r| r.headers.cseq().unwrap().method == Method::Bye)
        .unwrap();
    assert_eq!(ok.status, StatusCode::OK);
    // A BYE for the finished call: 481.
    sim.run_for(Duration::from_secs(40));
    let now = sim.now;
    sim.peer(PRIMARY).send_bye(now, 0, addr(EP));
    sim.flush();
    sim.run_for(Duration::from_secs(1));
    let last = responses_from_ep(&sim).pop().unwrap();
    assert_eq!(last.status, StatusCode::CALL_OR_TRANSACTION_DOES_NOT_EXIST);
}

fn ringing_forever() -> Vec<Step> {
    vec![Step::new(0, 100, false), Step::new(50, 180, false)]
}

#[test]
fn cancel_after_ringing_gets_487_and_ack() {
    let mut sim = sim_with(single_proxy(), 5);
    sim.peer(PRIMARY).uas.script = ringing_forever();
    dial(&mut sim);
    sim.run_until(Duration::from_secs(1));
    sim.command(Command::Cancel { call: CALL });
    sim.run_until(Duration::from_secs(3));
    let cancels = sent(&sim, "CANCEL");
    assert_eq!(cancels.len(), 1);
    let inv = &sent(&sim, "INVITE")[0].1;
    assert_eq!(
        cancels[0].1.headers.top_via().unwrap().branch(),
        inv.headers.top_via().unwrap().branch()
    );
    let acks = sent(&sim, "ACK");
    assert_eq!(acks.len(), 1, "the 487 is acknowledged");
    assert_eq!(acks[0].1.headers.to().unwrap().tag().unwrap(), "uas1");
    assert_eq!(
        ended(&sim),
        Some(CallEnd::Cancelled {
            response: Some(FinalResponse {
                status: StatusCode::REQUEST_TERMINATED,
                reason: "Request Terminated".to_owned()
            })
        })
    );
}

#[test]
fn cancel_waits_for_a_provisional_response() {
    let mut sim = sim_with(single_proxy(), 6);
    sim.peer(PRIMARY).uas.script = vec![Step::new(2000, 180, false)];
    dial(&mut sim);
    sim.run_until(Duration::from_millis(100));
    sim.command(Command::Hangup { call: CALL });
    sim.run_until(Duration::from_secs(5));
    let cancels = sent(&sim, "CANCEL");
    assert_eq!(cancels.len(), 1);
    // The 180 leaves the UAS at 2.01 s and arrives at 2.02 s.
    assert_eq!(cancels[0].0, secs(2.02));
    assert_eq!(
        ended(&sim),
        Some(CallEnd::Cancelled {
            response: Some(FinalResponse {
                status: StatusCode::REQUEST_TERMINATED,
                reason: "Request Terminated".to_owned()
            })
        })
    );
}

#[test]
fn two_hundred_crossing_cancel_is_acked_then_byed() {
    let mut sim = sim_with(single_proxy(), 7);
    sim.peer(PRIMARY).uas.honour_cancel = false;
    sim.peer(PRIMARY).uas.script = vec![Step::new(0, 180, false), Step::new(500, 200, true)];
    dial(&mut sim);
    sim.run_until(Duration::from_millis(500));
    sim.command(Command::Cancel { call: CALL });
    sim.run_until(Duration::from_secs(3));
    let order: Vec<String> = sim
        .net
        .transcript
        .iter()
        .filter(|s| s.from == sim.ep_addr)
        .map(|s| s.first_line().split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(
        order,
        vec!["INVITE", "CANCEL", "ACK", "BYE"],
        "{}",
        sim.net.dump()
    );
    assert_eq!(ended(&sim), Some(CallEnd::Cancelled { response: None }));
    assert!(!sim.call_event_kinds(CALL).contains(&"answered".to_string()));
    assert!(sim.peer(PRIMARY).calls[0].ended, "the UAS got the BYE");
}

#[test]
fn forked_2xx_is_acked_and_byed() {
    let mut sim = sim_with(single_proxy(), 8);
    sim.peer(PRIMARY).uas.script = vec![
        Step::new(0, 180, false),
        Step::new(100, 200, true),
        Step::new(110, 200, true).tagged("fork2"),
    ];
    dial(&mut sim);
    sim.run_until(Duration::from_secs(2));
    let acks = sent(&sim, "ACK");
    let tags: Vec<String> = acks
        .iter()
        .map(|(_, a)| a.headers.to().unwrap().tag().unwrap().to_string())
        .collect();
    assert_eq!(tags, vec!["uas1", "fork2"]);
    let byes = sent(&sim, "BYE");
    assert_eq!(byes.len(), 1);
    assert_eq!(byes[0].1.headers.to().unwrap().tag().unwrap(), "fork2");
    assert_eq!(
        sim.call_event_kinds(CALL),
        vec!["progress 180", "answered"],
        "the first dialog stays up"
    );
}

#[test]
fn busy_is_a_final_failure_with_status_and_reason() {
    let mut sim = sim_with(single_proxy(), 9);
    sim.peer(PRIMARY).uas.script = vec![Step::new(0, 180, false), Step::new(200, 486, false)];
    dial(&mut sim);
    sim.run_until(Duration::from_secs(2));
    let end = ended(&sim).unwrap();
    assert_eq!(
        end,
        CallEnd::Rejected {
            status: StatusCode::BUSY_HERE,
            reason: "Busy Here".into(),
            retry_after: None,
            proxy: "sip1.example.com".into()
        }
    );
    assert_eq!(
        end.to_string(),
        "call rejected: 486 Busy Here from sip1.example.com"
    );
    assert_eq!(sent(&sim, "ACK").len(), 1);
}

#[test]
fn proxy_challenge_is_answered_with_a_new_cseq() {
    let mut sim = sim_with(single_proxy(), 10);
    sim.peer(PRIMARY).uas.proxy_auth = Some(("dialer".into(), "s3cret".into()));
    dial(&mut sim);
    sim.run_until(Duration::from_secs(2));
    let invites = sent(&sim, "INVITE");
    assert_eq!(invites.len(), 2);
    assert_eq!(invites[0].1.headers.cseq().unwrap().seq, 1);
    assert_eq!(invites[1].1.headers.cseq().unwrap().seq, 2);
    assert_eq!(
        invites[0].1.headers.call_id().unwrap(),
        invites[1].1.headers.call_id().unwrap()
    );
    assert!(
        invites[1]
            .1
            .headers
            .get(&HeaderName::ProxyAuthorization)
            .is_some()
    );
    assert!(sim.call_event_kinds(CALL).contains(&"answered".to_string()));
}

#[test]
fn wrong_password_on_invite_fails_the_call() {
    let mut sim = sim_with(single_proxy(), 11);
    sim.peer(PRIMARY).uas.proxy_auth = Some(("dialer".into(), "other".into()));
    dial(&mut sim);
    sim.run_until(Duration::from_secs(2));
    assert_eq!(sent(&sim, "INVITE").len(), 2);
    let end = ended(&sim).unwrap();
    assert_eq!(
        end.to_string(),
        "call authentication failed: 407 Proxy Authentication Required (wrong credentials?)"
    );
}

#[test]
fn session_interval_too_small_is_retried() {
    let mut sim = sim_with(single_proxy(), 12);
    sim.peer(PRIMARY).uas.min_se = Some(3600);
    dial(&mut sim);
    sim.run_until(Duration::from_secs(2));
    let invites = sent(&sim, "INVITE");
    assert_eq!(invites.len(), 2);
    assert_eq!(
        invites[1]
            .1
            .headers
            .session_expires()
            .unwrap()
            .unwrap()
            .delta,
        3600
    );
    assert_eq!(invites[1].1.headers.min_se().unwrap(), Some(3600));
    assert!(sim.call_event_kinds(CALL).contains(&"answered".to_string()));
}

#[test]
fn reinvite_hold_and_resume() {
    let mut sim = sim_with(single_proxy(), 13);
    dial(&mut sim);
    sim.run_until(Duration::from_secs(1));
    let now = sim.now;
    sim.peer(PRIMARY)
        .send_reinvite(now, 0, Direction::SendOnly, addr(EP), None);
    sim.flush();
    sim.run_for(Duration::from_secs(1));
    let now = sim.now;
    sim.peer(PRIMARY)
        .send_reinvite(now, 0, Direction::SendRecv, addr(EP), None);
    sim.flush();
    sim.run_for(Duration::from_secs(1));

    let changes: Vec<_> = sim
        .call_events(CALL)
        .into_iter()
        .filter_map(|(_, e)| match e {
            CallEvent::MediaChanged(m) => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(changes.len(), 2);
    assert!(changes[0].remote_hold);
    assert_eq!(changes[0].remote_direction, Direction::SendOnly);
    assert!(!changes[1].remote_hold);

    let oks: Vec<Response> = responses_from_ep(&sim)
        .into_iter()
        .filter(|r| r.headers.cseq().unwrap().method == Method::Invite)
        .collect();
    assert_eq!(oks.len(), 2);
    let hold_answer = SessionDescription::parse(&oks[0].body).unwrap();
    assert!(hold_answer.media[0].has_attribute("recvonly"));
    let resume_answer = SessionDescription::parse(&oks[1].body).unwrap();
    assert!(resume_answer.media[0].has_attribute("sendrecv"));
    assert_eq!(
        resume_answer.origin.session_version,
        hold_answer.origin.session_version + 1
    );
    assert!(oks[0].headers.contacts().unwrap().len() == 1);
    // The UAS's ACKs stopped our 2xx retransmissions: one 200 each.
    assert_eq!(ended(&sim), None);
}

#[test]
fn session_refresh_by_update_as_refresher() {
    let mut sim = sim_with(single_proxy(), 14);
    sim.peer(PRIMARY).uas.session_expires = Some((90, "uac"));
    dial(&mut sim);
    sim.run_until(Duration::from_secs(200));
    let updates: Vec<Duration> = sent(&sim, "UPDATE").iter().map(|(t, _)| *t).collect();
    // Answered at 0.12 s, then a refresh at half of 90 s after each success.
    assert_eq!(
        updates,
        vec![secs(45.12), secs(90.14), secs(135.16), secs(180.18)]
    );
    let u = &sent(&sim, "UPDATE")[0].1;
    let se = u.headers.session_expires().unwrap().unwrap();
    assert_eq!(se.delta, 90);
    assert_eq!(se.refresher, Some(sip_core::Refresher::Uac));
    assert_eq!(ended(&sim), None);
}

#[test]
fn session_refresh_by_reinvite_without_update() {
    let mut sim = sim_with(single_proxy(), 15);
    sim.peer(PRIMARY).uas.session_expires = Some((90, "uac"));
    sim.peer(PRIMARY).uas.allow_update = false;
    dial(&mut sim);
    sim.run_until(Duration::from_secs(50));
    let invites = sent(&sim, "INVITE");
    assert_eq!(invites.len(), 2);
    assert_eq!(invites[1].0, secs(45.12));
    assert_eq!(invites[1].1.headers.to().unwrap().tag().unwrap(), "uas1");
    let first = SessionDescription::parse(&invites[0].1.body).unwrap();
    let again = SessionDescription::parse(&invites[1].1.body).unwrap();
    assert_eq!(first, again, "an unchanged offer keeps its version");
    assert_eq!(
        sent(&sim, "ACK").len(),
        2,
        "the refresh's 2xx is acknowledged"
    );
}

#[test]
fn session_expires_without_refresh_from_the_peer() {
    let mut sim = sim_with(single_proxy(), 16);
    sim.peer(PRIMARY).uas.session_expires = Some((90, "uas"));
    dial(&mut sim);
    sim.run_until(Duration::from_secs(200));
    let byes = sent(&sim, "BYE");
    assert_eq!(byes.len(), 1);
    // 90 s minus min(32, 90/3) after the answer.
    assert_eq!(byes[0].0, secs(60.12));
    assert_eq!(ended(&sim), Some(CallEnd::SessionExpired));
}

#[test]
fn peer_refresh_restarts_the_session_timer() {
    let mut sim = sim_with(single_proxy(), 17);
    sim.peer(PRIMARY).uas.session_expires = Some((90, "uas"));
    dial(&mut sim);
    sim.run_until(Duration::from_secs(40));
    let now = sim.now;
    sim.peer(PRIMARY)
        .send_update(now, 0, addr(EP), "90;refresher=uac");
    sim.flush();
    sim.run_until(Duration::from_secs(200));
    let byes = sent(&sim, "BYE");
    assert_eq!(byes[0].0, secs(100.01), "60 s after the UPDATE arrived");
    let ok = responses_from_ep(&sim)
        .into_iter()
        .find(|r| r.headers.cseq().unwrap().method == Method::Update)
        .unwrap();
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(
        ok.headers.get(&HeaderName::SessionExpires).unwrap(),
        "90;refresher=uac"
    );
    assert!(ok.headers.require().unwrap().iter().any(|t| t == "timer"));
}

#[test]
fn incoming_invite_is_refused_with_403() {
    let mut sim = sim_with(single_proxy(), 18);
    let now = sim.now;
    sim.peer(PRIMARY)
        .send_out_of_dialog(now, Method::Invite, addr(EP), "sip:dialer@10.0.0.2");
    sim.flush();
    sim.run_until(Duration::from_secs(40));
    let responses = responses_from_ep(&sim);
    assert_eq!(responses.len(), 1, "the ACK stops retransmissions");
    assert_eq!(responses[0].status, StatusCode::FORBIDDEN);
    assert!(responses[0].headers.to().unwrap().tag().is_some());
    assert!(sim.events.iter().any(|(_, e)| matches!(
        e,
        Event::IncomingRejected { method: Method::Invite, status, .. } if *status == StatusCode::FORBIDDEN
    )));
    assert_eq!(sim.ep.stats().transactions, 0);
}

#[test]
fn options_are_answered_with_capabilities() {
    let mut sim = sim_with(single_proxy(), 19);
    let now = sim.now;
    sim.peer(PRIMARY)
        .send_out_of_dialog(now, Method::Options, addr(EP), "sip:dialer@10.0.0.2");
    sim.flush();
    sim.run_until(Duration::from_secs(1));
    let r = &responses_from_ep(&sim)[0];
    assert_eq!(r.status, StatusCode::OK);
    let allow = r.headers.allow().unwrap();
    for m in [
        Method::Invite,
        Method::Bye,
        Method::Cancel,
        Method::Options,
        Method::Update,
    ] {
        assert!(allow.contains(&m), "{m}");
    }
    assert!(r.headers.accept().unwrap()[0].is("application/sdp"));
    assert!(r.headers.supported().unwrap().iter().any(|t| t == "timer"));
}

#[test]
fn ring_timeout_cancels_with_no_answer() {
    let mut sim = sim_with(single_proxy(), 20);
    sim.peer(PRIMARY).uas.script = ringing_forever();
    let mut req = invite("+15551234567");
    req.ring_timeout = Some(Duration::from_secs(30));
    sim.command(Command::Invite {
        call: CALL,
        request: req,
    });
    sim.run_until(Duration::from_secs(40));
    assert_eq!(sent(&sim, "CANCEL")[0].0, secs(30.0));
    assert_eq!(
        ended(&sim),
        Some(CallEnd::NoAnswer {
            response: Some(FinalResponse {
                status: StatusCode::REQUEST_TERMINATED,
                reason: "Request Terminated".to_owned()
            })
        })
    );
}

#[test]
fn invite_fails_over_to_the_secondary_when_the_primary_is_silent() {
    let mut sim = sim_with(config(), 21);
    sim.peer(PRIMARY).silent = true;
    dial(&mut sim);
    sim.run_until(Duration::from_secs(40));
    let invites = sent(&sim, "INVITE");
    let last = invites.last().unwrap();
    assert_eq!(last.0, secs(32.0));
    assert_eq!(last.1.uri.to_string(), "sip:+15551234567@sip2.example.com");
    assert!(sim.call_event_kinds(CALL).contains(&"answered".to_string()));
}

#[test]
fn a_503_after_100_trying_fails_over_but_not_after_ringing() {
    let mut sim = sim_with(config(), 30);
    sim.peer(PRIMARY).uas.script = vec![Step::new(0, 100, false), Step::new(10, 503, false)];
    dial(&mut sim);
    sim.run_until(Duration::from_secs(2));
    let invites = sent(&sim, "INVITE");
    assert_eq!(invites.len(), 2, "the INVITE went to the secondary");
    assert_eq!(
        invites[1].1.uri.to_string(),
        "sip:+15551234567@sip2.example.com"
    );
    assert!(sim.call_event_kinds(CALL).contains(&"answered".to_string()));

    let mut sim = sim_with(config(), 31);
    sim.peer(PRIMARY).uas.script = vec![Step::new(0, 180, false), Step::new(10, 503, false)];
    dial(&mut sim);
    sim.run_until(Duration::from_secs(2));
    assert_eq!(
        sent(&sim, "INVITE").len(),
        1,
        "the callee was reached: no failover"
    );
    assert!(
        matches!(ended(&sim), Some(CallEnd::Rejected { status, .. }) if status == StatusCode::SERVICE_UNAVAILABLE)
    );
}

#[test]
fn public_address_goes_into_contact_and_sdp() {
    let mut sim = sim_with(single_proxy(), 22);
    sim.peer(PRIMARY).registrar.nat_view = Some(addr("203.0.113.9:40000"));
    sim.command(Command::Register);
    sim.run_until(Duration::from_secs(1));
    dial(&mut sim);
    sim.run_until(Duration::from_secs(2));
    let inv = &sent(&sim, "INVITE")[0].1;
    let contact = inv.headers.contacts().unwrap();
    assert_eq!(
        contact[0].addr().unwrap().uri.to_string(),
        "sip:dialer@203.0.113.9:40000"
    );
    let sdp = SessionDescription::parse(&inv.body).unwrap();
    assert_eq!(sdp.connection.unwrap().address, "203.0.113.9");
}

#[test]
fn commands_that_do_not_fit_are_errors() {
    let mut sim = sim_with(single_proxy(), 23);
    let now = sim.now;
    let e = sim
        .ep
        .handle_input(sip_core::endpoint::Input::Command {
            now,
            command: Command::Bye { call: CALL },
        })
        .unwrap_err();
    assert_eq!(e.to_string(), "no call 1");
    dial(&mut sim);
    let e = sim
        .ep
        .handle_input(sip_core::endpoint::Input::Command {
            now,
            command: Command::Invite {
                call: CALL,
                request: invite("x"),
            },
        })
        .unwrap_err();
    assert_eq!(e.to_string(), "call 1 already exists");
    let e = sim
        .ep
        .handle_input(sip_core::endpoint::Input::Command {
            now,
            command: Command::Bye { call: CALL },
        })
        .unwrap_err();
    assert!(e.to_string().contains("use Cancel"), "{e}");
    let e = sim
        .ep
        .handle_input(sip_core::endpoint::Input::Command {
            now,
            command: Command::Invite {
                call: CallHandle(2),
                request: invite("bad target"),
            },
        })
        .unwrap_err();
    assert!(e.to_string().starts_with("invalid call target"));
}

#[test]
fn early_media_is_reported_from_183() {
    let mut sim = sim_with(single_proxy(), 24);
    sim.peer(PRIMARY).uas.script = vec![Step::new(0, 183, true), Step::new(500, 200, false)];
    dial(&mut sim);
    sim.run_until(Duration::from_secs(2));
    assert_eq!(
        sim.call_event_kinds(CALL),
        vec!["progress 183", "early media", "answered"],
        "a 2xx without SDP takes the early answer"
    );
}

#[test]
fn unused_secondary_is_not_touched() {
    let mut sim = sim_with(config(), 25);
    dial(&mut sim);
    sim.run_until(Duration::from_secs(2));
    assert!(sim.net.transcript.iter().all(|s| s.to != addr(SECONDARY)));
}

#[test]
fn record_route_becomes_the_route_of_in_dialog_requests() {
    let mut sim = sim_with(single_proxy(), 26);
    sim.peer(PRIMARY).uas.record_route =
        Some("<sip:edge2.example.com;lr>, <sip:edge1.example.com;lr>");
    dial(&mut sim);
    sim.run_until(Duration::from_secs(1));
    sim.command(Command::Hangup { call: CALL });
    sim.run_for(Duration::from_secs(1));
    for prefix in ["ACK", "BYE"] {
        let (_, req) = &sent(&sim, prefix)[0];
        let routes: Vec<String> = req
            .headers
            .routes()
            .unwrap()
            .iter()
            .map(|r| r.uri.to_string())
            .collect();
        assert_eq!(
            routes,
            vec!["sip:edge1.example.com;lr", "sip:edge2.example.com;lr"],
            "{prefix}: Record-Route reversed"
        );
        assert_eq!(req.uri.to_string(), "sip:uas@192.0.2.1:5060");
    }
    assert!(
        sim.net
            .sent_by(sim.ep_addr, "BYE")
            .iter()
            .all(|s| s.to == addr(PRIMARY))
    );
}

#[test]
fn unanswered_bye_ends_the_call_after_timer_f() {
    let mut sim = sim_with(single_proxy(), 27);
    dial(&mut sim);
    sim.run_until(Duration::from_secs(1));
    sim.peer(PRIMARY).silent = true;
    sim.command(Command::Bye { call: CALL });
    // Hangup while the BYE is pending is not an error.
    sim.command(Command::Hangup { call: CALL });
    sim.run_until(Duration::from_secs(60));
    assert_eq!(sent(&sim, "BYE").len(), 11, "retransmitted until Timer F");
    let (at, last) = sim.call_events(CALL).pop().unwrap();
    assert_eq!(last, CallEvent::Ended(CallEnd::LocalHangup));
    assert_eq!(at, secs(33.0));
    // Once its INVITE transaction is over too, the call is forgotten.
    let now = sim.now;
    assert_eq!(
        sim.ep.handle_input(sip_core::endpoint::Input::Command {
            now,
            command: Command::Hangup { call: CALL },
        }),
        Err(sip_core::endpoint::InputError::UnknownCall(CALL))
    );
}

#[test]
fn service_unavailable_reports_retry_after() {
    let mut sim = sim_with(single_proxy(), 28);
    sim.peer(PRIMARY).uas.script = vec![Step::new(0, 503, false)];
    sim.peer(PRIMARY).uas.retry_after = Some(120);
    dial(&mut sim);
    sim.run_until(Duration::from_secs(1));
    let end = ended(&sim).unwrap();
    assert!(matches!(
        end,
        CallEnd::Rejected { status, retry_after: Some(120), .. } if status == StatusCode::SERVICE_UNAVAILABLE
    ));
    assert_eq!(
        end.to_string(),
        "call rejected: 503 Service Unavailable from sip1.example.com (retry after 120 s)"
    );
}

#[test]
fn a_malformed_warning_does_not_hide_a_busy() {
    // The warn-text must be a quoted string: this one is not, but the 486
    // still ends the call as busy (not as a timeout 32 s later).
    assert!(sip_core::Warning::parse_value("399 host unquoted text").is_err());
    let mut sim = sim_with(single_proxy(), 29);
    sim.peer(PRIMARY).uas.script = vec![
        Step::new(0, 180, false),
        Step::new(200, 486, false).header(HeaderName::Warning, "399 host unquoted text"),
    ];
    dial(&mut sim);
    sim.run_until(Duration::from_secs(2));
    assert_eq!(
        sim.call_events(CALL).last().map(|(at, _)| *at),
        Some(secs(0.22))
    );
    assert_eq!(
        ended(&sim),
        Some(CallEnd::Rejected {
            status: StatusCode::BUSY_HERE,
            reason: "Busy Here".into(),
            retry_after: None,
            proxy: "sip1.example.com".into()
        })
    );
    assert_eq!(sent(&sim, "ACK").len(), 1);
}

#[test]
fn a_malformed_retry_after_is_read_as_absent() {
    assert!(sip_core::RetryAfter::parse_value("soon, please").is_err());
    let mut sim = sim_with(single_proxy(), 30);
    sim.peer(PRIMARY).uas.script =
        vec![Step::new(0, 503, false).header(HeaderName::RetryAfter, "soon, please")];
    dial(&mut sim);
    sim.run_until(Duration::from_secs(1));
    assert!(matches!(
        ended(&sim),
        Some(CallEnd::Rejected { status, retry_after: None, .. }) if status == StatusCode::SERVICE_UNAVAILABLE
    ));
}

#[test]
fn an_endless_ring_timeout_is_no_deadline() {
    // `now + Duration::MAX` does not fit an Instant: the call simply has no
    // ring timeout (no panic, no CANCEL).
    let mut sim = sim_with(single_proxy(), 31);
    sim.peer(PRIMARY).uas.script = ringing_forever();
    let mut req = invite("+15551234567");
    req.ring_timeout = Some(Duration::MAX);
    sim.command(Command::Invite {
        call: CALL,
        request: req,
    });
    sim.run_until(Duration::from_secs(300));
    assert!(sent(&sim, "CANCEL").is_empty());
    assert_eq!(ended(&sim), None);
    assert_eq!(sim.ep.stats().calls, 1);
}

#[test]
fn endless_configured_durations_do_not_panic() {
    let mut config = single_proxy();
    config.timers.t1 = Duration::MAX;
    config.timers.t2 = Duration::MAX;
    config.timers.t4 = Duration::MAX;
    config.registration.retry_min = Duration::MAX;
    config.registration.retry_max = Duration::MAX;
    config.registration.primary_retry = Duration::MAX;
    config.registration.keepalive = Some(Duration::MAX);
    let mut sim = sim_with(config, 32);
    sim.peer(PRIMARY).uas.session_expires = Some((u32::MAX, "uac"));
    sim.command(Command::Register);
    dial(&mut sim);
    sim.run_until(Duration::from_secs(100));
    assert!(sim.call_event_kinds(CALL).contains(&"answered".to_string()));
    sim.command(Command::Bye { call: CALL });
    sim.run_until(Duration::from_secs(200));
    assert_eq!(ended(&sim), Some(CallEnd::LocalHangup));
    // A registrar that never answers: no retransmission deadline fits, so
    // the REGISTER simply waits.
    let mut silent = single_proxy();
    silent.timers.t1 = Duration::MAX;
    let mut sim = sim_with(silent, 33);
    sim.peer(PRIMARY).silent = true;
    sim.command(Command::Register);
    dial(&mut sim);
    sim.run_until(Duration::from_secs(100));
    assert_eq!(sent(&sim, "INVITE").len(), 1);
    assert_eq!(ended(&sim), None);
}

/// An answered call on the single proxy (at 0.12 s), run to 1 s.
fn answered_call(seed: u64) -> Sim {
    let mut sim = sim_with(single_proxy(), seed);
    dial(&mut sim);
    sim.run_until(Duration::from_secs(1));
    assert!(sim.call_event_kinds(CALL).contains(&"answered".to_string()));
    sim
}

/// The peer sends `method` in the call's dialog; runs one more second.
fn peer_sends(
    sim: &mut Sim,
    method: Method,
    sdp: Option<Option<&str>>,
    headers: &[(HeaderName, &str)],
) {
    let now = sim.now;
    sim.peer(PRIMARY)
        .send_in_dialog(now, 0, method, addr(EP), sdp, headers);
    sim.flush();
    sim.run_for(Duration::from_secs(1));
}

fn media_changes(sim: &Sim) -> Vec<sip_core::sdp::NegotiatedMedia> {
    sim.call_events(CALL)
        .into_iter()
        .filter_map(|(_, e)| match e {
            CallEvent::MediaChanged(m) => Some(m),
            _ => None,
        })
        .collect()
}

/// The endpoint's responses to requests of `method`.
fn answers_to(sim: &Sim, method: Method) -> Vec<Response> {
    responses_from_ep(sim)
        .into_iter()
        .filter(|r| r.headers.cseq().unwrap().method == method)
        .collect()
}

const PCMA_ONLY: &str = "v=0\no=trunk 7 2 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n\
    m=audio 30002 RTP/AVP 8 101\na=rtpmap:8 PCMA/8000\na=rtpmap:101 telephone-event/8000\n";

#[test]
fn incoming_reinvite_changes_the_codec() {
    let mut sim = answered_call(40);
    peer_sends(&mut sim, Method::Invite, Some(Some(PCMA_ONLY)), &[]);
    let changes = media_changes(&sim);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].codec.name, "PCMA");
    assert_eq!(changes[0].remote_rtp, addr("192.0.2.1:30002"));
    let ok = &answers_to(&sim, Method::Invite)[0];
    assert_eq!(ok.status, StatusCode::OK);
    let answer = SessionDescription::parse(&ok.body).unwrap();
    assert_eq!(answer.media[0].formats, vec!["8", "101"]);
    assert_eq!(ended(&sim), None);
}

#[test]
fn update_with_sdp_is_answered_in_its_200() {
    let mut sim = answered_call(41);
    let hold = "v=0\no=trunk 7 2 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n\
        m=audio 30000 RTP/AVP 0\na=sendonly\n";
    peer_sends(&mut sim, Method::Update, Some(Some(hold)), &[]);
    let changes = media_changes(&sim);
    assert_eq!(changes.len(), 1);
    assert!(changes[0].remote_hold);
    let ok = &answers_to(&sim, Method::Update)[0];
    assert_eq!(ok.status, StatusCode::OK);
    let answer = SessionDescription::parse(&ok.body).unwrap();
    assert!(answer.media[0].has_attribute("recvonly"));
}

#[test]
fn reinvite_without_offer_gets_our_offer_and_the_answer_in_the_ack() {
    let mut sim = answered_call(42);
    sim.peer(PRIMARY).calls[0].our_media.port = 30010;
    peer_sends(&mut sim, Method::Invite, None, &[]);
    let ok = &answers_to(&sim, Method::Invite)[0];
    let offer = SessionDescription::parse(&ok.body).unwrap();
    assert_eq!(offer.media[0].formats, vec!["0", "8", "18", "3", "101"]);
    // The peer's ACK carried its answer on a new port.
    let changes = media_changes(&sim);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].remote_rtp, addr("192.0.2.1:30010"));
    assert_eq!(
        answers_to(&sim, Method::Invite).len(),
        1,
        "the ACK stopped the 2xx"
    );
}

#[test]
fn reinvite_without_a_common_codec_gets_488_with_warning_and_the_call_stays() {
    let mut sim = answered_call(43);
    let g722 = "v=0\no=trunk 7 2 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n\
        m=audio 30000 RTP/AVP 9\n";
    peer_sends(&mut sim, Method::Invite, Some(Some(g722)), &[]);
    let r = &answers_to(&sim, Method::Invite)[0];
    assert_eq!(r.status, StatusCode::NOT_ACCEPTABLE_HERE);
    let warning = r.headers.warnings().unwrap();
    assert_eq!(warning[0].code, 399);
    assert!(
        warning[0].text.contains("no common codec"),
        "{:?}",
        warning[0].text
    );
    assert!(media_changes(&sim).is_empty());
    assert_eq!(ended(&sim), None);
    sim.command(Command::Bye { call: CALL });
    sim.run_for(Duration::from_secs(1));
    assert_eq!(ended(&sim), Some(CallEnd::LocalHangup));
}

#[test]
fn glare_with_our_pending_refresh_gets_491() {
    let mut sim = sim_with(single_proxy(), 44);
    sim.peer(PRIMARY).uas.session_expires = Some((90, "uac"));
    sim.peer(PRIMARY).uas.answer_in_dialog = false;
    dial(&mut sim);
    // Our refresh UPDATE goes out at 45.12 s and is never answered.
    sim.run_until(Duration::from_secs(46));
    assert!(!sent(&sim, "UPDATE").is_empty());
    peer_sends(
        &mut sim,
        Method::Update,
        None,
        &[(HeaderName::SessionExpires, "90")],
    );
    let r = &answers_to(&sim, Method::Update)[0];
    assert_eq!(r.status, StatusCode::REQUEST_PENDING);
}

#[test]
fn reinvite_before_the_ack_of_the_previous_gets_500_with_retry_after() {
    let mut sim = answered_call(45);
    // The peer's ACKs (it re-sends one per retransmitted 2xx) are lost.
    sim.net
        .drop_next
        .extend(std::iter::repeat_n("ACK".to_string(), 10));
    peer_sends(&mut sim, Method::Invite, Some(Some(PCMA_ONLY)), &[]);
    peer_sends(&mut sim, Method::Invite, Some(Some(PCMA_ONLY)), &[]);
    let second = answers_to(&sim, Method::Invite)
        .into_iter()
        .find(|r| r.status == StatusCode::SERVER_INTERNAL_ERROR)
        .unwrap();
    assert_eq!(second.headers.retry_after().unwrap().unwrap().delta, 1);
}

#[test]
fn too_short_session_interval_from_the_peer_gets_422_with_min_se() {
    let mut sim = answered_call(46);
    peer_sends(
        &mut sim,
        Method::Invite,
        Some(Some(PCMA_ONLY)),
        &[
            (HeaderName::SessionExpires, "30"),
            (HeaderName::Supported, "timer"),
        ],
    );
    let r = &answers_to(&sim, Method::Invite)[0];
    assert_eq!(r.status, StatusCode::SESSION_INTERVAL_TOO_SMALL);
    assert_eq!(r.headers.min_se().unwrap(), Some(90));
    assert!(
        media_changes(&sim).is_empty(),
        "a refused offer changes nothing"
    );
}

#[test]
fn peer_refresh_by_reinvite_restarts_the_session_timer() {
    let mut sim = sim_with(single_proxy(), 47);
    sim.peer(PRIMARY).uas.session_expires = Some((90, "uas"));
    dial(&mut sim);
    sim.run_until(Duration::from_secs(40));
    let now = sim.now;
    sim.peer(PRIMARY).send_reinvite(
        now,
        0,
        Direction::SendRecv,
        addr(EP),
        Some("90;refresher=uac"),
    );
    sim.flush();
    sim.run_until(Duration::from_secs(200));
    let byes = sent(&sim, "BYE");
    assert_eq!(byes[0].0, secs(100.01), "60 s after the re-INVITE arrived");
    let ok = &answers_to(&sim, Method::Invite)[0];
    assert_eq!(
        ok.headers.get(&HeaderName::SessionExpires).unwrap(),
        "90;refresher=uac"
    );
    assert_eq!(ended(&sim), Some(CallEnd::SessionExpired));
}

#[test]
fn a_2xx_without_a_common_codec_is_acked_then_byed() {
    let mut sim = sim_with(single_proxy(), 48);
    sim.peer(PRIMARY).uas.script = vec![Step::new(0, 200, true).with_body(
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 30000 RTP/AVP 9\n",
    )];
    dial(&mut sim);
    sim.run_until(Duration::from_secs(2));
    assert_eq!(sent(&sim, "ACK").len(), 1);
    assert_eq!(sent(&sim, "BYE").len(), 1);
    let Some(CallEnd::MediaFailed(e)) = ended(&sim) else {
        panic!("{:?}", ended(&sim))
    };
    assert_eq!(e.status(), StatusCode::NOT_ACCEPTABLE_HERE);
    assert!(e.to_string().contains("G722"), "{e}");
}

#[test]
fn www_authenticate_on_invite_is_answered_with_authorization() {
    let mut sim = sim_with(single_proxy(), 49);
    sim.peer(PRIMARY).uas.proxy_auth = Some(("dialer".into(), "s3cret".into()));
    sim.peer(PRIMARY).uas.auth_401 = true;
    dial(&mut sim);
    sim.run_until(Duration::from_secs(2));
    let invites = sent(&sim, "INVITE");
    assert_eq!(invites.len(), 2);
    assert!(
        invites[1]
            .1
            .headers
            .get(&HeaderName::Authorization)
            .is_some()
    );
    assert!(
        invites[1]
            .1
            .headers
            .get(&HeaderName::ProxyAuthorization)
            .is_none()
    );
    assert!(sim.call_event_kinds(CALL).contains(&"answered".to_string()));
}

#[test]
fn redirect_and_global_failure_are_final() {
    for (seed, status, reason) in [(50, 302, "Moved Temporarily"), (51, 603, "Decline")] {
        let mut sim = sim_with(single_proxy(), seed);
        sim.peer(PRIMARY).uas.script =
            vec![Step::new(0, 180, false), Step::new(100, status, false)];
        dial(&mut sim);
        sim.run_until(Duration::from_secs(2));
        assert_eq!(
            ended(&sim),
            Some(CallEnd::Rejected {
                status: StatusCode::new(status).unwrap(),
                reason: reason.into(),
                retry_after: None,
                proxy: "sip1.example.com".into()
            })
        );
        assert_eq!(sent(&sim, "ACK").len(), 1);
        assert_eq!(sent(&sim, "INVITE").len(), 1, "no failover on {status}");
    }
}

#[test]
fn a_refresh_answered_481_ends_the_call_as_refresh_failed() {
    let mut sim = sim_with(single_proxy(), 52);
    sim.peer(PRIMARY).uas.session_expires = Some((90, "uac"));
    sim.peer(PRIMARY).uas.in_dialog_status = Some(481);
    dial(&mut sim);
    sim.run_until(Duration::from_secs(60));
    assert_eq!(sent(&sim, "UPDATE")[0].0, secs(45.12));
    assert_eq!(
        ended(&sim),
        Some(CallEnd::RefreshFailed {
            status: Some(StatusCode::CALL_OR_TRANSACTION_DOES_NOT_EXIST)
        })
    );
    assert_eq!(sent(&sim, "BYE").len(), 1);
}

#[test]
fn a_challenged_bye_is_retried_with_credentials() {
    let mut sim = answered_call(53);
    sim.peer(PRIMARY).uas.bye_auth = Some(("dialer".into(), "s3cret".into()));
    sim.command(Command::Bye { call: CALL });
    sim.run_for(Duration::from_secs(2));
    let byes = sent(&sim, "BYE");
    assert_eq!(byes.len(), 2);
    assert!(byes[0].1.headers.get(&HeaderName::Authorization).is_none());
    assert!(byes[1].1.headers.get(&HeaderName::Authorization).is_some());
    assert_eq!(
        byes[1].1.headers.cseq().unwrap().seq,
        byes[0].1.headers.cseq().unwrap().seq + 1
    );
    assert!(sim.peer(PRIMARY).calls[0].ended);
    assert_eq!(ended(&sim), Some(CallEnd::LocalHangup));
}

#[test]
fn a_transport_error_moves_registration_and_invite_to_the_secondary() {
    let mut sim = sim_with(config(), 54);
    sim.peer(PRIMARY).silent = true;
    sim.command(Command::Register);
    let now = sim.now;
    sim.ep
        .handle_input(sip_core::endpoint::Input::TransportError {
            now,
            to: addr(PRIMARY),
        })
        .unwrap();
    sim.flush();
    sim.run_until(Duration::from_secs(1));
    let registers = sent(&sim, "REGISTER");
    let to: Vec<_> = sim
        .net
        .sent_by(sim.ep_addr, "REGISTER")
        .iter()
        .map(|s| s.to)
        .collect();
    assert_eq!(to.first(), Some(&addr(PRIMARY)));
    assert_eq!(to.last(), Some(&addr(SECONDARY)));
    assert!(registers.last().unwrap().0 < secs(1.0), "not after Timer F");
    assert!(sim.registration_events().iter().any(|(_, e)| matches!(
        e,
        sip_core::endpoint::RegistrationEvent::Registered { proxy, .. } if proxy == "sip2.example.com"
    )));

    // A call on a fresh endpoint: the INVITE to the primary fails at once.
    let mut sim = sim_with(config(), 55);
    sim.peer(PRIMARY).silent = true;
    dial(&mut sim);
    let now = sim.now;
    sim.ep
        .handle_input(sip_core::endpoint::Input::TransportError {
            now,
            to: addr(PRIMARY),
        })
        .unwrap();
    sim.flush();
    sim.run_until(Duration::from_secs(1));
    let invites = sent(&sim, "INVITE");
    assert_eq!(invites.len(), 2);
    assert_eq!(
        invites[1].1.uri.to_string(),
        "sip:+15551234567@sip2.example.com"
    );
    assert!(sim.call_event_kinds(CALL).contains(&"answered".to_string()));
}

#[test]
fn a_configured_external_address_is_in_via_contact_and_sdp() {
    let mut config = single_proxy();
    config.external_addr = Some(addr("203.0.113.50:5090"));
    let mut sim = sim_with(config, 56);
    // What the registrar reports is ignored when the address is configured.
    sim.peer(PRIMARY).registrar.nat_view = Some(addr("198.51.100.1:40000"));
    sim.command(Command::Register);
    sim.run_until(Duration::from_secs(1));
    dial(&mut sim);
    sim.run_until(Duration::from_secs(2));
    for (_, req) in sent(&sim, "REGISTER")
        .iter()
        .chain(sent(&sim, "INVITE").iter())
    {
        let via = req.headers.top_via().unwrap();
        assert_eq!(via.host.to_string(), "203.0.113.50");
        assert_eq!(via.port, Some(5090));
        let contact = req.headers.contacts().unwrap();
        assert_eq!(
            contact[0].addr().unwrap().uri.to_string(),
            "sip:dialer@203.0.113.50:5090"
        );
    }
    let inv = &sent(&sim, "INVITE")[0].1;
    let sdp = SessionDescription::parse(&inv.body).unwrap();
    assert_eq!(sdp.connection.unwrap().address, "203.0.113.50");
    assert_eq!(sdp.origin.address, "203.0.113.50");
}
